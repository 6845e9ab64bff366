import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of Kabinet's package.json. Files beside the code (locales, migrations, the snapshot cache) are found
 * from here rather than relative to a module: `npm start` runs a bundle from node_modules/.cache/kabinet/build,
 * where `new URL('../locales', import.meta.url)` would point nowhere, while tests run the sources through tsx.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kabinet') return dir;
    if (path.dirname(dir) === dir) throw new Error(`Kabinet's package.json not found above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. `projectPath('prisma', 'migrations')`. */
export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
