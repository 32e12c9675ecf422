/**
 * What a test started, to be stopped in afterEach whether the test passed or failed: each step runs,
 * last registered first, even when an earlier one throws; every failure is reported at the end.
 */
export interface CleanupStack {
  defer(step: () => Promise<void> | void): void;
  run(): Promise<void>;
}

export function createCleanupStack(): CleanupStack {
  const steps: (() => Promise<void> | void)[] = [];
  return {
    defer(step) {
      steps.push(step);
    },
    async run() {
      const failures: unknown[] = [];
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error: unknown) {
          failures.push(error);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanup steps failed`);
    },
  };
}
