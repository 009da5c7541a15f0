import { defineConfig } from 'prisma/config';

// Read by Prisma's own CLI, not by a Colis process (those take DATABASE_URL from config/).
// DATABASE_URL is only needed by commands that talk to a database (migrate, studio);
// `prisma generate` runs without it.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations', seed: 'tsx prisma/seed.ts' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/colis' },
});
