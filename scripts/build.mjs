// The server as an ESM bundle (esbuild) in node_modules/.cache/kabinet/build, rebuilt whenever a source file it
// was made from changed. Running TypeScript through tsx cost ~1 s of every start (its loader thread resolves and
// reads its cache module by module); a bundle of ~250 modules loads in a fraction of that.
//
// Plain JavaScript on purpose: this runs before anything could compile TypeScript.
//   node scripts/build.mjs          build if stale (what postinstall does), print where
//   node scripts/build.mjs --force  build even if fresh
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_DIR = path.join(ROOT, 'node_modules', '.cache', 'kabinet', 'build');
const CURRENT = path.join(BUILD_DIR, 'current.json');
/** Old builds kept for processes still running from them (their chunks are imported at start only, but still). */
const KEEP_BUILDS = 3;
const ENTRY = 'main.ts';
/** Files that change the build without being part of it. */
const BUILD_INPUTS = ['scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];

/**
 * Pure ESM packages of hundreds of small files each (typebox ~680, zod ~95, libphonenumber-js ~90 at start): each
 * file is one more module for Node's loader to resolve, read and link, so they go into the bundle. No package left
 * outside imports them at run time (the TypeBox type provider is imported for its types only).
 */
const INLINE = new Set(['typebox', 'zod', 'libphonenumber-js']);

/**
 * Every other package loads from node_modules as it does from the sources: Prisma's and PGlite's WebAssembly,
 * pino's worker threads and fontkit's data files find themselves where they are installed.
 */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return INLINE.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * A file's content hash: an edit that keeps the size and the modification time (a deploy that sets every file's
 * time, a fast checkout) still changes it. ~250 small files: a few ms per start.
 */
function fingerprint(relative) {
  try {
    return createHash('sha1').update(readFileSync(path.join(ROOT, relative))).digest('base64url');
  } catch {
    return 'missing';
  }
}

/**
 * The current build, if every file it was made from is as it was (content hashes of ~250 files, a few ms). A file added
 * without an edit to an importer cannot be part of the program, so the recorded inputs are the whole story.
 */
export function freshBuild() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
  if (current.node !== process.version) return undefined;
  for (const [file, print] of Object.entries(current.inputs)) if (fingerprint(file) !== print) return undefined;
  return path.join(BUILD_DIR, current.dir, 'main.js');
}

export class BuildError extends Error {}

/** Builds into a new directory and then points current.json at it: a process starting meanwhile never sees half a build. */
export async function build() {
  const esbuild = await import('esbuild');
  const startedAt = Date.now();
  const dir = `b-${startedAt.toString(36)}-${randomBytes(3).toString('hex')}`;
  const outdir = path.join(BUILD_DIR, dir);
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [ENTRY],
      outdir,
      bundle: true,
      // Dynamic imports stay lazy (grammY only with a token, the PostgreSQL driver only with DATABASE_URL).
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      plugins: [externalPackages],
      // Stack traces in logs name the TypeScript sources (scripts/start.mjs turns source maps on).
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      entryNames: '[name]',
      chunkNames: 'chunks/[name]-[hash]',
    });
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    const messages = (error.errors ?? []).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}\n    ${e.location.lineText}` : e.text));
    throw new BuildError(`Kabinet could not be built from its sources:\n${messages.join('\n') || error.message}`);
  }
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
  // A file saved while esbuild was reading (an editor, a `git pull` during a start) may not be what the bundle holds:
  // recorded as changed, so the next start builds again.
  const changedDuring = (file) => {
    try {
      return statSync(path.join(ROOT, file)).mtimeMs >= startedAt;
    } catch {
      // Missing now: recorded as missing, so that its appearance is a change.
      return false;
    }
  };
  const inputs = Object.fromEntries([...sources, ...BUILD_INPUTS].map((file) => [file, changedDuring(file) ? 'changed-during-build' : fingerprint(file)]));
  const temporary = `${CURRENT}.${process.pid}.${randomBytes(3).toString('hex')}`;
  writeFileSync(temporary, JSON.stringify({ dir, node: process.version, builtAt: new Date().toISOString(), inputs }));
  renameSync(temporary, CURRENT);
  removeOldBuilds(dir);
  return path.join(outdir, 'main.js');
}

function removeOldBuilds(keep) {
  const builds = readdirSync(BUILD_DIR).filter((name) => name.startsWith('b-') && name !== keep);
  // Another process starting at the same moment may be removing the same old builds.
  const ageOf = (name) => {
    try {
      return statSync(path.join(BUILD_DIR, name)).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const byAge = builds.flatMap((name) => {
    const time = ageOf(name);
    return time === undefined ? [] : [{ name, time }];
  }).sort((a, b) => b.time - a.time);
  // A build younger than a minute may be another start's, not yet imported.
  const old = byAge.slice(KEEP_BUILDS - 1).filter(({ time }) => Date.now() - time > 60_000);
  for (const { name } of old) rmSync(path.join(BUILD_DIR, name), { recursive: true, force: true });
}

/** The bundle to run: the current one, or a new one when a source changed since. */
export async function ensureBuild() {
  mkdirSync(BUILD_DIR, { recursive: true });
  return freshBuild() ?? (await build());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const entry = process.argv.includes('--force') ? (mkdirSync(BUILD_DIR, { recursive: true }), await build()) : await ensureBuild();
    console.log(`Kabinet built: ${path.relative(ROOT, entry)}`);
  } catch (error) {
    console.error(error instanceof BuildError ? error.message : error);
    process.exit(1);
  }
}
