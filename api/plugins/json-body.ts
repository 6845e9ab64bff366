import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const NDJSON = 'application/x-ndjson';

/** No upload row comes near this (a payslip of 500 long lines is ~2 MB); a longer line is refused alone. */
const MAX_NDJSON_LINE_BYTES = 8 * 1024 * 1024;

/**
 * An NDJSON upload, not read yet: the route reads it line by line while it writes, so a body of any size is never
 * held whole in memory. `bytes` is its length when known (Content-Length, or the spooled file), for progress.
 */
export class NdjsonBody {
  constructor(
    readonly stream: AsyncIterable<Uint8Array>,
    readonly bytes: number | null,
    readonly maxLineBytes: number,
  ) {}
}

/** Spooled bodies still open when their request ends (the handler did not run, or did not read them). */
const openSpools = new WeakMap<FastifyRequest, () => Promise<void>>();

/**
 * Parses JSON like Fastify does (prototype-poisoning protection included) but from the raw buffer, so that an
 * upload carrying an Idempotency-Key is fingerprinted on its exact bytes without serializing it again.
 * NDJSON (`application/x-ndjson`) is handed to the route as a stream instead; with an Idempotency-Key it is first
 * spooled to a private temporary file while its hash is computed, because the key must be checked against the
 * body before the upload runs (replayed or refused without running it), and memory stays flat either way.
 */
export function useHashingJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // The API speaks JSON (and NDJSON for uploads) only: any other body is refused with 415 rather than parsed as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const raw = body as Buffer;
    if (request.headers['idempotency-key'] !== undefined) {
      request.bodyHash = createHash('sha256').update(raw).digest('hex');
    }
    parse(request, raw.toString('utf8'), done);
  });

  // A line may be as long as a whole JSON body may be, up to a bound that keeps a streamed upload's memory flat.
  const maxLineBytes = Math.min(bodyLimit, MAX_NDJSON_LINE_BYTES);
  app.addContentTypeParser(NDJSON, async (request: FastifyRequest, payload: Readable) => {
    if (request.headers['idempotency-key'] === undefined) {
      const length = Number(request.headers['content-length']);
      return new NdjsonBody(payload, Number.isSafeInteger(length) ? length : null, maxLineBytes);
    }
    const spooled = await spool(payload);
    request.bodyHash = spooled.hash;
    openSpools.set(request, spooled.close);
    return new NdjsonBody(spooled.stream, spooled.bytes, maxLineBytes);
  });
  app.addHook('onResponse', async (request) => {
    const close = openSpools.get(request);
    openSpools.delete(request);
    await close?.();
  });
}

/**
 * Hands an NDJSON upload over to work that outlives its request (an upload answered 202): the body is spooled to a
 * temporary file first unless it already is, so the request can end, and the caller closes it when done.
 */
export async function detachNdjsonBody(request: FastifyRequest, body: NdjsonBody): Promise<{ body: NdjsonBody; close: () => Promise<void> }> {
  const close = openSpools.get(request);
  if (close) {
    openSpools.delete(request);
    return { body, close };
  }
  const spooled = await spool(body.stream);
  return { body: new NdjsonBody(spooled.stream, spooled.bytes, body.maxLineBytes), close: spooled.close };
}

/**
 * Writes the body to a temporary file readable only by this user (it holds personal data), hashing it on the way,
 * and opens it for reading. The file's name is removed at once: the open handle keeps its content until closed,
 * and nothing is left on disk if the process dies.
 */
async function spool(payload: AsyncIterable<Uint8Array>): Promise<{ stream: AsyncIterable<Uint8Array>; bytes: number; hash: string; close: () => Promise<void> }> {
  const file = path.join(tmpdir(), `kabinet-upload-${randomBytes(12).toString('hex')}.ndjson`);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      payload instanceof Readable ? payload : Readable.from(payload),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(file, { mode: 0o600, flags: 'wx' }),
    );
    const handle = await open(file, 'r');
    await unlink(file);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close().catch(() => undefined);
    };
    const stream = handle.createReadStream({ autoClose: false, highWaterMark: 256 * 1024 });
    return { stream, bytes, hash: hash.digest('hex'), close };
  } catch (error) {
    await unlink(file).catch(() => undefined);
    throw error;
  }
}
