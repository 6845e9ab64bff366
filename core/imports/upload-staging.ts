import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';

/**
 * Rows of ~1 MB: a 100 MB year is a hundred inserts, and the API process holds one chunk (plus the driver's copy
 * of it) at a time, whatever the body's size.
 */
export const STAGED_CHUNK_BYTES = 1024 * 1024;

/**
 * Chunks with no run for this long were left by an upload whose request never finished (the run is recorded last).
 * Well beyond the longest request HTTP_REQUEST_TIMEOUT_SECONDS allows (1 h), with room for clocks of different hosts.
 */
export const ORPHAN_CHUNKS_AFTER_MS = 3 * 3600_000;

/** A staged body that is not all there (chunks deleted, or cut short): the run cannot be trusted to read it. */
export class IncompleteStagedBodyError extends Error {
  constructor(readonly importRunId: string, readonly expectedBytes: number, readonly foundBytes: number) {
    super(`the staged body of upload ${importRunId} has ${foundBytes} of its ${expectedBytes} bytes`);
  }
}

export type StagedFormat = 'ndjson' | 'json';

/** Inserts and reads of chunks: through the `pg` driver on PostgreSQL, through Prisma on the embedded PGlite. */
interface ChunkStore {
  insert(importRunId: string, seq: number, bytes: Buffer<ArrayBuffer>, createdAt: Date): Promise<void>;
  select(importRunId: string, seq: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

function prismaChunks(db: Db): ChunkStore {
  return {
    async insert(importRunId, seq, bytes, createdAt) {
      await db.importUploadChunk.create({ data: { importRunId, seq, bytes, createdAt }, select: { seq: true } });
    },
    async select(importRunId, seq) {
      const chunk = await db.importUploadChunk.findUnique({ where: { importRunId_seq: { importRunId, seq } }, select: { bytes: true } });
      return chunk ? Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength) : undefined;
    },
    close: async () => {},
  };
}

/**
 * A pool of its own, two connections at most. Prisma passes a bytea parameter through its query plan as text: for a
 * 100 MB body that cost ~6× the CPU and ~+250 MB of transient heap in the API process, against ~+70 MB this way.
 */
function pgChunks(url: string): ChunkStore {
  let pool: Promise<pg.Pool> | undefined;
  const connect = () => (pool ??= import('pg').then(({ default: pgModule }) => {
    const created = new pgModule.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000 });
    // An idle connection cut by the server (restart, failover) is an 'error' event: without a listener it would end
    // the process. The next query opens a new connection, or fails and is handled where it is made.
    created.on('error', () => undefined);
    return created;
  }));
  return {
    async insert(importRunId, seq, bytes, createdAt) {
      await (await connect()).query('INSERT INTO import_upload_chunks (import_run_id, seq, bytes, created_at) VALUES ($1, $2, $3, $4)', [importRunId, seq, bytes, createdAt]);
    },
    async select(importRunId, seq) {
      const { rows } = await (await connect()).query<{ bytes: Buffer }>('SELECT bytes FROM import_upload_chunks WHERE import_run_id = $1 AND seq = $2', [importRunId, seq]);
      return rows[0]?.bytes;
    },
    async close() {
      const open = pool;
      pool = undefined;
      if (open) await (await open).end();
    },
  };
}

/**
 * The body of a large upload in the database (import_upload_chunks), so that the process that took the request
 * is not the one that runs it: the API stages, a worker reads it back as a stream. Everything here streams.
 * `postgresUrl`: the chunks go through the `pg` driver directly (see pgChunks).
 */
export function createUploadStaging(deps: { db: Db; clock: Clock; postgresUrl?: string }) {
  const { db, clock } = deps;
  const chunks = deps.postgresUrl ? pgChunks(deps.postgresUrl) : prismaChunks(db);

  /**
   * Writes `body` under `importRunId` as it arrives: the next chunk is read while the one before is being stored,
   * and no further (a slow database slows the client, never fills memory). Returns its length and sha256. On
   * failure what was written is deleted.
   */
  async function stage(importRunId: string, body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): Promise<{ bytes: number; hash: string }> {
    const hash = createHash('sha256');
    let pending: Buffer<ArrayBuffer>[] = [];
    let pendingBytes = 0;
    let bytes = 0;
    let seq = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await writing;
      writing = chunks.insert(importRunId, seq++, chunk, clock.now());
      // Awaited at the next flush or at the end; handled here so that a failure meanwhile is not unhandled.
      writing.catch(() => undefined);
    };
    try {
      for await (const piece of body) {
        const data = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        hash.update(data);
        bytes += data.length;
        let start = 0;
        while (start < data.length) {
          const take = Math.min(STAGED_CHUNK_BYTES - pendingBytes, data.length - start);
          // A copy: the stream may reuse its buffer, and a slice would keep a whole large one alive.
          pending.push(Buffer.from(data.subarray(start, start + take)));
          pendingBytes += take;
          start += take;
          if (pendingBytes >= STAGED_CHUNK_BYTES) await flush();
        }
      }
      if (pendingBytes > 0) await flush();
      await writing;
    } catch (error) {
      await writing.catch(() => undefined);
      await discard(importRunId).catch(() => undefined);
      throw error;
    }
    return { bytes, hash: hash.digest('hex') };
  }

  /**
   * The staged body, chunk by chunk in order: one chunk in memory at a time. With `expectedBytes` (the run's
   * `bodyBytes`), a body that ends early throws instead of passing for a shorter upload.
   */
  async function* read(importRunId: string, expectedBytes?: number | null): AsyncIterable<Buffer> {
    let found = 0;
    for (let seq = 0; ; seq++) {
      const chunk = await chunks.select(importRunId, seq);
      if (!chunk) break;
      found += chunk.length;
      yield chunk;
    }
    if (expectedBytes !== undefined && expectedBytes !== null && found !== expectedBytes) throw new IncompleteStagedBodyError(importRunId, expectedBytes, found);
  }

  async function discard(importRunId: string): Promise<number> {
    const { count } = await db.importUploadChunk.deleteMany({ where: { importRunId } });
    return count;
  }

  /**
   * Chunks nobody will read: of runs that have ended (their worker could not delete them), and of uploads never
   * recorded as a run (the request failed or was replayed) once old enough not to be one being staged right now.
   */
  async function purgeOrphans(now = clock.now()): Promise<number> {
    const staged = await db.importUploadChunk.groupBy({ by: ['importRunId'], _min: { createdAt: true } });
    if (staged.length === 0) return 0;
    const live = await db.importRun.findMany({
      where: { id: { in: staged.map((s) => s.importRunId) } },
      select: { id: true, status: true },
    });
    const status = new Map(live.map((r) => [r.id, r.status]));
    const cutoff = now.getTime() - ORPHAN_CHUNKS_AFTER_MS;
    const orphans = staged.filter((s) => {
      const state = status.get(s.importRunId);
      if (state === undefined) return s._min.createdAt !== null && s._min.createdAt.getTime() < cutoff;
      return state === 'SUCCEEDED' || state === 'FAILED';
    });
    if (orphans.length === 0) return 0;
    const { count } = await db.importUploadChunk.deleteMany({ where: { importRunId: { in: orphans.map((o) => o.importRunId) } } });
    return count;
  }

  return { stage, read, discard, purgeOrphans, close: () => chunks.close() };
}

export type UploadStaging = ReturnType<typeof createUploadStaging>;
