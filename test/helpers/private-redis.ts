import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { until } from './kabinet-process.ts';

export interface PrivateRedis {
  url: string;
  process: ChildProcess;
  /** SIGKILL, and a new empty server on the same port (no persistence: what a restarted container does). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on `port`, without persistence, so that the shared one is never disturbed. */
export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(async () => {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `redis-server on port ${port}`);
    return child;
  };
  const kill = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const server: PrivateRedis = {
    url,
    process: await launch(),
    async restart() {
      await kill(server.process);
      server.process = await launch();
    },
    stop: () => kill(server.process),
  };
  return server;
}
