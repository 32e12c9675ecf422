/**
 * Azure writes event times with seven fractional digits ("2026-12-01T10:05:12.4589254Z"); receivers must
 * cope with that, so the simulator writes them the same way (the sub-millisecond digits are zero).
 */
export function formatAzureTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}
