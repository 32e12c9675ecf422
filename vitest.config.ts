import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // The benchmark's report code is plain logic with unit tests of its own; its runs are not tests.
          include: ['listener/**/*.test.ts', 'simulator/**/*.test.ts', 'e2e/bench/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.e2e.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          globalSetup: ['e2e/global-setup.ts'],
          // One API server for all suites; files run one after another so their processes don't compete.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          // The first run builds kube-apiserver and etcd from source.
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
