import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { databaseFromPglite } from '../core/db/database.ts';
import { PGLITE_TEMPLATE } from './helpers/pglite-template.ts';

export default async function setup(): Promise<void> {
  const client = new PGlite('memory://');
  const database = await databaseFromPglite(client);
  await database.migrate();
  const dump = await client.dumpDataDir('gzip');
  await mkdir(path.dirname(PGLITE_TEMPLATE), { recursive: true });
  await writeFile(PGLITE_TEMPLATE, Buffer.from(await dump.arrayBuffer()));
  await database.close();
}
