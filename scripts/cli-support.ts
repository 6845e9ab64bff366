// What the CLI commands share when the embedded database is held by a running Kabinet.
import { LOCAL_ADMIN_PREFIX, LOCAL_ADMIN_SECRET_HEADER } from '../api/routes/local-admin.routes.ts';
import { bootstrap } from '../core/bootstrap.ts';
import { createContainer, type Container } from '../core/container.ts';
import { DataDirLockedError, type LockOwner } from '../core/db/data-dir-lock.ts';
import { createTranslator } from '../core/i18n.ts';

export { DataDirLockedError };

/** The refusal a CLI command prints when Kabinet holds the data directory: who, and exactly what to do. */
export function explainLocked(error: DataDirLockedError, task: string, advice: string): string {
  const { owner } = error;
  return [
    `Kabinet is running on the embedded database in ${error.dataDir}: pid ${owner.pid}, ${owner.command}, since ${owner.startedAt}.`,
    `\`npm run ${task}\` cannot open that directory while it runs: PGlite allows one process per data directory, and opening it twice damages it.`,
    advice,
    `Stop Kabinet first (Ctrl+C in its terminal, or \`kill ${owner.pid}\`), then run \`npm run ${task}\` again.`,
    'With PostgreSQL (DATABASE_URL) every command works while Kabinet runs.',
  ].filter(Boolean).join('\n');
}

/** Calls the running server's local administration endpoint (loopback + the secret from the lock file). */
export async function callRunningKabinet<T>(admin: NonNullable<LockOwner['admin']>, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${admin.url}${LOCAL_ADMIN_PREFIX}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LOCAL_ADMIN_SECRET_HEADER]: admin.secret },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the running Kabinet answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Runs a CLI task on a container of its own, or, when a running Kabinet holds the embedded database, through that
 * process's local endpoint (`remote`). A holder that takes no local commands gets the explanation and exit 1.
 */
export async function runCliTask<T>(
  task: string,
  work: { local(container: Container): Promise<T>; remote(admin: NonNullable<LockOwner['admin']>, owner: LockOwner): Promise<T> },
): Promise<T> {
  const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
  let container: Container;
  try {
    container = await createContainer(config, logger, createTranslator());
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    if (error.owner.admin) return work.remote(error.owner.admin, error.owner);
    console.error(explainLocked(error, task, 'That process does not take local commands (it is not `npm start`, or it is still starting).'));
    process.exit(1);
  }
  try {
    return await work.local(container);
  } finally {
    await container.close();
  }
}
