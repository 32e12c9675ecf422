import { describe, expect, it } from 'vitest';
import { HELP, parseCli } from './cli.js';

describe('parseCli', () => {
  it('has safe defaults', () => {
    const result = parseCli([]);
    expect(result).toMatchObject({
      kind: 'run',
      options: {
        adminPort: 8081,
        allowValidationHost: ['*.eventgrid.azure.net'],
        bodyLimit: 1_048_576,
        eventType: ['Microsoft.KeyVault.SecretNewVersionCreated'],
        rateLimit: 200,
        requestTimeout: 30,
        maxConnections: 1024,
        logLevel: 'info',
      },
    });
  });

  it('takes a status Lease as NAMESPACE/NAME, or none', () => {
    expect(parseCli(['--status-lease', 'ops/eventgrid-reloader'])).toMatchObject({
      options: { statusLease: 'ops/eventgrid-reloader', statusLeaseDuration: 15 },
    });
    expect(parseCli(['--status-lease', 'none', '--status-lease-duration', '30'])).toMatchObject({
      options: { statusLease: 'none', statusLeaseDuration: 30 },
    });
  });

  it('collects repeatable flags', () => {
    const result = parseCli([
      '--config',
      'a.yaml',
      '--config',
      'dir',
      '--allow-validation-host',
      '127.0.0.1',
      '--allow-validation-host',
      '*.eventgrid.azure.net',
    ]);
    expect(result).toMatchObject({
      kind: 'run',
      options: { config: ['a.yaml', 'dir'], allowValidationHost: ['127.0.0.1', '*.eventgrid.azure.net'] },
    });
  });

  it.each([
    [['--admin-port', 'eighty'], '--admin-port must be a number'],
    [['--admin-port', '70000'], '--admin-port must be at most 65535'],
    [['--log-level', 'loud'], '--log-level must be one of'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--tls-cert', 'c.pem'], '--tls-cert and --tls-key go together'],
    [['--kubeconfig', 'k', '--memory-cluster', 'm'], 'exclude each other'],
    [['--status-lease', 'eventgrid-reloader'], '--status-lease must be NAMESPACE/NAME'],
    [['--status-lease', 'Ops/Lease'], '--status-lease must be NAMESPACE/NAME'],
    [['--status-lease-duration', '1'], 'at least 3 seconds'],
    [['--max-connections', '0'], '--max-connections must be positive'],
  ])('explains a bad command line %j', (argv, message) => {
    const result = parseCli(argv);
    expect(result.kind).toBe('error');
    if (result.kind === 'error') expect(result.message).toContain(message);
  });

  it('--help documents every flag the parser accepts', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    const flags = [
      '--config',
      '--kubeconfig',
      '--memory-cluster',
      '--kube-concurrency',
      '--max-queued-patches',
      '--coalesce-window',
      '--status-lease',
      '--status-lease-duration',
      '--allow-validation-host',
      '--allow-origin',
      '--event-type',
      '--body-limit',
      '--max-events',
      '--request-timeout',
      '--max-connections',
      '--rate-limit',
      '--tls-cert',
      '--tls-key',
      '--admin-port',
      '--admin-host',
      '--shutdown-grace',
      '--log-level',
      '--help',
    ];
    for (const flag of flags) expect(HELP).toContain(flag);
    const value: Record<string, string> = {
      '--log-level': 'info',
      '--admin-host': '127.0.0.1',
      '--status-lease': 'ops/eventgrid-reloader',
    };
    for (const flag of flags.filter(
      (f) => !['--help', '--tls-cert', '--tls-key', '--memory-cluster'].includes(f),
    )) {
      const result = parseCli([flag, value[flag] ?? '5']);
      expect(result.kind, flag).toBe('run');
    }
  });
});
