import { waitForHttp } from '../../control-plane/http-probe.js';
import { typeScriptCommand, type Child, type ChildProcesses } from '../process/child-processes.js';

const BASELINE_SERVER = new URL('./baseline-server.ts', import.meta.url).pathname;

/** Starts the bare fastify baseline on `port` and waits until it answers anything at all. */
export async function startBaselineServer(
  children: ChildProcesses,
  port: number,
  path: string,
): Promise<Child> {
  const child = children.spawn({
    name: 'baseline-server',
    ...typeScriptCommand(BASELINE_SERVER, [String(port), path]),
  });
  const ready = await waitForHttp({
    url: `http://127.0.0.1:${port}/`,
    timeoutMs: 30_000,
    // A 404 for GET / is an answer: the server listens.
    isReady: () => true,
    abandon: () => (child.hasExited() ? `exited:\n${child.stderrTail()}` : undefined),
  });
  if (!ready.ok) {
    await child.stop(2_000);
    throw new Error(`the baseline server did not start: ${ready.reason}`);
  }
  return child;
}
