// Used by the Prisma CLI only (`prisma generate`). The application never goes through it: it builds its own
// driver adapter from the validated config, and migrations are applied by core/db/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
