import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StagedBody } from '../../core/imports/import-job.ts';
import { type EnvelopeItems, scanEnvelope } from '../../core/imports/json-envelope.ts';
import { MAX_NDJSON_LINE_BYTES } from '../../core/imports/row-source.ts';
import type { StagedFormat } from '../../core/imports/upload-staging.ts';

export const NDJSON = 'application/x-ndjson';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * An upload route: a body that runs in the background (see `runsInBackground`) is staged in the database as it
     * arrives, for a worker, instead of being parsed here.
     */
    stagesUploads?: { asyncThresholdBytes: number };
  }
}

/**
 * Whether an upload runs in the background (answered 202 with its run id) rather than within the request: asked
 * for with `Prefer: respond-async`, or a body whose Content-Length exceeds IMPORT_ASYNC_THRESHOLD_MB. A chunked
 * body of unknown length runs within the request unless asked.
 */
export function runsInBackground(request: FastifyRequest, thresholdBytes: number): boolean {
  const prefer = request.headers.prefer;
  if (typeof prefer === 'string' && /(?:^|[,;\s])respond-async(?:$|[,;\s])/i.test(prefer)) return true;
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length > thresholdBytes;
}

/** The body of an upload that runs in the background, staged in the database (not parsed in this process). */
export class StagedUpload implements StagedBody {
  constructor(
    readonly id: string,
    readonly format: StagedFormat,
    readonly bytes: number,
  ) {}
}

/** Staged bodies not yet handed to a run: deleted when their request ends (refused, replayed, failed). */
const unclaimedStages = new WeakMap<FastifyRequest, string>();

const stagesUpload = (request: FastifyRequest): boolean => {
  const staging = request.routeOptions.config.stagesUploads;
  return staging !== undefined && request.services !== undefined && runsInBackground(request, staging.asyncThresholdBytes);
};

async function stageBody(request: FastifyRequest, format: StagedFormat, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedUpload> {
  const id = randomUUID();
  const staged = await request.services.uploads.staging.stage(id, body);
  unclaimedStages.set(request, id);
  if (request.headers['idempotency-key'] !== undefined) request.bodyHash = staged.hash;
  return new StagedUpload(id, format, staged.bytes);
}

/** The handler takes the staged body over: from now on its run owns it. */
export function claimStagedUpload(request: FastifyRequest, body: StagedUpload): StagedUpload {
  unclaimedStages.delete(request);
  return body;
}

/** The first byte that is not JSON whitespace is an object's brace (anything else is refused here as it always was). */
function looksLikeObject(raw: Buffer): boolean {
  for (let i = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b;
  }
  return false;
}

/** A JSON upload envelope whose body has been checked and its items found, but not parsed (json-envelope.ts). */
export class JsonEnvelope {
  constructor(readonly items: EnvelopeItems) {}
  get count(): number {
    return this.items.starts.length;
  }
}

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
 * An upload that runs in the background is staged in the database instead (NDJSON as it streams in; a JSON
 * envelope from its raw bytes, never parsed here: the worker parses it), hashed on the way for the same reason.
 */
export function useHashingJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // The API speaks JSON (and NDJSON for uploads) only: any other body is refused with 415 rather than parsed as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const raw = body as Buffer;
    // Not parsed here at all: the parsed rows of a large envelope weigh several times its bytes, and the worker
    // that runs it parses it anyway. A body that is not even an object is refused below, at once, as before.
    if (stagesUpload(request) && looksLikeObject(raw)) {
      stageBody(request, 'json', [raw]).then((staged) => done(null, staged), (error: Error) => done(error, undefined));
      return;
    }
    if (request.headers['idempotency-key'] !== undefined) {
      request.bodyHash = createHash('sha256').update(raw).digest('hex');
    }
    // An upload envelope is checked as the parser below would, from its bytes, and its items are parsed one batch
    // at a time while it runs (and not at all when found unchanged). Any other body, or one the scan cannot vouch
    // for, is parsed whole here and gets that parser's answer as before.
    if (request.routeOptions.config.stagesUploads !== undefined) {
      const items = scanEnvelope(raw);
      if (items !== null) {
        done(null, new JsonEnvelope(items));
        return;
      }
    }
    parse(request, raw.toString('utf8'), done);
  });

  // A line may be as long as a whole JSON body may be, up to a bound that keeps a streamed upload's memory flat.
  const maxLineBytes = Math.min(bodyLimit, MAX_NDJSON_LINE_BYTES);
  app.addContentTypeParser(NDJSON, async (request: FastifyRequest, payload: Readable) => {
    if (stagesUpload(request)) return stageBody(request, 'ndjson', payload);
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
    const staged = unclaimedStages.get(request);
    if (staged !== undefined) {
      unclaimedStages.delete(request);
      // Housekeeping deletes them later if this fails.
      await request.services.uploads.staging.discard(staged).catch(() => undefined);
    }
  });
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
