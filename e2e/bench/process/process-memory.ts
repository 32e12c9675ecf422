import { readFile } from 'node:fs/promises';

export interface ProcessMemory {
  /** Resident set now. */
  readonly rssBytes: number;
  /** The highest resident set so far (VmHWM). */
  readonly peakRssBytes: number;
}

/** From /proc (Linux, which is where the benchmark runs): no sampling, no cooperation from the process. */
export async function readProcessMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match?.[1] === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kilobytes('VmRSS'), peakRssBytes: kilobytes('VmHWM') };
}
