import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Harness code in e2e/ (bench reports, control-plane helpers, provider choice) has plain-logic unit
          // tests of its own; whatever needs a cluster is an .e2e.test.ts.
          include: [
            'listener/**/*.test.ts',
            'simulator/**/*.test.ts',
            'e2e/bench/**/*.test.ts',
            'e2e/control-plane/**/*.test.ts',
            'e2e/cluster/**/*.test.ts',
          ],
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
