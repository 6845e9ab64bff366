// `npm run token:revoke -- --id <id>` or `-- --name <name>`: revokes an API token (by name: every token with it).
// With the embedded database held by a running Kabinet, the token is revoked by that process (local endpoint).
import { parseArgs } from 'node:util';
import { callRunningKabinet, runCliTask } from './cli-support.ts';

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

const found = await runCliTask('token:revoke', {
  local: async (container) => report(await container.services.apiTokens.revokeMatching(selector)),
  remote: async (admin, owner) =>
    report((await callRunningKabinet<{ revoked: { id: string; name: string }[] }>(admin, '/api-tokens/revoke', selector)).revoked, `, by the running Kabinet (pid ${owner.pid})`),
});
if (!found) process.exitCode = 1;
