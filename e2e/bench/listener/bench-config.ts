import { writeFile } from 'node:fs/promises';

import {
  AZURE_EVENT_GRID,
  CONFIG_API_VERSION,
  CONFIG_KIND,
  EXTERNAL_SECRET,
} from '../../../listener/config/schema.js';
import { POPULATION_LABEL } from '../kube/population.js';

export const SUBSCRIPTION = 'bench-rotation';

/**
 * The listener's Config, as a file (--config) rather than a cluster object: the benchmark then needs no
 * Config CRD traffic and the listener writes no Config status, so every API request it makes is for
 * the work being measured. One path, every population ExternalSecret selected by label.
 */
export async function writeBenchConfig(path: string, port: number): Promise<void> {
  const config = {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    metadata: { name: 'bench' },
    spec: {
      notificationSources: [
        {
          type: AZURE_EVENT_GRID,
          azureEventGrid: { host: '127.0.0.1', port, subscriptions: [SUBSCRIPTION] },
        },
      ],
      destinationsToWatch: [
        {
          type: EXTERNAL_SECRET,
          externalSecret: { labelSelectors: { matchLabels: { [POPULATION_LABEL]: 'true' } } },
        },
      ],
    },
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

export function webhookUrl(port: number): string {
  return `http://127.0.0.1:${port}/${SUBSCRIPTION}`;
}
