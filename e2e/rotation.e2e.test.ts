/**
 * A Key Vault rotation delivered to the real listener annotates exactly the ExternalSecrets that read
 * the secret and that the Config selects: every reference form ESO's Azure provider has, every selector
 * a Config can give. Everything is read back from the API server; ExternalSecrets that must not match
 * keep their resourceVersion, i.e. were not written at all.
 *
 * One listener serves the whole file: one Config per selector, each on its own subscription path of one
 * port, all created before the listener starts, so its caches hold everything once it is ready. Each
 * test rotates a secret name of its own, so no test can annotate another's ExternalSecrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { applyConfig, deleteE2eConfigs, type ConfigInput } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { createExternalSecrets, readsKey, type ExternalSecretInput } from './support/external-secrets.js';
import { externalSecretEvents } from './support/kube-events.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { uniqueName } from './support/names.js';
import { createNamespace } from './support/namespaces.js';
import { expectRotationOutcome, expectUntouched, snapshot, type Ref } from './support/rotation-assertions.js';
import { rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import { deliverySummary, postEventGrid } from './support/webhook-client.js';

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

describe('rotation: reference forms and selectors', () => {
  const id = uniqueName('rot');
  /** Key Vault secret names, one per test. */
  const secret = {
    references: `${id}-db-password`,
    namespaces: `${id}-ns-secret`,
    labels: `${id}-label-secret`,
    expressions: `${id}-expr-secret`,
    names: `${id}-names-secret`,
    ignored: `${id}-created-once`,
  };
  let kube: Kube;
  let webhook: string;
  let ns: { references: string; selected: string; other: string };
  const world: ExternalSecretInput[] = [];
  const es = (
    namespace: string,
    name: string,
    spec: Record<string, unknown>,
    labels?: Record<string, string>,
  ) => {
    const input = { namespace, name, spec, ...(labels === undefined ? {} : { labels }) };
    world.push(input);
    return { namespace, name };
  };

  // Filled in beforeAll: which ExternalSecrets each test expects annotated and untouched.
  let cases: Record<keyof typeof secret, { annotated: Ref[]; untouched: Ref[] }>;

  beforeAll(async () => {
    announceSuite('rotation');
    kube = kubeClients();
    await installCrds(kube);
    ns = {
      references: await createNamespace(kube, 'rot-refs'),
      selected: await createNamespace(kube, 'rot-selected', { 'e2e.reloader.test/team': id }),
      other: await createNamespace(kube, 'rot-other', { 'e2e.reloader.test/team': 'someone-else' }),
    };
    cases = {
      references: {
        annotated: [
          es(ns.references, 'plain-key', readsKey(secret.references)),
          es(ns.references, 'secret-prefixed-key', readsKey(`secret/${secret.references}`)),
          // Key Vault names are case-insensitive.
          es(ns.references, 'upper-case-key', readsKey(secret.references.toUpperCase())),
          es(ns.references, 'extract', { dataFrom: [{ extract: { key: secret.references } }] }),
          es(ns.references, 'find-regexp', { dataFrom: [{ find: { name: { regexp: `^${id}-db-` } } }] }),
          es(ns.references, 'two-entries', {
            data: [
              { secretKey: 'token', remoteRef: { key: `${id}-api-token` } },
              { secretKey: 'password', remoteRef: { key: secret.references, property: 'password' } },
            ],
          }),
        ],
        untouched: [
          es(ns.references, 'certificate', readsKey(`cert/${secret.references}`)),
          es(ns.references, 'key-object', readsKey(`key/${secret.references}`)),
          // A pinned version keeps reading that version: nothing to re-sync.
          es(
            ns.references,
            'pinned-version',
            readsKey(secret.references, '0123456789abcdef0123456789abcdef'),
          ),
          es(ns.references, 'other-secret', readsKey(`${id}-api-token`)),
          es(ns.references, 'other-regexp', { dataFrom: [{ find: { name: { regexp: `^${id}-api-` } } }] }),
        ],
      },
      namespaces: {
        annotated: [es(ns.selected, 'in-selected-namespace', readsKey(secret.namespaces))],
        untouched: [
          es(ns.other, 'in-other-namespace', readsKey(secret.namespaces)),
          es(ns.references, 'in-unlabelled-namespace', readsKey(secret.namespaces)),
        ],
      },
      labels: {
        annotated: [
          es(ns.selected, 'labelled', readsKey(secret.labels), { app: id }),
          es(ns.other, 'labelled-elsewhere', readsKey(secret.labels), { app: id, extra: 'x' }),
        ],
        untouched: [
          es(ns.selected, 'other-app', readsKey(secret.labels), { app: 'other' }),
          es(ns.selected, 'unlabelled', readsKey(secret.labels)),
        ],
      },
      expressions: {
        annotated: [
          es(ns.selected, 'tier-backend', readsKey(secret.expressions), { tier: 'backend' }),
          es(ns.other, 'tier-api', readsKey(secret.expressions), { tier: 'api' }),
        ],
        untouched: [
          es(ns.selected, 'tier-frontend', readsKey(secret.expressions), { tier: 'frontend' }),
          es(ns.selected, 'tier-backend-legacy', readsKey(secret.expressions), {
            tier: 'backend',
            legacy: 'true',
          }),
          es(ns.selected, 'no-tier', readsKey(secret.expressions)),
        ],
      },
      names: {
        annotated: [
          es(ns.selected, `${id}-wanted`, readsKey(secret.names)),
          es(ns.other, `${id}-wanted`, readsKey(secret.names)),
        ],
        untouched: [es(ns.selected, `${id}-not-wanted`, readsKey(secret.names))],
      },
      ignored: {
        annotated: [
          es(ns.references, 'created-once', { ...readsKey(secret.ignored), refreshPolicy: 'CreatedOnce' }),
        ],
        untouched: [],
      },
    };
    await createExternalSecrets(kube, world);

    const [port = 0] = await reserveLoopbackPorts(1);
    webhook = `http://127.0.0.1:${port}`;
    const config = (name: string, destinations: ConfigInput['destinations']) =>
      applyConfig(kube, { name: `${id}-${name}`, port, subscriptions: [name], destinations });
    await config('by-reference', [
      { namespaceSelectors: [{ matchLabels: { [NAMESPACE_NAME]: ns.references } }] },
    ]);
    await config('by-namespace', [
      { namespaceSelectors: [{ matchLabels: { 'e2e.reloader.test/team': id } }] },
    ]);
    await config('by-labels', [{ labelSelectors: { matchLabels: { app: id } } }]);
    await config('by-expressions', [
      {
        labelSelectors: {
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['backend', 'api'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
      },
    ]);
    await config('by-names', [{ names: [`${id}-wanted`] }]);
    await startListener();
  });

  afterAll(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  /** Sends one rotation to a subscription path and checks the outcome on the API server. */
  async function rotate(path: string, which: keyof typeof secret): Promise<ReturnType<typeof rotation>> {
    const { annotated, untouched } = cases[which];
    const before = await snapshot(kube, untouched);
    const sent = rotation(secret[which]);
    const answer = await postEventGrid(`${webhook}/${path}`, [sent.event]);
    expect(answer.status, answer.body).toBe(200);
    expect(deliverySummary(answer)).toMatchObject({
      events: 1,
      matched: annotated.length,
      annotated: annotated.length,
    });
    await expectRotationOutcome(kube, sent, { annotated, untouched: before });
    return sent;
  }

  it('annotates every reference form: remoteRef.key as name and secret/name, dataFrom.extract, find.name.regexp', async () => {
    const sent = await rotate('by-reference', 'references');
    // Events are recorded after the answer (a courtesy to operators, never awaited by a delivery).
    for (const ref of cases.references.annotated) {
      await expect
        .poll(() => externalSecretEvents(kube, ref.namespace, ref.name))
        .toEqual([
          expect.objectContaining({
            type: 'Normal',
            reason: 'SecretRotated',
            message: expect.stringContaining(sent.version) as unknown,
            reportingComponent: 'eventgrid-reloader',
          }),
        ]);
    }
    for (const ref of cases.references.untouched) {
      expect(await externalSecretEvents(kube, ref.namespace, ref.name)).toEqual([]);
    }
  });

  it('namespaceSelectors: only ExternalSecrets in namespaces with matching labels', async () => {
    await rotate('by-namespace', 'namespaces');
  });

  it('labelSelectors.matchLabels: only ExternalSecrets with every label, in any namespace', async () => {
    await rotate('by-labels', 'labels');
  });

  it('labelSelectors.matchExpressions: In and DoesNotExist together', async () => {
    await rotate('by-expressions', 'expressions');
  });

  it('names: ExternalSecrets of that name in every namespace, no others', async () => {
    await rotate('by-names', 'names');
  });

  it('a redelivered event is acknowledged and writes nothing new (at-least-once delivery)', async () => {
    const sent = rotation(secret.names);
    const first = await postEventGrid(`${webhook}/by-names`, [sent.event]);
    expect(first.status).toBe(200);
    const afterFirst = await snapshot(kube, cases.names.annotated);
    const again = await postEventGrid(`${webhook}/by-names`, [sent.event]);
    expect(again.status).toBe(200);
    await expectUntouched(kube, afterFirst);
  });

  it('annotates an ExternalSecret ESO would not re-sync (refreshPolicy CreatedOnce) and warns with an Event', async () => {
    await rotate('by-reference', 'ignored');
    const [ref] = cases.ignored.annotated;
    if (ref === undefined) throw new Error('no ExternalSecret for this case');
    await expect
      .poll(async () =>
        (await externalSecretEvents(kube, ref.namespace, ref.name))
          .map((e) => `${e.type}/${e.reason}`)
          .sort(),
      )
      .toEqual(['Normal/SecretRotated', 'Warning/RotationIgnored']);
  });
});
