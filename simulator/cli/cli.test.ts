import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  politeResponder,
  startRecordingWebhook,
  type RecordingWebhook,
  type Responder,
} from '../test-support/recording-webhook.js';
import { DEFAULT_FLAGS } from '../embedded/default-flags.js';
import { deliveryFlagOptions } from './delivery-flags.js';
import { LOAD_FLAGS } from './load-command.js';
import type { CommandIO } from './output.js';
import { ROTATE_FLAGS } from './rotate-command.js';
import { runCli } from './run-cli.js';
import { SERVE_FLAGS } from './serve-command.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/events/eventgrid/secret-new-version.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[]): Promise<Run> {
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
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

let webhook: RecordingWebhook | undefined;
/** A load command line that is complete but for the flag under test. */
function loadArgv(target: string, ...extra: string[]): string[] {
  return [
    'load',
    '--target',
    target,
    '--subscription',
    'kv-rotation',
    '--rate',
    '1',
    '--duration',
    '1',
    ...extra,
  ];
}

const folders: string[] = [];
afterEach(async () => {
  await webhook?.close();
  webhook = undefined;
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function hook(notification: Responder = () => ({ status: 200 })): Promise<RecordingWebhook> {
  webhook = await startRecordingWebhook((request, index) =>
    request.headers['aeg-event-type'] === 'Notification'
      ? notification(request, index)
      : politeResponder(request, index),
  );
  return webhook;
}

describe('help', () => {
  it.each([
    [['--help']],
    [['replay', '--help']],
    [['rotate', '--help']],
    [['load', '--help']],
    [['serve', '--help']],
    [['-h']],
  ])('%j prints usage and exits 0', async (argv) => {
    const result = await run(argv);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run simulate/);
  });

  it.each([
    ['replay', ['replay', '--help'], deliveryFlagOptions],
    ['rotate', ['rotate', '--help'], ROTATE_FLAGS],
    ['load', ['load', '--help'], LOAD_FLAGS],
    ['serve', ['serve', '--help'], SERVE_FLAGS],
    ['the embedded default', ['help', 'default'], DEFAULT_FLAGS],
    ['the top level, for the embedded default', ['--help'], DEFAULT_FLAGS],
  ])('%s: the help names every flag its parser accepts', async (_name, argv, options) => {
    const { stdout, code } = await run(argv);
    expect(code).toBe(0);
    const documented = new Set(stdout.match(/--[a-z][a-z-]*/g));
    expect(Object.keys(options).filter((flag) => !documented.has(`--${flag}`))).toEqual([]);
  });

  it('help COMMAND is COMMAND --help', async () => {
    expect((await run(['help', 'rotate'])).stdout).toBe((await run(['rotate', '--help'])).stdout);
    expect((await run(['help', 'default'])).stdout).toMatch(
      /^Usage: npm run simulate \[-- flags\]\n\nThe embedded default/,
    );
  });
});

describe('usage errors', () => {
  it.each([
    [
      ['replay', '--target', 'http://127.0.0.1:1', '--subscription', 'kv-rotation', '--nope'],
      /unknown flag --nope/,
    ],
    [['replay', '--subscription', 'kv-rotation', FIXTURE], /--target is required/],
    [
      [
        'replay',
        '--target',
        'http://127.0.0.1:1',
        '--subscription',
        'kv-rotation',
        '--schema',
        'xml',
        FIXTURE,
      ],
      /--schema must be one of eventgrid, cloudevents, got "xml"/,
    ],
    [
      [
        'replay',
        '--target',
        'http://127.0.0.1:1',
        '--subscription',
        'kv-rotation',
        '--max-attempts',
        '0',
        FIXTURE,
      ],
      /--max-attempts must be an integer from 1 to 30/,
    ],
    [
      ['replay', '--target', 'http://127.0.0.1:1', '--subscription', 'kv-rotation'],
      /name at least one FIXTURE/,
    ],
    [
      [
        'rotate',
        '--target',
        'http://127.0.0.1:1',
        '--subscription',
        'kv-rotation',
        '--vault',
        'kv-prod',
        '--secret',
        'bad_name',
      ],
      /--secret must be/,
    ],
    [loadArgv('http://192.0.2.1:80'), /loopback/],
    [loadArgv('http://127.0.0.1:1', '--max-attempts', '3'), /--max-attempts does not apply/],
    [
      loadArgv('http://127.0.0.1:1', '--include-event-type', 'Microsoft.KeyVault.SecretExpired'),
      /--include-event-type does not apply/,
    ],
    [['serve', '--schema', 'xml'], /--schema must be one of/],
    [['serve', '--schema', 'cloudevents'], /--schema and --validation describe the --target subscription/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j exits 2 naming the problem', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('replay', () => {
  it('runs the handshake, delivers, reports per event in --json and exits 0', async () => {
    const h = await hook();
    const result = await run([
      'replay',
      '--target',
      h.url,
      '--subscription',
      'kv-rotation',
      '--json',
      FIXTURE,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      events: { eventId: string; statuses: string[]; outcome: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.events).toEqual([
      expect.objectContaining({
        eventId: '9f4b3c2a-6a1e-4d0c-8b7e-2f5d1c3a9e01',
        attempts: 1,
        statuses: ['200'],
        outcome: 'acknowledged',
      }),
    ]);
    expect(result.stderr).toContain('validated via validationResponse');
    expect(h.requests.map((request) => request.url)).toEqual(['/kv-rotation', '/kv-rotation']);
  });

  it('delivers to URL/NAME, keeping a query string (a shared secret) on every request', async () => {
    const h = await hook();
    const result = await run([
      'replay',
      '--target',
      `${h.url}/hooks/?code=s3cret`,
      '--subscription',
      'kv-rotation',
      FIXTURE,
    ]);
    expect(result.code).toBe(0);
    expect(h.requests.map((request) => request.url)).toEqual([
      '/hooks/kv-rotation?code=s3cret',
      '/hooks/kv-rotation?code=s3cret',
    ]);
  });

  it('exits 1 when an event is dead-lettered, and writes the record', async () => {
    const h = await hook(() => ({ status: 400 }));
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    folders.push(dir);
    const result = await run([
      'replay',
      '--target',
      h.url,
      '--subscription',
      'kv-rotation',
      '--dead-letter',
      dir,
      FIXTURE,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/DEAD-LETTERED \(UndeliverableDueToHttpBadRequest\)/);
    expect(result.stdout).toMatch(/FAILED$/m);
  });

  it('exits 1 when the handshake fails, delivering nothing', async () => {
    webhook = await startRecordingWebhook(() => ({ status: 202 }));
    const result = await run(['replay', '--target', webhook.url, '--subscription', 'kv-rotation', FIXTURE]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/handshake FAILED: answered 202/);
    expect(webhook.requests).toHaveLength(1);
  });

  it('retries on the scaled schedule until acknowledged', async () => {
    let calls = 0;
    const h = await hook(() => ({ status: ++calls < 3 ? 503 : 200 }));
    const result = await run([
      'replay',
      '--target',
      h.url,
      '--subscription',
      'kv-rotation',
      '--time-scale',
      '0.0001',
      '--json',
      FIXTURE,
    ]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { events: { statuses: string[] }[] }).events[0]?.statuses).toEqual([
      '503',
      '503',
      '200',
    ]);
  });

  it('replays CloudEvents fixtures to an Event Grid schema subscription', async () => {
    const h = await hook();
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    folders.push(dir);
    const file = join(dir, 'one.json');
    await writeFile(
      file,
      JSON.stringify({ specversion: '1.0', id: 'x1', source: '/s', type: 'T', subject: 'a', data: {} }),
    );
    const result = await run(['replay', '--target', h.url, '--subscription', 'kv-rotation', file]);
    expect(result.code).toBe(0);
    expect(h.notifications()[0]?.body).toMatchObject([{ id: 'x1', topic: '/s', eventType: 'T' }]);
  });
});

describe('rotate', () => {
  it('delivers a Key Vault-faithful SecretNewVersionCreated for a fresh version', async () => {
    const h = await hook();
    const result = await run([
      'rotate',
      '--target',
      h.url,
      '--subscription',
      'kv-rotation',
      '--vault',
      'kv-dev',
      '--secret',
      'api-token',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const [delivered] = (h.notifications()[0]?.body ?? []) as {
      topic: string;
      subject: string;
      data: { Id: string; Version: string };
    }[];
    expect(delivered?.topic).toMatch(/\/providers\/Microsoft\.KeyVault\/vaults\/kv-dev$/);
    expect(delivered?.subject).toBe('api-token');
    expect(delivered?.data.Version).toMatch(/^[0-9a-f]{32}$/);
    expect(delivered?.data.Id).toBe(
      `https://kv-dev.vault.azure.net/secrets/api-token/${delivered?.data.Version ?? ''}`,
    );
  });
});

describe('load', () => {
  it('sends rate × duration fresh events over keep-alive and reports latency percentiles', async () => {
    const h = await hook();
    const result = await run([
      'load',
      '--target',
      h.url,
      '--subscription',
      'kv-rotation',
      '--rate',
      '40',
      '--duration',
      '1',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      sent: number;
      acknowledged: number;
      latencyMs: Record<string, number>;
    };
    expect(summary).toMatchObject({ sent: 40, acknowledged: 40 });
    expect(Object.keys(summary.latencyMs)).toEqual(expect.arrayContaining(['p50', 'p90', 'p99']));
    const ids = new Set(h.notifications().map(({ body }) => (body as { id: string }[])[0]?.id));
    expect(ids.size).toBe(40);
  });
});
