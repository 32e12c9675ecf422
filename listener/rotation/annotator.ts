import pLimit, { type LimitFunction } from 'p-limit';
import type { FastifyBaseLogger } from 'fastify';
import type { Cluster } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/cluster-error.js';
import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_KIND,
  EXTERNAL_SECRET_VERSION,
  refKey,
  type ExternalSecret,
} from '../cluster/external-secret.js';
import type { Metrics } from '../ops/metrics.js';
import { rotationAnnotations } from './annotations.js';
import { annotationIgnoredBecause } from './refresh-policy.js';
import type { SecretRotation } from './secret-rotation.js';

export interface AnnotatorOptions {
  readonly cluster: Cluster;
  readonly metrics: Metrics;
  readonly log: FastifyBaseLogger;
  /** Patches in flight toward the API server, across all deliveries. */
  readonly concurrency: number;
  /** Patches allowed to wait for a slot; beyond it a delivery is refused (429) instead of queued. */
  readonly maxQueued: number;
  /**
   * How long a patch waits for more rotations of the same ExternalSecret before it is sent. Rotations
   * that arrive while a patch waits (for this window or for a free slot) join it: one patch, and every
   * delivery involved is acknowledged when it is stored.
   */
  readonly coalesceWindowMs?: number;
}

export interface AnnotationTask {
  readonly secret: ExternalSecret;
  readonly rotation: SecretRotation;
}

type PatchResult = 'stored' | 'gone' | ClusterError;

interface PendingPatch {
  secret: ExternalSecret;
  rotation: SecretRotation;
  readonly waiters: ((result: PatchResult) => void)[];
}

export interface AnnotationOutcome {
  readonly stored: number;
  /** Deleted before the patch reached them: nothing left to re-sync. */
  readonly gone: number;
  readonly failures: readonly ClusterError[];
}

/** Raised before any patch is sent when the queue toward the API server is full. */
export class SaturatedError extends Error {
  override readonly name = 'SaturatedError';
}

const EVENT_RECORDER_CONCURRENCY = 4;
const EVENT_RECORDER_QUEUE = 1_000;

/**
 * Writes rotation annotations with bounded concurrency and records a Kubernetes Event for each. The
 * outcome says what is stored; the caller acknowledges the delivery only when nothing failed.
 */
export class Annotator {
  readonly #patches: LimitFunction;
  readonly #pending = new Map<string, PendingPatch>();
  readonly #events: LimitFunction = pLimit(EVENT_RECORDER_CONCURRENCY);

  constructor(private readonly options: AnnotatorOptions) {
    this.#patches = pLimit(options.concurrency);
  }

  /** Patches waiting for a slot and in flight, for the saturation check and tests. */
  get load(): number {
    return this.#patches.activeCount + this.#patches.pendingCount;
  }

  async annotate(tasks: readonly AnnotationTask[]): Promise<AnnotationOutcome> {
    const fresh = tasks.filter((task) => !this.#pending.has(refKey(task.secret))).length;
    // Backpressure is against other deliveries' work: an idle annotator takes any one delivery whole,
    // however many ExternalSecrets it matches (a number bounded by the cluster, not by the request),
    // or a rotation read by more than the cap could never be acknowledged.
    const busy = this.#pending.size > 0;
    if (busy && fresh > 0 && this.#pending.size + fresh > this.options.maxQueued + this.options.concurrency) {
      throw new SaturatedError(`${this.#pending.size} patches already waiting for the Kubernetes API`);
    }
    const results = await Promise.all(tasks.map((task) => this.#enqueue(task)));
    let stored = 0;
    let gone = 0;
    const failures: ClusterError[] = [];
    for (const result of results) {
      if (result === 'stored') stored += 1;
      else if (result === 'gone') gone += 1;
      else failures.push(result);
    }
    return { stored, gone, failures };
  }

  /**
   * Joins a patch of the same ExternalSecret that has not been sent yet (the newer rotation's
   * annotations win), or queues a new one. A patch already in flight is not joined: its annotations
   * may predate this rotation, so a new patch follows it.
   */
  #enqueue(task: AnnotationTask): Promise<PatchResult> {
    const key = refKey(task.secret);
    const waiting = this.#pending.get(key);
    if (waiting !== undefined) {
      this.options.metrics.coalesced.inc();
      if (Date.parse(task.rotation.time) >= Date.parse(waiting.rotation.time)) {
        waiting.rotation = task.rotation;
        waiting.secret = task.secret;
      }
      return new Promise((resolve) => waiting.waiters.push(resolve));
    }
    const entry: PendingPatch = { secret: task.secret, rotation: task.rotation, waiters: [] };
    this.#pending.set(key, entry);
    const result = new Promise<PatchResult>((resolve) => entry.waiters.push(resolve));
    const send = (): Promise<void> =>
      this.#patches(async () => {
        this.#pending.delete(key);
        const outcome = await this.#annotateOne(entry);
        for (const resolve of entry.waiters) resolve(outcome);
      });
    const window = this.options.coalesceWindowMs ?? 0;
    if (window > 0) setTimeout(() => void send(), window);
    else void send();
    return result;
  }

  async #annotateOne({ secret, rotation }: PendingPatch): Promise<PatchResult> {
    const { cluster, metrics, log } = this.options;
    try {
      await cluster.annotateExternalSecret(secret, rotationAnnotations(rotation));
    } catch (error) {
      const failure =
        error instanceof ClusterError
          ? error
          : new ClusterError('UNAVAILABLE', String(error), undefined, { cause: error });
      metrics.kubernetesErrors.inc({ operation: 'patch', code: failure.code });
      if (failure.code === 'NOT_FOUND') {
        metrics.annotations.inc({ outcome: 'gone' });
        return 'gone';
      }
      metrics.annotations.inc({ outcome: 'failed' });
      // A missing RBAC verb is not cured by Event Grid's retries: an operator must act, so say it louder.
      const level = failure.code === 'FORBIDDEN' || failure.code === 'UNAUTHORIZED' ? 'error' : 'warn';
      log[level](
        { externalSecret: refKey(secret), code: failure.code, err: failure.message },
        'annotation failed',
      );
      return failure;
    }
    metrics.annotations.inc({ outcome: 'stored' });
    const ignoredBecause = annotationIgnoredBecause(secret);
    const secretName = rotation.vault === undefined ? rotation.name : `${rotation.vault}/${rotation.name}`;
    log.info({ externalSecret: refKey(secret), secret: secretName, version: rotation.version }, 'annotated');
    this.#record(
      secret,
      'Normal',
      'SecretRotated',
      `Key Vault secret ${secretName} has a new version${rotation.version === undefined ? '' : ` ${rotation.version}`} (event ${rotation.eventId}); annotated so ESO re-syncs`,
    );
    if (ignoredBecause !== undefined) {
      metrics.ignoredAnnotations.inc();
      log.warn(
        { externalSecret: refKey(secret), reason: ignoredBecause },
        'ESO will ignore the rotation annotation',
      );
      this.#record(
        secret,
        'Warning',
        'RotationIgnored',
        `${ignoredBecause}: ESO will not re-sync on the rotation of ${secretName}`,
      );
    }
    return 'stored';
  }

  /** Events are a courtesy to operators: bounded, never awaited by a delivery, dropped when saturated. */
  #record(secret: ExternalSecret, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const { cluster, metrics, log } = this.options;
    if (this.#events.pendingCount >= EVENT_RECORDER_QUEUE) {
      metrics.droppedEvents.inc();
      return;
    }
    void this.#events(async () => {
      try {
        await cluster.recordEvent({
          regarding: {
            namespace: secret.namespace,
            name: secret.name,
            uid: secret.uid,
            kind: EXTERNAL_SECRET_KIND,
            apiVersion: `${EXTERNAL_SECRET_GROUP}/${EXTERNAL_SECRET_VERSION}`,
          },
          type,
          reason,
          message,
        });
      } catch (error) {
        metrics.droppedEvents.inc();
        const code = error instanceof ClusterError ? error.code : 'UNAVAILABLE';
        metrics.kubernetesErrors.inc({ operation: 'event', code });
        log.debug({ externalSecret: refKey(secret), code }, 'could not record a Kubernetes Event');
      }
    });
  }

  /** Resolves when every queued Event has been sent, or after `timeoutMs` (graceful shutdown). */
  async drainEvents(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#events.activeCount + this.#events.pendingCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
