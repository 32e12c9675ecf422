import type { Clock } from '../core/clock.js';
import { createScaledClock } from '../core/clock.js';
import { cryptoRandom, type Random } from '../core/random.js';
import type { ClusterView } from '../embedded/cluster-view.js';
import { createSimulator, type Simulator } from '../simulator.js';
import type { SimulatorListener, SubscriptionSnapshot } from '../simulator-types.js';
import { watchAnnotations, type AnnotationView, type AnnotationWatcher } from './annotation-watcher.js';
import { createLiveFeed } from './live-feed.js';
import { buildServeApp } from './serve-app.js';
import { expiresAt, type ServeConfig } from './serve-config.js';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly config: ServeConfig;
  readonly dashboardDir: string;
  readonly timeScale?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly responseTimeoutMs?: number;
  readonly validationWindowMs?: number;
  /** Where to read reloader/* annotations from (a real cluster or the listener's /debug/cluster). */
  readonly cluster?: ClusterView;
  readonly annotationPollMs?: number;
  readonly onProgress?: (line: string) => void;
  /** Observes the simulator from the start (handshakes included), e.g. to print progress. */
  readonly observe?: SimulatorListener;
}

export interface ServeHandle {
  readonly url: string;
  readonly simulator: Simulator;
  /** Resolves when every configured subscription finished its handshake. */
  readonly subscribed: Promise<SubscriptionSnapshot[]>;
  close(): Promise<void>;
}

/** Starts the long-running simulator: HTTP app, Key Vault emulation, subscriptions, live feed. */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const timeScale = options.timeScale ?? 1;
  const clock = options.clock ?? createScaledClock({ scale: timeScale });
  const random = options.random ?? cryptoRandom;
  const progress = options.onProgress ?? ((): void => undefined);
  let baseUrl = '';
  const simulator = await createSimulator({
    clock,
    random,
    ...(options.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: options.responseTimeoutMs }),
    ...(options.validationWindowMs === undefined ? {} : { validationWindowMs: options.validationWindowMs }),
    validationBaseUrl: () => baseUrl,
    // Only the endpoints of the configured subscriptions: the user named them, nothing else.
    allowedTargets: options.config.subscriptions.map((subscription) => subscription.endpoint),
  });

  if (options.observe !== undefined) simulator.on(options.observe);

  for (const vault of options.config.vaults) {
    simulator.keyVault.createVault(vault.name, {
      ...(vault.azureSubscriptionId === undefined ? {} : { azureSubscriptionId: vault.azureSubscriptionId }),
      ...(vault.resourceGroup === undefined ? {} : { resourceGroup: vault.resourceGroup }),
    });
    for (const secret of vault.secrets) {
      const expires = expiresAt(clock.now(), secret.expiresInDays);
      simulator.keyVault.setSecret(
        vault.name,
        secret.name,
        secret.value,
        expires === undefined ? {} : { expires },
      );
    }
  }

  const feed = createLiveFeed();
  let annotations: readonly AnnotationView[] | undefined;
  let watcher: AnnotationWatcher | undefined;
  const app = await buildServeApp({
    simulator,
    feed,
    random,
    annotations: () => annotations,
    dashboardDir: options.dashboardDir,
    timeScale,
  });

  simulator.on((event) => {
    switch (event.type) {
      case 'subscription':
        feed.broadcast('subscription', event.subscription);
        return;
      case 'attempt':
      case 'delivery':
        feed.broadcast('delivery', event.delivery);
        feed.broadcast('counts', simulator.report().counts);
        if (
          event.type === 'delivery' &&
          (event.delivery.state === 'deadLettered' || event.delivery.state === 'dropped')
        ) {
          feed.broadcast('deadLetters', simulator.report().deadLetters.slice(-200));
        }
        return;
      case 'published':
        feed.broadcast('counts', simulator.report().counts);
        feed.broadcast('vaults', simulator.keyVault.vaults());
        return;
      case 'error':
        progress(`simulator error: ${event.message}`);
        return;
    }
  });

  const address = await app.listen({ host: options.host, port: options.port });
  baseUrl = address;
  progress(`serving on ${address} (dashboard: ${address}/)`);

  if (options.cluster !== undefined) {
    annotations = [];
    watcher = watchAnnotations(
      options.cluster,
      options.annotationPollMs ?? 1000,
      (next) => {
        annotations = next;
        feed.broadcast('annotations', next);
      },
      (error) => {
        progress(`reading annotations failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  const subscribed = Promise.all(
    options.config.subscriptions.map((subscription) => simulator.subscribe(subscription)),
  );

  return {
    url: address,
    simulator,
    subscribed,
    async close() {
      watcher?.stop();
      await simulator.close();
      await app.close();
    },
  };
}
