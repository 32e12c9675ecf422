import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../cli/output.js';
import { runCli } from '../cli/run-cli.js';

/**
 * `npm run simulate` with no arguments, for real: builds the listener when dist is stale, starts
 * dist/listener/main.js on an in-memory cluster, replays the fixtures and checks their expectations.
 */
describe('the embedded default', () => {
  it('passes every fixture expectation against the real listener process', { timeout: 180_000 }, async () => {
    let stdout = '';
    let stderr = '';
    const io: CommandIO = {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    };
    const code = await runCli(['--json'], io);
    expect(stdout, stderr).not.toBe('');
    const report = JSON.parse(stdout) as {
      ok: boolean;
      subscriptions: { schema: string; state: string }[];
      steps: { fixture: string; checks: { ok: boolean; message: string }[]; annotated: string[] }[];
    };
    const failures = report.steps.flatMap((step) =>
      step.checks.filter((check) => !check.ok).map((check) => `${step.fixture}: ${check.message}`),
    );
    expect(failures, stderr).toEqual([]);
    expect(code).toBe(0);
    expect(report.subscriptions.map((subscription) => subscription.state)).toEqual([
      'Succeeded',
      'Succeeded',
    ]);
    const rotation = report.steps.find((step) => step.fixture.endsWith('eventgrid/secret-new-version.json'));
    expect(rotation?.annotated).toEqual([
      'team-a/api-config',
      'team-a/db-credentials',
      'team-b/all-db-secrets',
      'team-b/db-bundle',
    ]);
  });
});
