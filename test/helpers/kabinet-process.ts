import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface KabinetProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once the output matches (a log line), or fails naming what was printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The command line of an npm script (`npm run worker` → `node --import tsx main.ts --roles=worker`), run with this
 * Node directly: npm in between would not pass a SIGKILL on to Kabinet.
 */
export function npmScript(name: string): string[] {
  const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[name]?.split(/\s+/);
  if (!command || command[0] !== 'node') throw new Error(`npm script ${name} does not run node`);
  return command.slice(1);
}

export function startKabinet(args: string[], env: Record<string, string>): KabinetProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) => until(async () => pattern.test(output), `output matching ${pattern}`, () => output, timeoutMs, () => child.exitCode !== null),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `check` until it holds; fails with `what` and the given output after `timeoutMs`, or as soon as `dead()`. */
export async function until(check: () => Promise<boolean>, what: string, output: () => string = () => '', timeoutMs = 60_000, dead: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (dead()) throw new Error(`the process exited before ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms; output:\n${output()}`);
}
