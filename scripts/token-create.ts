// `npm run token:create -- --name zup --scope import[,admin,hr]`: creates an API token and prints it once.
// With the embedded database held by a running Kabinet, the token is created by that process (local endpoint).
import { parseArgs } from 'node:util';
import { ApiScope } from '../core/db/generated/enums.ts';
import { callRunningKabinet, runCliTask } from './cli-support.ts';

const { values } = parseArgs({
  options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } },
});
const scopes = (values.scope ?? []).flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
const unknown = scopes.filter((s) => !(s in ApiScope));
if (!values.name || scopes.length === 0 || unknown.length > 0) {
  console.error(`usage: npm run token:create -- --name <name> --scope <${Object.values(ApiScope).join('|').toLowerCase()}>[,…]`);
  if (unknown.length > 0) console.error(`unknown scope: ${unknown.join(', ').toLowerCase()}`);
  process.exit(2);
}
const name = values.name;
const print = ({ token, id }: { token: string; id: string }, via = '') =>
  console.log(`Token "${name}" (${scopes.join(', ').toLowerCase()}), id ${id}${via}. Shown once, keep it secret:\n\n${token}\n`);

await runCliTask('token:create', {
  local: async (container) => print(await container.services.apiTokens.create(name, scopes as ApiScope[])),
  remote: async (admin, owner) =>
    print(await callRunningKabinet<{ token: string; id: string }>(admin, '/api-tokens', { name, scopes }), `, created by the running Kabinet (pid ${owner.pid})`),
});
