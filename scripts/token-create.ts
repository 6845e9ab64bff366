// `npm run token:create -- --name zup --scope import[,admin,hr]`: creates an API token and prints it once.
import { parseArgs } from 'node:util';
import { bootstrap } from '../core/bootstrap.ts';
import { createContainer } from '../core/container.ts';
import { createTranslator } from '../core/i18n.ts';
import { ApiScope } from '../core/db/generated/enums.ts';

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

const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
const container = await createContainer(config, logger, createTranslator());
try {
  const { token, id } = await container.services.apiTokens.create(values.name, scopes as ApiScope[]);
  console.log(`Token "${values.name}" (${scopes.join(', ').toLowerCase()}), id ${id}. Shown once, keep it secret:\n\n${token}\n`);
} finally {
  await container.close();
}
