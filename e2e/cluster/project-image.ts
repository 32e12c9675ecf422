import { runCommand } from '../control-plane/run-command.js';
import type { ProviderOptions } from './cluster-provider.js';

/** The image the project's Dockerfile builds; cluster providers that run containers load it when present. */
export const PROJECT_IMAGE = 'eventgrid-reloader-listener:dev';

/** Whether the local Docker engine has the image (built by the project's Dockerfile). */
export async function hasLocalImage(image: string, options: ProviderOptions): Promise<boolean> {
  try {
    await runCommand('docker', ['image', 'inspect', image], { env: options.env });
    return true;
  } catch (error: unknown) {
    // "No such image" is the expected answer; say what else went wrong in case it was not that.
    const message = error instanceof Error ? error.message : String(error);
    if (!/no such image/i.test(message)) options.log(`docker image inspect ${image}: ${message}`);
    return false;
  }
}
