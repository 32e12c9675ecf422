/**
 * Cleans up after a start that failed. The start's own error is the one worth reporting, so a failure
 * here is logged rather than thrown over it.
 */
export async function stopAfterFailedStart(
  stop: () => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  try {
    await stop();
  } catch (error: unknown) {
    log(`cleanup after failed start also failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
