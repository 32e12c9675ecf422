import { readFileSync, readdirSync } from 'node:fs';

import { hasErrorCode } from './error-code.js';

/**
 * Resident memory of a whole process group, summed over its members: `go build` runs compile and link
 * as children, and the peak the README records is what they held together. Read from /proc; where
 * there is none (not Linux) the reading is undefined rather than a made-up zero.
 */
export function processGroupRssBytes(pgid: number, proc = '/proc'): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`${proc}/${entry}/status`, 'utf8');
    } catch (error: unknown) {
      // A member that exits between the listing and the read is simply no longer counted.
      if (hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'ESRCH')) continue;
      throw error;
    }
    const member = parseStatus(status);
    if (member?.pgid === pgid) total += member.rssBytes;
  }
  return total;
}

/** `NSpgid` (the group as this namespace sees it) and `VmRSS` from /proc/<pid>/status. */
export function parseStatus(status: string): { pgid: number; rssBytes: number } | undefined {
  const pgid = /^NSpgid:\s*(\d+)/m.exec(status)?.[1];
  if (pgid === undefined) return undefined;
  // Kernel threads and zombies have no VmRSS line: they hold no user memory.
  const rssKiB = /^VmRSS:\s*(\d+)\s*kB/m.exec(status)?.[1] ?? '0';
  return { pgid: Number(pgid), rssBytes: Number(rssKiB) * 1024 };
}

export interface PeakMemorySampler {
  /** The highest sum seen so far, or undefined when nothing could be read. */
  readonly peakBytes: () => number | undefined;
  readonly stop: () => void;
}

/** Samples a group's memory every `intervalMs` and keeps the peak. */
export function samplePeakMemory(pgid: number, intervalMs = 500): PeakMemorySampler {
  let peak: number | undefined;
  const sample = (): void => {
    const now = processGroupRssBytes(pgid);
    if (now !== undefined && (peak === undefined || now > peak)) peak = now;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakBytes: () => peak,
    stop: () => {
      clearInterval(timer);
    },
  };
}
