// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the difference between the committed migrations and
// prisma/schema.prisma. The Prisma CLI would download a native schema engine for this; the wasm build of the same
// engine runs offline, with an in-memory PGlite as its shadow database.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { listMigrations, MIGRATIONS_DIR } from '../core/db/migrations.ts';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
if (!name) {
  console.error('usage: npm run db:migration:new -- <name>');
  process.exit(2);
}

// Node has WebAssembly; TypeScript's node types do not declare it without the DOM library.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

const require = createRequire(import.meta.url);
// The package exports no path for its .wasm file; find it beside the exported JS glue.
const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bg });
bg.__wbg_set_wasm(instance.exports as never);
(instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();

const shadow = new PGlite('memory://');
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(shadow));
const schemaPath = path.resolve('prisma/schema.prisma');
const engine = await bg.SchemaEngine.new({ datamodels: undefined }, () => {}, adapter);

const migrations = await listMigrations();
const result = await engine.diff({
  from: {
    tag: 'migrations',
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: 'provider = "postgresql"\n' },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
    })),
  },
  to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
await shadow.close();

const sql = result.stdout ?? '';
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.log('The schema matches the migrations: nothing to write.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'migration.sql'), sql);
await writeFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
console.log(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
