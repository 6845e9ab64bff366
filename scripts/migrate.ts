// `npm run db:migrate`: applies pending migrations to the configured database (DATABASE_URL, or PGlite in DATA_DIR).
import { bootstrap } from '../core/bootstrap.ts';
import { openDatabase } from '../core/db/database.ts';
import { DataDirLockedError, explainLocked } from './cli-support.ts';

const { config, logger } = bootstrap();
const database = await openDatabase(config.database).catch((error: unknown) => {
  if (!(error instanceof DataDirLockedError)) throw error;
  console.error(explainLocked(error, 'db:migrate', 'Kabinet applies pending migrations itself when it starts, so a restart is all a new version needs.'));
  process.exit(1);
});
try {
  const applied = await database.migrate();
  logger.info({ applied }, applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database is up to date');
} finally {
  await database.close();
}
