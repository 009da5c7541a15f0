import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Workflow and integration tests share one Temporal server and one PostgreSQL; 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    // Files share their worker's modules instead of importing the SDK, Prisma and Fastify afresh each: isolated, the
    // suite took ~1,370 s of CPU (its "import" phase 215-425 s), shared ~890 s, on this 2-core machine.
    // Nothing module-level is per file: each file clones its own database, uses its own namespace or test server,
    // and Runtime.install is done once per process (test/support/journey.ts). So no vi.mock of a module: an earlier
    // file in the same worker already holds the real one. Pass the stand-in as a setting instead.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
