// Where the rows of an upload come from: the items of a JSON envelope (as bytes, or an array already parsed), or a
// byte stream of NDJSON read line by line, so that a body of any size is parsed and written batch by batch and never
// held whole.

import type { EnvelopeItems } from './json-envelope.ts';

/**
 * One row of an upload, or a line that could not be read as one. `row` is the index reported back to the client.
 * A row may come as its JSON text (`json`), parsed only if it has to be stored: an unchanged row is found by the
 * hash of those bytes and never parsed. `verified`: the text is known to be JSON that the body parser accepts.
 */
export type SourceEntry =
  | { row: number; item: unknown }
  | { row: number; json: Buffer; verified: boolean }
  | { row: number; problem: string };

export interface RowSource {
  entries: Iterable<SourceEntry> | AsyncIterable<SourceEntry>;
  /** Rows in the upload when known before reading it (the JSON envelope); null for a stream. */
  total: number | null;
  /** While `total` is unknown: the rows to expect, judged from the bytes read so far; null when nothing tells. */
  estimateTotal(): number | null;
  /**
   * The rows arrive as a client sends them (an NDJSON request body read while it is written): how fast is up to
   * the client. Such an upload never holds its kind's lock between batches (see `parallelBatches`).
   */
  fromClient?: boolean;
}

/** The items of a JSON envelope read from its bytes (json-envelope.ts): each is parsed only when it has to be. */
export function envelopeSource(envelope: EnvelopeItems): RowSource {
  const { raw, starts, ends } = envelope;
  function* entries(): Iterable<SourceEntry> {
    for (let row = 0; row < starts.length; row++) yield { row, json: raw.subarray(starts[row], ends[row]), verified: true };
  }
  return { entries: entries(), total: starts.length, estimateTotal: () => starts.length };
}

/** The JSON envelope's `items`: the row index is the array index. */
export function itemsSource(items: readonly unknown[]): RowSource {
  function* entries(): Iterable<SourceEntry> {
    for (let row = 0; row < items.length; row++) yield { row, item: items[row] };
  }
  return { entries: entries(), total: items.length, estimateTotal: () => items.length };
}

/** No upload row comes near this (a payslip of 500 long lines is ~2 MB); a longer line is refused alone. */
export const MAX_NDJSON_LINE_BYTES = 8 * 1024 * 1024;

export interface NdjsonOptions {
  /** The body's length in bytes when the client said it (Content-Length): gives the estimated total. */
  contentLength?: number | null;
  /** A longer line is reported as `line_too_long` and skipped without being held. */
  maxLineBytes: number;
  /** The body is a request's, read as the client sends it (see `RowSource.fromClient`). */
  fromClient?: boolean;
}

// The same poisoning patterns Fastify refuses in JSON bodies (secure-json-parse), escapes included.
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

class PoisonedJson extends Error {}

/** The JSON text of a row: a line of NDJSON, or an item of an envelope already checked by `scanEnvelope`. */
export function parseEntryJson(json: Buffer, verified: boolean): unknown {
  const text = json.toString('utf8');
  return verified ? JSON.parse(text) : parseLine(text.trim());
}

/** JSON.parse, refusing `__proto__` keys and `constructor.prototype` like the JSON body parser does. */
export function parseLine(text: string): unknown {
  if (!SUSPECT_PROTO.test(text) && !SUSPECT_CONSTRUCTOR.test(text)) return JSON.parse(text);
  return JSON.parse(text, function (key, value: unknown) {
    if (key === '__proto__') throw new PoisonedJson();
    if (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')) throw new PoisonedJson();
    return value;
  });
}

const NEWLINE = 0x0a;
const OPEN_OBJECT = 0x7b;
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * NDJSON: one JSON row per line. `row` is the line's index from 0; blank lines are skipped (and still counted, so
 * that every reported index is the line's own). A line that is not JSON is reported as `invalid_json` and the
 * lines after it are read on. Memory holds one line at a time, never more than `maxLineBytes` of it.
 */
export function ndjsonSource(body: AsyncIterable<Uint8Array | string>, options: NdjsonOptions): RowSource {
  const { maxLineBytes } = options;
  const contentLength = options.contentLength && options.contentLength > 0 ? options.contentLength : null;
  let consumedBytes = 0;
  let rows = 0;

  async function* entries(): AsyncIterable<SourceEntry> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let tooLong = false;
    let line = 0;
    let first = true;

    const finishLine = (tail: Buffer): SourceEntry | undefined => {
      const index = line++;
      if (tooLong) {
        tooLong = false;
        rows++;
        return { row: index, problem: 'line_too_long' };
      }
      const viewOfChunk = pending.length === 0;
      let bytes = viewOfChunk ? tail : Buffer.concat([...pending, tail]);
      pending = [];
      pendingBytes = 0;
      if (first) {
        first = false;
        if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
      }
      // A line that is an object is kept as its bytes (without the JSON whitespace around it), parsed only if its
      // row is to be stored; any other line is read at once, as it always was (Unicode spaces around it included).
      let start = 0;
      let end = bytes.length;
      while (start < end && isJsonSpace(bytes[start]!)) start++;
      while (end > start && isJsonSpace(bytes[end - 1]!)) end--;
      if (bytes[start] === OPEN_OBJECT) {
        rows++;
        // A line within one chunk is a view of it: copied, so that rows waiting for their lookup hold their own
        // bytes and not every chunk they came in.
        const own = viewOfChunk ? Buffer.from(bytes.subarray(start, end)) : bytes.subarray(start, end);
        return { row: index, json: own, verified: false };
      }
      const text = bytes.toString('utf8').trim();
      if (text === '') return undefined;
      rows++;
      try {
        return { row: index, item: parseLine(text) };
      } catch {
        return { row: index, problem: 'invalid_json' };
      }
    };

    for await (const piece of body) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      let start = 0;
      while (start < chunk.length) {
        const end = chunk.indexOf(NEWLINE, start);
        const stop = end === -1 ? chunk.length : end;
        if (!tooLong) {
          if (pendingBytes + (stop - start) > maxLineBytes) {
            tooLong = true;
            pending = [];
            pendingBytes = 0;
          } else if (end === -1) {
            // The rest of the chunk begins a line that the next chunk continues: keep a copy, not the chunk.
            pending.push(Buffer.from(chunk.subarray(start)));
            pendingBytes += chunk.length - start;
          }
        }
        if (end === -1) {
          consumedBytes += chunk.length - start;
          break;
        }
        consumedBytes += end + 1 - start;
        const entry = finishLine(tooLong ? Buffer.alloc(0) : chunk.subarray(start, end));
        start = end + 1;
        if (entry) yield entry;
      }
    }
    if (tooLong || pendingBytes > 0) {
      const entry = finishLine(Buffer.alloc(0));
      if (entry) yield entry;
    }
  }

  return {
    entries: entries(),
    total: null,
    fromClient: options.fromClient ?? false,
    estimateTotal: () => {
      if (contentLength === null || consumedBytes === 0 || rows === 0) return null;
      if (consumedBytes >= contentLength) return rows;
      return Math.max(rows, Math.round((rows * contentLength) / consumedBytes));
    },
  };
}
