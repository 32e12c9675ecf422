import { readFile, writeFile } from 'node:fs/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';

// Only what the dev kit needs from a Config; the listener validates the whole thing.
const azureEventGridSourceSchema = z.looseObject({
  type: z.literal('AzureEventGrid'),
  azureEventGrid: z.looseObject({
    host: z.string().optional(),
    port: z.number().int().optional(),
    subscriptions: z.array(z.string().min(1)).min(1),
  }),
});

const configSchema = z.looseObject({
  kind: z.literal('Config'),
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({ notificationSources: z.array(z.looseObject({ type: z.string() })) }),
});

export interface DevKitConfig {
  readonly name: string;
  /** The first AzureEventGrid subscription: the path the run delivers to. */
  readonly subscription: string;
  /** The Config, its AzureEventGrid sources moved to 127.0.0.1:`port`. */
  readonly yaml: string;
}

/**
 * Reads a Config and moves every AzureEventGrid source to 127.0.0.1 on the given free port, so the
 * run neither collides with anything on 8080 nor listens on the network.
 */
export async function prepareConfig(file: string, port: number): Promise<DevKitConfig> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'));
  const config = documents
    .map((document) => document.toJS() as unknown)
    .find((value) => configSchema.safeParse(value).success);
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) throw new Error(`${file}: no Config document (${formatIssues(parsed.error)})`);
  let subscription: string | undefined;
  const sources = parsed.data.spec.notificationSources.map((source) => {
    const eventGrid = azureEventGridSourceSchema.safeParse(source);
    if (!eventGrid.success) return source;
    subscription ??= eventGrid.data.azureEventGrid.subscriptions[0];
    return {
      ...eventGrid.data,
      azureEventGrid: { ...eventGrid.data.azureEventGrid, host: '127.0.0.1', port },
    };
  });
  if (subscription === undefined)
    throw new Error(`${file}: the Config has no AzureEventGrid source with a subscription`);
  const moved = { ...parsed.data, spec: { ...parsed.data.spec, notificationSources: sources } };
  return { name: parsed.data.metadata.name, subscription, yaml: stringify(moved) };
}

export async function writeConfig(path: string, config: DevKitConfig): Promise<void> {
  await writeFile(path, config.yaml);
}
