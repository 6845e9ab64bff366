// `npm run token:revoke -- --id <id>` or `-- --name <name>`: revokes an API token (by name: every token with it).
// With the embedded database held by a running Kabinet, the token is revoked by that process (local endpoint).
import { parseArgs } from 'node:util';
import { bootstrap } from '../core/bootstrap.ts';
import { createContainer } from '../core/container.ts';
import { createTranslator } from '../core/i18n.ts';
import { callRunningKabinet, DataDirLockedError, explainLocked } from './cli-support.ts';

const { values } = parseArgs({ options: { id: { type: 'string' }, name: { type: 'string' } } });
if (Boolean(values.id) === Boolean(values.name)) {
  console.error('usage: npm run token:revoke -- --id <token id>   or   npm run token:revoke -- --name <token name>');
  process.exit(2);
}
const selector = values.id ? { id: values.id } : { name: values.name! };
const what = values.id ? `id ${values.id}` : `name "${values.name}"`;
/** Prints what happened; false when nothing matched. */
const report = (revoked: { id: string; name: string }[], via = ''): boolean => {
  if (revoked.length === 0) console.error(`No active API token with ${what}${via}.`);
  for (const token of revoked) console.log(`Revoked token "${token.name}", id ${token.id}${via}. Requests with it now get 401.`);
  return revoked.length > 0;
};

const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
let container: Awaited<ReturnType<typeof createContainer>>;
try {
  container = await createContainer(config, logger, createTranslator());
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  if (error.owner.admin) {
    const { revoked } = await callRunningKabinet<{ revoked: { id: string; name: string }[] }>(error.owner.admin, '/api-tokens/revoke', selector);
    process.exit(report(revoked, `, by the running Kabinet (pid ${error.owner.pid})`) ? 0 : 1);
  }
  console.error(explainLocked(error, 'token:revoke', 'That process does not take local commands (it is not `npm start`, or it is still starting).'));
  process.exit(1);
}
let found = false;
try {
  found = report(await container.services.apiTokens.revokeMatching(selector));
} finally {
  await container.close();
}
if (!found) process.exitCode = 1;
