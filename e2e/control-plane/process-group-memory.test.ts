import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { parseStatus, processGroupRssBytes } from './process-group-memory.js';

const status = (pgid: number, rssKiB: number | undefined): string =>
  ['Name:\tcompile', 'State:\tR (running)', `NSpgid:\t${String(pgid)}`]
    .concat(rssKiB === undefined ? [] : [`VmRSS:\t  ${String(rssKiB)} kB`])
    .join('\n');

describe('memory of a process group', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reads the group and resident size from a status file; a zombie holds nothing', () => {
    expect(parseStatus(status(42, 2048))).toEqual({ pgid: 42, rssBytes: 2048 * 1024 });
    expect(parseStatus(status(42, undefined))).toEqual({ pgid: 42, rssBytes: 0 });
    expect(parseStatus('Name:\tkthreadd')).toBeUndefined();
  });

  it('sums the members of one group and no other', async () => {
    const proc = await mkdtemp(join(tmpdir(), 'proc-'));
    dirs.push(proc);
    const members: [string, number, number][] = [
      ['100', 100, 1000],
      ['101', 100, 500],
      ['200', 200, 9000],
    ];
    for (const [pid, pgid, rss] of members) {
      await mkdir(join(proc, pid));
      await writeFile(join(proc, pid, 'status'), status(pgid, rss));
    }
    await mkdir(join(proc, 'self'));
    expect(processGroupRssBytes(100, proc)).toBe(1500 * 1024);
    expect(processGroupRssBytes(300, proc)).toBe(0);
    expect(processGroupRssBytes(100, join(proc, 'missing'))).toBeUndefined();
  });

  it('sees a real child process group on this machine', async () => {
    const child = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
    try {
      const pgid = child.pid;
      if (pgid === undefined) throw new Error('sleep did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processGroupRssBytes(pgid)).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
