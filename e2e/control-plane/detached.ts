import { rm } from 'node:fs/promises';

import { readProcessGroups } from './process-groups-file.js';
import { isProcessGroupAlive, signalProcessGroup } from './process-liveness.js';

/**
 * Stops a control plane started with `lifetime: 'detached'` by an earlier process, knowing only its
 * directory, then removes the directory. Returns how many process groups were still running.
 */
export async function stopDetachedControlPlane(directory: string, graceMs = 10_000): Promise<number> {
  const running = readProcessGroups(directory).filter((group) => isProcessGroupAlive(group));
  // One at a time, kube-apiserver (recorded last) first, as ControlPlane.stop does: signalled together
  // (measured here), etcd took 7 s to drain kube-apiserver's watches and kube-apiserver never finished
  // its shutdown before the SIGKILL.
  for (const group of [...running].reverse()) await stopGroup(group, graceMs);
  await rm(directory, { recursive: true, force: true });
  return running.length;
}

async function stopGroup(group: number, graceMs: number): Promise<void> {
  signalProcessGroup(group, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessGroupAlive(group) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalProcessGroup(group, 'SIGKILL');
}
