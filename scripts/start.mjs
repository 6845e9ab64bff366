// `npm start` and `npm run worker`: runs the server from its bundle (scripts/build.mjs), building it first when a
// source file changed since the last build, so that a `git pull` or an edit is never run stale. Arguments and
// signals are main.ts's own: the bundle runs in this process.
import { pathToFileURL } from 'node:url';
import { BuildError, ensureBuild } from './build.mjs';

let entry;
try {
  entry = await ensureBuild();
} catch (error) {
  console.error(error instanceof BuildError ? error.message : error);
  process.exit(1);
}
// Stack traces name the TypeScript sources; Node reads a module's map only when a trace needs it.
process.setSourceMapsEnabled(true);
// A URL, not a path: a checkout under a directory with '#' or '%' in its name still starts.
await import(pathToFileURL(entry).href);
