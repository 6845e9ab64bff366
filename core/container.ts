import { createApiTokenService } from './api-tokens/api-token.service.ts';
import { createCabinetSettingsService } from './cabinet/cabinet-settings.service.ts';
import { createPublishingService } from './cabinet/publishing.service.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createEmployeeDirectory } from './employees/employee-directory.ts';
import { createIdempotencyService } from './idempotency/idempotency.service.ts';
import { createImportRunner } from './imports/index.ts';
import type { Logger } from './logger.ts';

/** Everything the adapters (API, bot, scripts) call. Built once per process; holds no per-user state. */
export function createServices(database: Database, config: Config, logger: Logger) {
  const db = database.prisma;
  return {
    imports: createImportRunner({ db, logger, batchSize: config.imports.batchSize }),
    cabinetSettings: createCabinetSettingsService(db),
    publishing: createPublishingService(db),
    employees: createEmployeeDirectory(db),
    apiTokens: createApiTokenService(db),
    idempotency: createIdempotencyService(db, config.imports.idempotencyTtlHours),
  };
}

export type Services = ReturnType<typeof createServices>;

export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  services: Services;
  close(): Promise<void>;
}

/** Opens the database, applies pending migrations, builds the services. */
export async function createContainer(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Container> {
  const database = await openDatabase(config.database);
  try {
    if (options.migrate ?? true) {
      const applied = await database.migrate();
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    config,
    logger,
    database,
    services: createServices(database, config, logger),
    close: () => database.close(),
  };
}
