import { spawn } from 'node:child_process';

import { signalProcessGroup } from './process-liveness.js';

export interface Watchdog {
  /** Call after an orderly stop, so the watchdog does not outlive what it guards. */
  dismiss(): void;
}

// Reads the process-groups file only after the parent is gone, so restarted processes are covered too.
const script = `
parent="$1"; dir="$2"; remove="$3"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
groups=$(cat "$dir/process-groups" 2>/dev/null)
for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
sleep 5
for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
if [ "$remove" = yes ]; then rm -rf "$dir"; fi
`;

/**
 * A detached shell that waits for this process to disappear, then stops the control plane's process
 * groups and removes its directory. It exists for the one ending no handler sees: SIGKILL of the test
 * runner (an OOM kill, a CI timeout). Node cannot set PR_SET_PDEATHSIG on a child, so a watcher it is.
 */
export function startWatchdog(directory: string, removeDirectory: boolean): Watchdog {
  const child = spawn(
    'sh',
    ['-c', script, 'control-plane-watchdog', String(process.pid), directory, removeDirectory ? 'yes' : 'no'],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.on('error', (error) => {
    process.stderr.write(`control plane: watchdog could not start: ${error.message}\n`);
  });
  child.unref();
  const pid = child.pid;
  return {
    dismiss() {
      if (pid !== undefined) signalProcessGroup(pid, 'SIGKILL');
    },
  };
}
