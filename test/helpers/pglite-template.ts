import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A migrated PGlite data directory, dumped once per test run by the global setup and loaded by every test file. */
export const PGLITE_TEMPLATE = path.join(fileURLToPath(new URL('../../node_modules/.cache/kabinet-test', import.meta.url)), 'pglite-template.tar.gz');
