import { readFileSync } from 'node:fs';

import { hasErrorCode } from './error-code.js';

/** Signal 0 probes without signalling. A negative id addresses the whole process group. */
function probe(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error: unknown) {
    // EPERM means it exists but belongs to someone else; only ESRCH means it is gone.
    if (hasErrorCode(error, 'ESRCH')) return false;
    if (hasErrorCode(error, 'EPERM')) return true;
    throw error;
  }
}

export function isProcessAlive(pid: number): boolean {
  return probe(pid);
}

/**
 * Whether a group still has a live member. A leader that has exited but not been reaped (a zombie, state
 * Z, common when the parent that started it is gone and init reaps lazily) counts as gone: it holds no
 * port and no file, and waiting for its reaping only delays `cluster:down`.
 */
export function isProcessGroupAlive(pgid: number): boolean {
  return probe(-pgid) && !isZombie(pgid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error: unknown) {
    // No /proc (not Linux) or the leader is gone while others in its group live: not a zombie leader.
    if (hasErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
  // Format: pid (comm) state ...; comm may contain spaces and parentheses, so split after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Sends a signal to a process group, treating "already gone" as success: stopping is idempotent. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error: unknown) {
    if (!hasErrorCode(error, 'ESRCH')) throw error;
  }
}
