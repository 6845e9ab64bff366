import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmScript, startKabinet } from './helpers/kabinet-process.ts';

/** Roles a process cannot play alone are refused at start, saying what to set, before anything opens. */
describe('process roles that make no sense without Redis or PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-roles-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('`npm run worker` without REDIS_URL: jobs would never leave the process that queues them', async () => {
    const worker = startKabinet(npmScript('worker'), { NODE_ENV: 'development', DATA_DIR: dataDir });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('ROLES: worker');
    const start = startKabinet(npmScript('start'), { NODE_ENV: 'development', DATA_DIR: dataDir, ROLES: 'api,bot' });
    expect(await start.exited).toBe(1);
    expect(start.output()).toMatch(/ROLES: api,bot leaves the other roles to other processes, which needs REDIS_URL/);
  });

  it('API and bot without a worker on the embedded database: no other process could open it to run the jobs', async () => {
    const start = startKabinet([...npmScript('start'), '--roles=api,bot'], { NODE_ENV: 'development', DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(await start.exited).toBe(1);
    expect(start.output()).toMatch(/ROLES: api,bot leaves the other roles to other processes, which needs DATABASE_URL \(the embedded database admits one process\); without them/);
  });
});
