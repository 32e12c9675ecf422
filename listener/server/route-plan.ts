import type { ReloaderConfig } from '../config/parse-config.js';
import type { RouteTarget } from '../webhook/deps.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function endpointKey({ host, port }: Endpoint): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface PlannedEndpoint extends Endpoint {
  readonly routes: readonly RouteTarget[];
  /** Configs with at least one path here. */
  readonly configs: readonly string[];
}

export interface RouteConflict {
  readonly endpoint: string;
  readonly path: string;
  /** The Config that serves the path. */
  readonly owner: string;
  /** The Config whose claim is not served. */
  readonly claimant: string;
}

export interface RoutePlan {
  readonly endpoints: ReadonlyMap<string, PlannedEndpoint>;
  readonly conflicts: readonly RouteConflict[];
}

/**
 * Which paths each host:port serves. Configs on one host:port share its server; a path claimed by two
 * Configs stays with the older Config (creation time, then name: the same answer on every replica and
 * after restarts), so a new Config can never take a working path away. The other claim is a conflict.
 */
export function planRoutes(configs: readonly ReloaderConfig[]): RoutePlan {
  const endpoints = new Map<
    string,
    { host: string; port: number; routes: Map<string, RouteTarget>; configs: Set<string> }
  >();
  const conflicts: RouteConflict[] = [];
  const ordered = [...configs].sort(olderFirst);
  for (const config of ordered) {
    for (const source of config.sources) {
      const key = endpointKey(source);
      let endpoint = endpoints.get(key);
      if (endpoint === undefined) {
        endpoint = { host: source.host, port: source.port, routes: new Map(), configs: new Set() };
        endpoints.set(key, endpoint);
      }
      for (const subscription of source.subscriptions) {
        const path = `/${subscription}`;
        const owner = endpoint.routes.get(path);
        if (owner === undefined) {
          endpoint.routes.set(path, {
            subscription,
            configName: config.name,
            destinations: config.destinations,
            auth: source.auth,
          });
          endpoint.configs.add(config.name);
        } else if (owner.configName !== config.name) {
          conflicts.push({ endpoint: key, path, owner: owner.configName, claimant: config.name });
        }
      }
    }
  }
  const planned = new Map<string, PlannedEndpoint>();
  for (const [key, endpoint] of endpoints) {
    planned.set(key, {
      host: endpoint.host,
      port: endpoint.port,
      routes: [...endpoint.routes.values()],
      configs: [...endpoint.configs],
    });
  }
  return { endpoints: planned, conflicts };
}

function olderFirst(a: ReloaderConfig, b: ReloaderConfig): number {
  const [ta, tb] = [a.createdAt ?? '', b.createdAt ?? ''];
  if (ta !== tb) return ta === '' ? 1 : tb === '' ? -1 : Date.parse(ta) - Date.parse(tb);
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
