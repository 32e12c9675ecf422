import { request } from 'node:http';

import { runCommand } from '../control-plane/run-command.js';

export type DockerEngineProbe =
  | { readonly answers: true; readonly endpoint: string }
  | { readonly answers: false; readonly endpoint: string; readonly reason: string };

const PROBE_TIMEOUT_MS = 1_500;

/**
 * Whether a Docker engine answers, quickly: provider selection runs before every e2e run, and the
 * docker CLI or testcontainers can take many seconds to give up on an engine that is not there.
 * A unix socket is pinged directly (GET /_ping); other DOCKER_HOST forms (tcp with TLS, ssh) are left to
 * `docker info`, which knows their settings.
 */
export async function probeDockerEngine(env: NodeJS.ProcessEnv): Promise<DockerEngineProbe> {
  const host = env['DOCKER_HOST'];
  if (host !== undefined && host !== '' && !host.startsWith('unix://')) {
    return probeWithCli(host, env);
  }
  const socketPath =
    host?.startsWith('unix://') === true ? host.slice('unix://'.length) : '/var/run/docker.sock';
  return pingSocket(socketPath);
}

function pingSocket(socketPath: string): Promise<DockerEngineProbe> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(
        res.statusCode === 200
          ? { answers: true, endpoint: socketPath }
          : { answers: false, endpoint: socketPath, reason: `/_ping answered HTTP ${res.statusCode ?? 0}` },
      );
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    });
    req.on('error', (error) => {
      resolve({ answers: false, endpoint: socketPath, reason: error.message });
    });
    req.end();
  });
}

async function probeWithCli(host: string, env: NodeJS.ProcessEnv): Promise<DockerEngineProbe> {
  try {
    await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { env, timeoutMs: 5_000 });
    return { answers: true, endpoint: host };
  } catch (error: unknown) {
    return {
      answers: false,
      endpoint: host,
      reason: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    };
  }
}
