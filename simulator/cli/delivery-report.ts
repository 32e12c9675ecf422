import type { SimulatorReport, SubscriptionSnapshot } from '../simulator-types.js';

/** The `--json` report of replay and rotate: per event attempts, statuses and outcome. */
export interface DeliveryRunReport {
  readonly ok: boolean;
  readonly target: string;
  readonly subscription: {
    readonly name: string;
    readonly endpoint: string;
    readonly schema: string;
    readonly state: string;
    readonly validatedVia: string | undefined;
    readonly failureReason: string | undefined;
  };
  readonly events: readonly {
    readonly source: string | undefined;
    readonly eventId: string;
    readonly eventType: string;
    readonly subject: string;
    readonly attempts: number;
    readonly statuses: readonly string[];
    readonly outcome: string;
    readonly deadLetterReason: string | undefined;
  }[];
  readonly counts: SimulatorReport['counts'];
}

/** Success means: validated, and every event acknowledged (none dead-lettered, dropped or cancelled). */
export function isRunOk(subscription: SubscriptionSnapshot, report: SimulatorReport): boolean {
  return (
    subscription.state === 'Succeeded' &&
    report.counts.deadLettered === 0 &&
    report.counts.dropped === 0 &&
    report.counts.cancelled === 0 &&
    report.counts.pending === 0 &&
    report.counts.notValidated === 0
  );
}

export function buildRunReport(
  target: string,
  subscription: SubscriptionSnapshot,
  report: SimulatorReport,
  sources: ReadonlyMap<string, string>,
): DeliveryRunReport {
  return {
    ok: isRunOk(subscription, report),
    target,
    subscription: {
      name: subscription.name,
      endpoint: subscription.endpoint,
      schema: subscription.options.schema,
      state: subscription.state,
      validatedVia: subscription.validatedVia,
      failureReason: subscription.failureReason,
    },
    events: report.events.map((event) => ({
      source: sources.get(event.eventId),
      eventId: event.eventId,
      eventType: event.eventType,
      subject: event.subject,
      attempts: event.attempts,
      statuses: event.statuses,
      outcome: event.outcome,
      deadLetterReason: event.deadLetterReason,
    })),
    counts: report.counts,
  };
}

export function formatRunSummary(run: DeliveryRunReport): string {
  const c = run.counts;
  const lines = [
    '',
    `subscription ${run.subscription.name}: ${run.subscription.state}`,
    `events: ${c.published} published, ${c.sent} sent, ${c.acknowledged} acknowledged, ` +
      `${c.deadLettered} dead-lettered, ${c.dropped} dropped, ${c.filteredOut} filtered out`,
    `requests: ${c.requests} (${c.retries} retries, ${c.duplicates} deliberate duplicates)`,
    run.ok ? 'OK' : 'FAILED',
  ];
  return lines.join('\n');
}
