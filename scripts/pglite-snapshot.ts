// `npm run db:snapshot` (also run by postinstall): makes the migrated PGlite snapshot that a first `npm start`
// copies into an empty DATA_DIR (core/db/pglite-snapshot.ts). Never fails an install: without a snapshot a first
// start creates the database itself, only slower.
import { makeSnapshot } from '../core/db/pglite-snapshot.ts';

const started = performance.now();
try {
  const { path, created } = await makeSnapshot();
  console.log(created ? `PGlite snapshot made in ${Math.round(performance.now() - started)} ms: ${path}` : `PGlite snapshot up to date: ${path}`);
} catch (error) {
  console.warn(`Could not make the PGlite snapshot (a first start will create the database instead): ${(error as Error).message}`);
}
