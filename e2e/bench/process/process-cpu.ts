import { readFile } from 'node:fs/promises';

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat. It is 100 on every Linux the benchmark targets
// (getconf CLK_TCK); Node has no call for it, and spawning getconf per reading would cost more than it tells.
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc. Read before and after a
 * measurement, it says what the work cost the process itself, which other load on a shared machine
 * disturbs far less than wall-clock throughput.
 */
export async function readProcessCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // After "pid (comm) ": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3 (state).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`/proc/${pid}/stat: no utime/stime`);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}
