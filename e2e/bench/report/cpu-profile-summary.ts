import { readFile } from 'node:fs/promises';

import { round } from './stats.js';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  /** Of the busy time (everything but idle). */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** The window summarised: from `skipMs` after the profile started to its end. */
  readonly windowMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Top functions by self time: `functionName (file:line)`. */
  readonly topFunctions: readonly SelfTime[];
  /** Self time by where the code lives: a package, node internals, the listener's folders, GC. */
  readonly byArea: readonly SelfTime[];
}

/**
 * Self time per function and per area from a .cpuprofile, leaving out the first `skipMs` (start-up:
 * module loading and the cache sync), so what is left is the workload that was profiled.
 */
export async function summariseCpuProfile(file: string, skipMs: number, top = 12): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let elapsedUs = 0;
  let windowUs = 0;
  let idleUs = 0;
  for (const [index, nodeId] of profile.samples.entries()) {
    // A sample's delta is the time since the previous one: charge it to this sample.
    const delta = profile.timeDeltas[index] ?? 0;
    elapsedUs += delta;
    if (elapsedUs < skipMs * 1000) continue;
    windowUs += delta;
    const frame = frames.get(nodeId);
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idleUs += delta;
      continue;
    }
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName} (${shortLocation(frame.url, frame.lineNumber)})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
    const area = areaOf(frame.functionName, frame.url);
    byArea.set(area, (byArea.get(area) ?? 0) + delta);
  }
  const busyUs = windowUs - idleUs;
  const rank = (totals: Map<string, number>, count: number): SelfTime[] =>
    [...totals]
      .sort(([, a], [, b]) => b - a)
      .slice(0, count)
      .map(([name, us]) => ({
        name,
        selfMs: round(us / 1000, 1),
        percent: round((100 * us) / Math.max(busyUs, 1), 1),
      }));
  return {
    file,
    windowMs: round(windowUs / 1000, 0),
    busyMs: round(busyUs / 1000, 0),
    idleMs: round(idleUs / 1000, 0),
    topFunctions: rank(byFunction, top),
    byArea: rank(byArea, 8),
  };
}

function shortLocation(url: string, line: number): string {
  if (url === '') return 'native';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  const short =
    inModules >= 0 ? path.slice(inModules + '/node_modules/'.length) : path.replace(/^.*\/dist\//, '');
  return `${short}:${line + 1}`;
}

/** Where time goes, coarsely: `fastify`, `pino`, `node:internal`, `listener/webhook`, `(garbage collector)`. */
function areaOf(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [scopeOrName = '', name = ''] = path.slice(inModules + '/node_modules/'.length).split('/');
    return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
  }
  if (path.startsWith('node:')) return 'node internals';
  const inDist = /\/dist\/(listener|simulator)\/([^/]+)\//.exec(path);
  if (inDist?.[1] !== undefined && inDist[2] !== undefined) return `${inDist[1]}/${inDist[2]}`;
  return path;
}

/** The note on a missed figure: the profile itself is printed once, under the table. */
export function profileReference(scenario: string): string {
  return `what limits it: see the ${scenario} profile under the table`;
}
