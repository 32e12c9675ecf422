/**
 * "No process left behind, temp data removed, even when a test fails or is interrupted": a child
 * process starts a control plane and is then ended as a test run can be, and etcd, kube-apiserver and
 * their directory must be gone afterwards. SIGINT and SIGTERM run the exit handlers; SIGKILL runs
 * nothing, and the detached watchdog must do the work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { eventually } from '../support/eventually.js';
import { isProcessGroupAlive } from './process-liveness.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hold-control-plane.ts', import.meta.url));

interface Held {
  readonly child: ChildProcess;
  readonly directory: string;
  readonly groups: readonly number[];
}

async function holdControlPlane(): Promise<Held> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code, signal) => {
      reject(new Error(`the fixture ended before starting a control plane (${String(code ?? signal)})`));
    });
  });
  lines.close();
  const { directory, groups } = JSON.parse(first) as { directory: string; groups: number[] };
  return { child, directory, groups };
}

function liveGroups(held: Held): number[] {
  return held.groups.filter((group) => isProcessGroupAlive(group));
}

describe('local control plane: nothing left behind', () => {
  it.each([['SIGINT'], ['SIGTERM'], ['SIGKILL']] as const)(
    'when its process gets %s: etcd and kube-apiserver stop and their directory is removed',
    async (signal) => {
      const held = await holdControlPlane();
      try {
        expect(held.groups).toHaveLength(2);
        expect(liveGroups(held)).toEqual(held.groups);
        expect(existsSync(held.directory)).toBe(true);

        held.child.kill(signal);
        // The watchdog polls once a second and gives SIGTERM five seconds before SIGKILL.
        const left = await eventually(
          () => Promise.resolve({ groups: liveGroups(held), directory: existsSync(held.directory) }),
          (state) => state.groups.length === 0 && !state.directory,
          { what: `the control plane gone after ${signal}`, timeoutMs: 30_000, intervalMs: 200 },
        );
        expect(left).toEqual({ groups: [], directory: false });
      } finally {
        held.child.kill('SIGKILL');
      }
    },
    90_000,
  );
});
