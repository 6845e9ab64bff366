import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmScript } from './helpers/kabinet-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The launcher `npm start` runs (scripts/start.mjs), on a project of its own: a copy of the launcher and a two-file
 * main.ts, with esbuild linked from this installation. Its build cache lives in that project's node_modules, so
 * the real one is never touched.
 */
describe('npm start runs a bundle that is never stale', () => {
  let project: string;
  const start = () => {
    const [launcher, ...args] = npmScript('start');
    const run = spawnSync(process.execPath, [launcher!, ...args], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  };
  const write = (file: string, text: string) => writeFileSync(path.join(project, file), text);

  beforeAll(() => {
    project = mkdtempSync(path.join(tmpdir(), 'kabinet-launcher-'));
    mkdirSync(path.join(project, 'scripts'));
    for (const file of ['scripts/start.mjs', 'scripts/build.mjs', 'tsconfig.json']) copyFileSync(path.join(ROOT, file), path.join(project, file));
    write('package.json', JSON.stringify({ name: 'kabinet', type: 'module' }));
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(path.join(ROOT, 'node_modules', 'esbuild'), path.join(project, 'node_modules', 'esbuild'));
    write('greeting.ts', "export const greeting: string = 'hello from the first build';\n");
    write('main.ts', "import { greeting } from './greeting.ts';\nconsole.log(greeting, process.argv.slice(2).join(' '));\n");
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('builds on the first start, reuses the bundle, and rebuilds after an edit', () => {
    const first = start();
    expect(first.output).toContain('hello from the first build');
    expect(first.code).toBe(0);
    const built = JSON.parse(readFileSync(path.join(project, 'node_modules/.cache/kabinet/build/current.json'), 'utf8')) as { dir: string; inputs: Record<string, string> };
    expect(Object.keys(built.inputs)).toEqual(expect.arrayContaining(['main.ts', 'greeting.ts']));

    expect(start().output).toContain('hello from the first build');
    const reused = JSON.parse(readFileSync(path.join(project, 'node_modules/.cache/kabinet/build/current.json'), 'utf8')) as { dir: string };
    expect(reused.dir).toBe(built.dir);

    // The same length and an old modification time, as a `git checkout` of another branch might leave it: the
    // fingerprint still differs (here by the time), so the new code runs.
    write('greeting.ts', "export const greeting: string = 'hello from the next build!';\n");
    utimesSync(path.join(project, 'greeting.ts'), new Date('2020-01-01'), new Date('2020-01-01'));
    expect(start().output).toContain('hello from the next build!');
  });

  it('passes the arguments on to main.ts, as `npm run worker` needs', () => {
    const run = spawnSync(process.execPath, [...npmScript('start'), '--roles=worker'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout).toContain('--roles=worker');
  });

  it('names the TypeScript source in a stack trace (source maps)', () => {
    write('greeting.ts', "export const greeting: string = 'hello';\n\nexport function fail(): never {\n  throw new Error('deliberate');\n}\n");
    write('main.ts', "import { fail } from './greeting.ts';\nfail();\n");
    const failed = start();
    expect(failed.code).toBe(1);
    expect(failed.output).toContain('Error: deliberate');
    expect(failed.output).toContain(`${path.join(project, 'greeting.ts')}:4:`);
    write('main.ts', "import { greeting } from './greeting.ts';\nconsole.log(greeting, process.argv.slice(2).join(' '));\n");
  });

  it('says where the sources do not compile, and runs nothing', () => {
    write('greeting.ts', "export const greeting: string = 'unterminated;\n");
    const broken = start();
    expect(broken.code).toBe(1);
    expect(broken.output).toContain('Kabinet could not be built from its sources:');
    expect(broken.output).toMatch(/greeting\.ts:1:\d+: Unterminated string literal/);
    expect(broken.output).not.toContain('hello from');

    write('greeting.ts', "export const greeting: string = 'hello once fixed';\n");
    expect(start().output).toContain('hello once fixed');
  });
});
