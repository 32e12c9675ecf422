import type { ProfileSummary } from './cpu-profile-summary.js';
import type { Figure } from './figures.js';
import type { MachineInfo, Versions } from './environment-info.js';

export interface ReportHeader {
  readonly date: string;
  readonly mode: 'quick' | 'full';
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly versions: Versions;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/**
 * The table people read: one row per figure, ratio as listener over baseline performance (higher is
 * better), verdicts spelled out (`MISSED: 0.72 < 0.8`); notes, profiles included, numbered below it.
 */
export function markdownReport(
  header: ReportHeader,
  figures: readonly Figure[],
  errors: readonly { scenario: string; message: string }[],
  profiles: readonly { scenario: string; workload: string; summary: ProfileSummary }[],
): string {
  const { machine, versions } = header;
  const lines = [
    `Benchmark (${header.mode}) of ${header.date}, ${Math.round(header.durationSeconds)} s: ` +
      `${machine.cores} cores (${machine.cpuModel}), ${Math.round(machine.memoryBytes / 2 ** 30)} GiB, ` +
      `load average ${machine.loadAverage.join(' / ')} at the start; Node ${versions.node}, ` +
      `kube-apiserver ${versions.kubeApiServer}, etcd ${versions.etcd}, listener ${versions.listenerCommit}.`,
    '',
    '| scenario | figure | listener | baseline | ratio | target | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const notes: string[] = [];
  for (const row of figures) {
    let verdict = row.verdictText;
    if (row.note !== undefined) {
      // The same note (a ratio's definition, a profile reference) gets one number.
      let number = notes.indexOf(row.note) + 1;
      if (number === 0) number = notes.push(row.note);
      verdict = `${verdict} [${number}]`;
    }
    lines.push(
      `| ${row.scenario} | ${cell(row.name)} | ${cell(row.listener)} | ${cell(row.baseline)} | ` +
        `${row.ratio === undefined || !Number.isFinite(row.ratio) ? '' : row.ratio.toFixed(2)} | ${row.target ?? ''} | ${cell(verdict)} |`,
    );
  }
  if (notes.length > 0) {
    lines.push('', ...notes.map((note, index) => `${index + 1}. ${note}`));
  }
  if (profiles.length > 0) {
    lines.push(
      '',
      'Profiles: each missed workload re-run once under `node --cpu-prof` (the listener), self time after start-up.',
      'V8 samples wall-clock time, so time spent descheduled inside a syscall counts as that syscall.',
    );
    for (const { scenario, workload, summary } of profiles) {
      const areas = summary.byArea.map((area) => `${area.name} ${area.percent}%`).join(', ');
      const functions = summary.topFunctions
        .slice(0, 8)
        .map((entry) => `${entry.name} ${entry.percent}%`)
        .join('; ');
      lines.push(
        `- **${scenario}** (${workload}; ${summary.busyMs} ms busy of ${summary.windowMs} ms): by area ${areas}. ` +
          `Top self time: ${functions}.`,
      );
    }
  }
  if (errors.length > 0) {
    lines.push(
      '',
      'Scenarios that could not run:',
      ...errors.map((error) => `- ${error.scenario}: ${error.message.split('\n')[0] ?? ''}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
