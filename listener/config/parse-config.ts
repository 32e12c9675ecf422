import { formatIssues } from '../eventgrid/issues.js';
import {
  AZURE_EVENT_GRID,
  azureEventGridSchema,
  configManifestSchema,
  EXTERNAL_SECRET,
  externalSecretDestinationSchema,
  OTHER_DESTINATION_TYPES,
  OTHER_SOURCE_TYPES,
  type AzureEventGridSource,
  type ExternalSecretDestination,
} from './schema.js';

/** A Config reduced to what this listener serves. */
export interface ReloaderConfig {
  readonly name: string;
  readonly generation: number | undefined;
  /** When the Config was created; the oldest Config keeps a path two Configs claim. */
  readonly createdAt: string | undefined;
  readonly sources: readonly AzureEventGridSource[];
  readonly destinations: readonly ExternalSecretDestination[];
  /** Parts of the Config that are valid Reloader API but not served here (other source types…). */
  readonly warnings: readonly string[];
}

export type ConfigResult =
  | { readonly ok: true; readonly config: ReloaderConfig }
  | { readonly ok: false; readonly name: string; readonly errors: readonly string[] };

function nameOf(manifest: unknown): string {
  if (typeof manifest !== 'object' || manifest === null) return '(unnamed)';
  const metadata = (manifest as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return '(unnamed)';
  const name = (metadata as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : '(unnamed)';
}

/**
 * Validates one Config manifest. Every error names the field; an error in one Config never affects
 * another. Other Reloader source and destination types are accepted and reported, not served.
 */
export function parseConfig(manifest: unknown): ConfigResult {
  const name = nameOf(manifest);
  const parsed = configManifestSchema.safeParse(manifest);
  if (!parsed.success) return { ok: false, name, errors: [formatIssues(parsed.error)] };
  const { spec, metadata } = parsed.data;
  const errors: string[] = [];
  const warnings: string[] = [];
  const sources: AzureEventGridSource[] = [];
  const destinations: ExternalSecretDestination[] = [];

  spec.notificationSources.forEach((source, index) => {
    const path = `spec.notificationSources[${index}]`;
    if (source.type !== AZURE_EVENT_GRID) {
      warnings.push(unsupported(path, source.type, OTHER_SOURCE_TYPES, 'source'));
      return;
    }
    const body = azureEventGridSchema.safeParse(source.azureEventGrid);
    if (body.success) sources.push(body.data);
    else errors.push(formatIssues(body.error, `${path}.azureEventGrid`));
  });

  spec.destinationsToWatch.forEach((destination, index) => {
    const path = `spec.destinationsToWatch[${index}]`;
    const type = destination.type ?? (destination.externalSecret === undefined ? undefined : EXTERNAL_SECRET);
    if (type !== EXTERNAL_SECRET) {
      if (type === undefined) errors.push(`${path}.type: Required`);
      else warnings.push(unsupported(path, type, OTHER_DESTINATION_TYPES, 'destination'));
      return;
    }
    const body = externalSecretDestinationSchema.safeParse(destination.externalSecret ?? {});
    if (body.success) destinations.push(body.data);
    else errors.push(formatIssues(body.error, `${path}.externalSecret`));
  });

  if (errors.length > 0) return { ok: false, name, errors };
  if (sources.length === 0)
    warnings.push(`spec.notificationSources: no ${AZURE_EVENT_GRID} source; nothing to serve`);
  if (destinations.length === 0) {
    warnings.push(
      `spec.destinationsToWatch: no ${EXTERNAL_SECRET} destination; events will annotate nothing`,
    );
  }
  return {
    ok: true,
    config: {
      name: metadata.name,
      generation: metadata.generation,
      createdAt: metadata.creationTimestamp,
      sources,
      destinations,
      warnings,
    },
  };
}

function unsupported(path: string, type: string, known: readonly string[], what: string): string {
  return known.includes(type)
    ? `${path}.type: ${type} is a Reloader ${what} type this listener does not serve; ignored`
    : `${path}.type: unknown ${what} type "${type}"; ignored`;
}
