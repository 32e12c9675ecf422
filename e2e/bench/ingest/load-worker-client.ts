import { typeScriptCommand, type Child, type ChildProcesses } from '../process/child-processes.js';
import type { LoadRequest, LoadResult, WorkerMessage } from './load-protocol.js';

const LOAD_WORKER = new URL('./load-worker.ts', import.meta.url).pathname;
const START_TIMEOUT_MS = 30_000;
// Beyond warm-up and measurement: the last answers, closing the pool, the IPC round trip.
const ROUND_SLACK_MS = 40_000;

export interface LoadWorker {
  readonly pid: number;
  run(request: LoadRequest): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Starts the load worker once; it serves every round of the ingest scenario, one at a time. */
export async function startLoadWorker(children: ChildProcesses): Promise<LoadWorker> {
  const child = children.spawn({ name: 'load-worker', ...typeScriptCommand(LOAD_WORKER, []), ipc: true });
  const first = await nextMessage(child, START_TIMEOUT_MS);
  if (first.type !== 'ready') throw new Error(`load worker: expected ready, got ${first.type}`);
  return {
    pid: child.pid,
    async run(request) {
      child.process.send(request);
      const answer = await nextMessage(child, request.warmupMs + request.measureMs + ROUND_SLACK_MS);
      if (answer.type === 'result') return answer.result;
      throw new Error(`load worker: ${answer.type === 'error' ? answer.message : 'unexpected message'}`);
    },
    async stop() {
      child.process.disconnect();
      await child.stop(5_000);
    },
  };
}

function nextMessage(child: Child, timeoutMs: number): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      cleanUp();
      resolve(message);
    };
    const onExit = (): void => {
      cleanUp();
      reject(new Error(`load worker exited:\n${child.stderrTail()}`));
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`load worker did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanUp = (): void => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
  });
}
