import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { refKey, toExternalSecret, type ExternalSecret } from '../cluster/external-secret.js';
import type { LabelSelector, LabelSelectorRequirement } from '../config/label-selector.js';
import type { ExternalSecretDestination } from '../config/schema.js';
import {
  identifyKeyVaultObject,
  keyVaultDataSchema,
  parseKeyVaultObjectId,
  type KeyVaultCollection,
} from '../eventgrid/index.js';
import { ExternalSecretCache } from './external-secret-cache.js';
import { matchExternalSecrets } from './matcher.js';
import { NamespaceCache } from './namespace-cache.js';

// ---- what an ExternalSecret reads, as generated ---------------------------------------------------

interface Ref {
  readonly key: string;
  readonly version: string | undefined;
}

interface GeneratedSecret {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.data[].remoteRef; undefined is an entry without remoteRef. */
  readonly data: readonly (Ref | undefined)[];
  /** spec.dataFrom[]: an extract, a find.name.regexp, both or neither. */
  readonly dataFrom: readonly { readonly extract: Ref | undefined; readonly regexp: string | undefined }[];
}

function manifestOf(secret: GeneratedSecret): unknown {
  const ref = ({ key, version }: Ref) => (version === undefined ? { key } : { key, version });
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { namespace: secret.namespace, name: secret.name, labels: secret.labels },
    spec: {
      secretStoreRef: { name: 'azure-kv-prod', kind: 'ClusterSecretStore' },
      data: secret.data.map((entry) =>
        entry === undefined ? { secretKey: 'k' } : { secretKey: 'k', remoteRef: ref(entry) },
      ),
      dataFrom: secret.dataFrom.map(({ extract, regexp }) => ({
        ...(extract === undefined ? {} : { extract: ref(extract) }),
        ...(regexp === undefined ? {} : { find: { name: { regexp } } }),
      })),
    },
  };
}

/** The ExternalSecret exactly as the watch hands it to the cache. */
function toWatched(secret: GeneratedSecret): ExternalSecret {
  const watched = toExternalSecret(manifestOf(secret));
  if (watched === undefined) throw new Error(`generated an unreadable ExternalSecret ${secret.name}`);
  return watched;
}

// ---- the reference model: linear scans, written from the ESO docs, not from the listener -----------

/**
 * ESO's Azure provider: `name` and `secret/name` read the secret `name`; `cert/…`, `key/…` (and any other
 * prefix) read other objects. Key Vault names are case-insensitive. A pinned version never moves.
 */
function refReads(ref: Ref | undefined, secretName: string): boolean {
  if (ref === undefined) return false;
  if (ref.version !== undefined && ref.version.trim() !== '') return false;
  const named = /^(?:secret\/)?([^/]+)$/.exec(ref.key.trim())?.[1];
  return named !== undefined && named.toLowerCase() === secretName.toLowerCase();
}

/** Go's regexp.MatchString on RE2 syntax: unanchored. A pattern that does not compile reads nothing. */
function regexpReads(pattern: string | undefined, secretName: string): boolean {
  if (pattern === undefined) return false;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch {
    // ESO refuses such an ExternalSecret, so it reads no secret at all.
    return false;
  }
  return compiled.test(secretName);
}

function isValidPattern(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    // Invalid is the answer here, not a failure.
    return false;
  }
}

function modelReads(secret: GeneratedSecret, secretName: string): boolean {
  return (
    secret.data.some((ref) => refReads(ref, secretName)) ||
    secret.dataFrom.some(
      (entry) => refReads(entry.extract, secretName) || regexpReads(entry.regexp, secretName),
    )
  );
}

/** metav1.LabelSelector, term by term, over own labels only. */
function modelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const own = new Map(Object.entries(labels));
  const labelsHold = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => own.get(key) === value,
  );
  const expressionsHold = (selector.matchExpressions ?? []).every((requirement) => {
    const value = own.get(requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return own.has(requirement.key);
      case 'DoesNotExist':
        return !own.has(requirement.key);
    }
  });
  return labelsHold && expressionsHold;
}

function modelDestination(
  destination: ExternalSecretDestination,
  secret: GeneratedSecret,
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): boolean {
  const byName = destination.names === undefined || destination.names.includes(secret.name);
  const byLabels =
    destination.labelSelectors === undefined || modelSelector(destination.labelSelectors, secret.labels);
  const selectors = destination.namespaceSelectors ?? [];
  const byNamespace =
    selectors.length === 0 ||
    selectors.some((selector) => modelSelector(selector, namespaceLabels.get(secret.namespace) ?? {}));
  return byName && byLabels && byNamespace;
}

function modelMatch(
  secretName: string,
  destinations: readonly ExternalSecretDestination[],
  secrets: readonly GeneratedSecret[],
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): string[] {
  return secrets
    .filter((secret) => modelReads(secret, secretName))
    .filter((secret) => destinations.some((d) => modelDestination(d, secret, namespaceLabels)))
    .map((secret) => `${secret.namespace}/${secret.name}`)
    .sort();
}

// ---- generators -------------------------------------------------------------------------------------

const LONG = `${'a'.repeat(3000)}!`;
const secretNameArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('db', 'db-password', 'DB-Password', 'api-token', 'a', 'aa', 'x-db-1'),
  },
  { weight: 1, arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', LONG) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9A-Za-z-]{1,10}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

const keyArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', 'secret/', 'cert/', 'key/', 'Secret/', 'other/', 'secret//'),
        secretNameArb,
        fc.constantFrom('', '', ' ', '\t', '\u00a0'),
        fc.constantFrom('', '', '/1', '/'),
      )
      .map(([prefix, name, pad, suffix]) => `${pad}${prefix}${name}${suffix}${pad}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', '/', 'secret/', 'cert/', 'secret/a/b') },
);
const versionArb = fc.constantFrom(undefined, undefined, undefined, '', ' ', 'v1', '6e0a5c4f');
const refArb: fc.Arbitrary<Ref> = fc.record({ key: keyArb, version: versionArb });

const regexpArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '^db-',
      'db',
      'DB',
      '(?i)^db',
      'pass',
      '^a+$',
      '(a+)+$',
      '(a|aa)+$',
      '(a*)*b',
      '^(db|api)-',
      '.*',
      '',
      '^$',
      '[[:alpha:]]+',
      '\\pL+',
      '[',
      '(',
      'a**',
      '(?=a)',
      '(a)\\1',
      '(?P<n>a)',
      'x{1001}',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom(
        'a',
        'b',
        'd',
        '-',
        '^',
        '$',
        '(',
        ')',
        '+',
        '*',
        '?',
        '|',
        '.',
        '[',
        ']',
        '{',
        '}',
        '1',
        '\\',
      ),
      maxLength: 8,
    }),
  },
);

const LABEL_KEYS = ['app', 'team', 'tier', 'constructor', 'toString', 'example.com/owner'] as const;
const labelKeyArb = fc.constantFrom(...LABEL_KEYS);
const labelValueArb = fc.constantFrom('a', 'b', 'api', '');
const labelsArb = fc.dictionary(labelKeyArb, labelValueArb, { maxKeys: 3 });

const requirementArb: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
  fc.record({
    key: labelKeyArb,
    operator: fc.constantFrom('In' as const, 'NotIn' as const),
    values: fc.array(labelValueArb, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ key: labelKeyArb, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
);
const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: labelsArb, matchExpressions: fc.array(requirementArb, { maxLength: 3 }) },
  { requiredKeys: [] },
);

const NAMESPACES = ['team-a', 'team-b', 'sandbox', 'ghost'] as const;
const SECRET_NAMES = ['db-credentials', 'api-config', 'unrelated', 'x'] as const;

const destinationArb: fc.Arbitrary<ExternalSecretDestination> = fc.record(
  {
    namespaceSelectors: fc.array(selectorArb, { maxLength: 3 }),
    labelSelectors: selectorArb,
    names: fc.array(fc.constantFrom(...SECRET_NAMES, 'nobody'), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const secretArb: fc.Arbitrary<GeneratedSecret> = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...SECRET_NAMES),
  labels: labelsArb,
  data: fc.array(fc.option(refArb, { nil: undefined }), { maxLength: 3 }),
  dataFrom: fc.array(
    fc.record({
      extract: fc.option(refArb, { nil: undefined }),
      regexp: fc.option(regexpArb, { nil: undefined }),
    }),
    { maxLength: 2 },
  ),
});
const secretsArb = fc.uniqueArray(secretArb, {
  selector: (secret) => `${secret.namespace}/${secret.name}`,
  maxLength: 10,
});

// "ghost" is never watched: a namespace the cache has not seen has no labels.
const namespacesArb = fc.record({ 'team-a': labelsArb, 'team-b': labelsArb, sandbox: labelsArb });

interface World {
  readonly secrets: readonly GeneratedSecret[];
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly destinations: readonly ExternalSecretDestination[];
  readonly rotated: string;
}

const worldArb: fc.Arbitrary<World> = fc.record({
  secrets: secretsArb,
  namespaces: namespacesArb,
  destinations: fc.array(
    fc.oneof({ weight: 1, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: destinationArb }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
  rotated: secretNameArb,
});

function caches(world: World): {
  externalSecrets: ExternalSecretCache;
  namespaces: NamespaceCache;
  invalid: string[];
} {
  const invalid: string[] = [];
  const externalSecrets = new ExternalSecretCache({
    invalidPattern: (secret, pattern) => invalid.push(`${refKey(secret)} ${pattern}`),
  });
  for (const secret of world.secrets) externalSecrets.upsert(toWatched(secret));
  externalSecrets.synced();
  const namespaces = new NamespaceCache();
  for (const [name, labels] of Object.entries(world.namespaces)) namespaces.upsert({ name, labels });
  namespaces.synced();
  return { externalSecrets, namespaces, invalid };
}

const keysOf = (secrets: readonly ExternalSecret[]): string[] => secrets.map(refKey).sort();

// ---- properties: matching -------------------------------------------------------------------------------

describe('matchExternalSecrets agrees with a linear-scan model', () => {
  it('selects exactly the ExternalSecrets that read the rotated secret and some destination selects', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { externalSecrets, namespaces } = caches(world);
        const selected = matchExternalSecrets(world.rotated, world.destinations, externalSecrets, namespaces);
        const labels = new Map(Object.entries(world.namespaces));
        expect(keysOf(selected)).toEqual(
          modelMatch(world.rotated, world.destinations, world.secrets, labels),
        );
        const byKey = new Map(world.secrets.map((secret) => [`${secret.namespace}/${secret.name}`, secret]));
        for (const secret of selected) {
          const generated = byKey.get(refKey(secret));
          expect(generated, refKey(secret)).toBeDefined();
          if (generated !== undefined)
            expect(modelReads(generated, world.rotated), refKey(secret)).toBe(true);
        }
        expect(new Set(keysOf(selected)).size, 'no ExternalSecret twice').toBe(selected.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('with a destination that selects everything, the readers are exactly the model readers', () => {
    fc.assert(
      fc.property(secretsArb, secretNameArb, (secrets, rotated) => {
        const { externalSecrets, namespaces } = caches({
          secrets,
          namespaces: {},
          destinations: [],
          rotated,
        });
        const expected = secrets
          .filter((secret) => modelReads(secret, rotated))
          .map((secret) => `${secret.namespace}/${secret.name}`)
          .sort();
        expect(keysOf(matchExternalSecrets(rotated, [{}], externalSecrets, namespaces))).toEqual(expected);
        expect(keysOf(externalSecrets.readersOf(rotated))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('reports every find.name.regexp that RE2 refuses, and no other', () => {
    fc.assert(
      fc.property(secretsArb, (secrets) => {
        const { invalid } = caches({ secrets, namespaces: {}, destinations: [], rotated: '' });
        const expected = secrets.flatMap((secret) =>
          secret.dataFrom
            .map((entry) => entry.regexp)
            .filter((pattern): pattern is string => pattern !== undefined && !isValidPattern(pattern))
            .map((pattern) => `${secret.namespace}/${secret.name} ${pattern}`),
        );
        expect(invalid.sort()).toEqual(expected.sort());
      }),
    );
  });

  it('keeps its index right through any sequence of updates and deletions', () => {
    const operationArb = fc.oneof(
      { weight: 3, arbitrary: secretArb.map((secret) => ({ op: 'upsert' as const, secret })) },
      { weight: 1, arbitrary: secretArb.map((secret) => ({ op: 'remove' as const, secret })) },
    );
    fc.assert(
      fc.property(
        fc.array(operationArb, { maxLength: 25 }),
        fc.array(secretNameArb, { minLength: 1, maxLength: 4 }),
        (operations, names) => {
          const cache = new ExternalSecretCache();
          const model = new Map<string, GeneratedSecret>();
          for (const { op, secret } of operations) {
            const key = `${secret.namespace}/${secret.name}`;
            if (op === 'upsert') {
              cache.upsert(toWatched(secret));
              model.set(key, secret);
            } else {
              cache.remove(toWatched(secret));
              model.delete(key);
            }
          }
          expect(cache.size).toBe(model.size);
          for (const name of names) {
            const expected = [...model.entries()]
              .filter(([, secret]) => modelReads(secret, name))
              .map(([key]) => key)
              .sort();
            expect(keysOf(cache.readersOf(name)), name).toEqual(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---- properties: which Key Vault object an event names -------------------------------------------------

const OBJECT_NAME = /^[0-9A-Za-z-]{1,127}$/;
// Key Vault names: 3–24 letters, digits and hyphens, a letter first, no hyphen last and never two in a row
// (`xn--…` would also be read by the URL parser as punycode, which Azure's rule keeps out).
const vaultArb = fc.stringMatching(/^[a-z](?:-?[a-z0-9]){2,23}$/).filter((vault) => vault.length <= 24);
const suffixArb = fc.constantFrom(
  'vault.azure.net',
  'vault.azure.cn',
  'vault.usgovcloudapi.net',
  'vault.microsoftazure.de',
  'managedhsm.azure.net',
);
const collectionArb = fc.constantFrom<KeyVaultCollection>('secrets', 'keys', 'certificates');
const objectNameArb = fc.stringMatching(OBJECT_NAME);
const objectVersionArb = fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined });

/** Strings that look more or less like Key Vault Ids, to get past the URL parser often. */
const idLikeArb = fc
  .tuple(
    fc.constantFrom('https://', 'HTTPS://', 'http://', 'https:/', 'https:///', ''),
    fc.oneof(
      vaultArb,
      fc.string({ maxLength: 8 }),
      fc.constantFrom('[::1]', '10.0.0.1', 'kv.vault.azure.net.', 'a..b'),
    ),
    fc.constantFrom('.vault.azure.net', '', '.', ':443', ':99999', '@evil.example'),
    fc.constantFrom(
      '/secrets/',
      '/keys/',
      '/certificates/',
      '/Secrets/',
      '/blobs/',
      '//secrets/',
      '/secrets/./',
    ),
    fc.oneof(
      objectNameArb,
      fc.string({ unit: 'binary', maxLength: 10 }),
      fc.constantFrom('..', '%2e%2e', 'a%2Fb', ''),
    ),
    fc.constantFrom('', '/', '/v1', '/v1/', '/v1/extra', '?api-version=7.4', '#frag', '/%00'),
  )
  .map((parts) => parts.join(''));

describe('Key Vault identity', () => {
  it('an Id built from any valid vault, object name and version parses back to exactly those parts', () => {
    fc.assert(
      fc.property(
        vaultArb,
        suffixArb,
        collectionArb,
        objectNameArb,
        objectVersionArb,
        fc.boolean(),
        fc.boolean(),
        (vault, suffix, collection, name, version, upperHost, trailingSlash) => {
          const host = `${vault}.${suffix}`;
          const id = `https://${upperHost ? host.toUpperCase() : host}/${collection}/${name}${version === undefined ? '' : `/${version}`}${trailingSlash ? '/' : ''}`;
          expect(parseKeyVaultObjectId(id)).toEqual({ vault, vaultHost: host, collection, name, version });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary text, and whatever it accepts is a well-formed, canonical reference', () => {
    fc.assert(
      fc.property(fc.oneof(idLikeArb, fc.string({ unit: 'binary' }), fc.webUrl()), (id) => {
        const parsed = parseKeyVaultObjectId(id);
        if (parsed === undefined) return;
        expect(['secrets', 'keys', 'certificates']).toContain(parsed.collection);
        expect(parsed.name).toMatch(OBJECT_NAME);
        expect(parsed.vault).not.toBe('');
        expect(parsed.vault).not.toContain('.');
        expect(parsed.vaultHost.startsWith(parsed.vault)).toBe(true);
        if (parsed.version !== undefined) {
          expect(parsed.version).not.toBe('');
          expect(parsed.version).not.toContain('/');
        }
        const rebuilt = `https://${parsed.vaultHost}/${parsed.collection}/${parsed.name}${parsed.version === undefined ? '' : `/${parsed.version}`}`;
        expect(parseKeyVaultObjectId(rebuilt), rebuilt).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  /** A data field name as the docs' samples spell it: any case, sometimes with stray spaces. */
  const spelling = (name: string) =>
    fc
      .tuple(fc.constantFrom(name, name.toLowerCase(), name.toUpperCase()), fc.constantFrom('', ' ', '  '))
      .map(([spelt, pad]) => `${spelt}${pad}`);

  const dataArb = fc
    .record(
      {
        Id: fc.tuple(spelling('Id'), fc.oneof(idLikeArb, fc.constant(undefined))),
        ObjectName: fc.tuple(spelling('ObjectName'), fc.option(objectNameArb, { nil: undefined })),
        VaultName: fc.tuple(spelling('VaultName'), fc.option(vaultArb, { nil: undefined })),
        Version: fc.tuple(spelling('Version'), objectVersionArb),
      },
      { requiredKeys: [] },
    )
    .map((fields) =>
      Object.fromEntries(
        Object.values(fields).flatMap(([key, value]) => (value === undefined ? [] : [[key, value] as const])),
      ),
    );

  it('refuses any ObjectName that is not a Key Vault object name, naming the field', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !OBJECT_NAME.test(text.trim())),
        (name) => {
          const data = keyVaultDataSchema.safeParse({ ObjectName: name });
          expect(data.success).toBe(false);
          expect(data.error?.issues[0]?.path).toEqual(['objectName']);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('identifies an object only by a valid Id, then ObjectName, then the subject, and never throws', () => {
    fc.assert(
      fc.property(
        dataArb,
        fc.oneof(
          objectNameArb,
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.constant('/subscriptions/x/providers/Microsoft.KeyVault/vaults/kv'),
        ),
        (raw, subject) => {
          const data = keyVaultDataSchema.safeParse(raw);
          expect(data.error).toBeUndefined();
          if (!data.success) return;
          const object = identifyKeyVaultObject(subject, data.data);
          const fromId = data.data.id === undefined ? undefined : parseKeyVaultObjectId(data.data.id);
          if (fromId !== undefined) {
            expect(object).toMatchObject({
              vault: fromId.vault,
              name: fromId.name,
              version: fromId.version ?? data.data.version,
            });
          } else if (data.data.objectName !== undefined) {
            expect(object?.name).toBe(data.data.objectName);
          } else if (OBJECT_NAME.test(subject.trim())) {
            expect(object?.name).toBe(subject.trim());
          } else if (object !== undefined) {
            expect(object.name).toMatch(OBJECT_NAME);
            expect(subject).toContain(`/${object.name}`);
          }
          if (object !== undefined) expect(object.name.trim()).not.toBe('');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
