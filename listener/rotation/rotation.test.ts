import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toExternalSecret, type ExternalSecret } from '../cluster/external-secret.js';
import { ExternalSecretCache } from './external-secret-cache.js';
import { selectorMatches } from './label-selector-match.js';
import { destinationSelects } from './matcher.js';
import { annotationIgnoredBecause } from './refresh-policy.js';
import { secretNameFromKey, secretReferences } from './secret-references.js';

function es(
  namespace: string,
  name: string,
  spec: unknown,
  labels: Record<string, string> = {},
): ExternalSecret {
  const secret = toExternalSecret({ metadata: { namespace, name, labels }, spec });
  if (secret === undefined) throw new Error('bad fixture');
  return secret;
}

describe('ESO Azure key forms', () => {
  it.each([
    ['db-password', 'db-password'],
    ['secret/db-password', 'db-password'],
    ['DB-Password', 'db-password'],
    ['cert/db-password', undefined],
    ['key/db-password', undefined],
    ['secret/', undefined],
    ['', undefined],
  ])('%s → %s', (key, name) => {
    expect(secretNameFromKey(key)).toBe(name);
  });

  it('ignores references pinned to a version', () => {
    const refs = secretReferences({
      data: [{ remoteRef: { key: 'a', version: 'v1' } }, { remoteRef: { key: 'b' } }],
    });
    expect([...refs.names]).toEqual(['b']);
  });

  it('compiles find.name.regexp as RE2 and reports invalid patterns', () => {
    const refs = secretReferences({
      dataFrom: [
        { find: { name: { regexp: '^db-' } } },
        { find: { name: { regexp: '(a' } } },
        { find: { name: { regexp: '(a)\\1' } } },
      ],
    });
    expect(refs.patterns).toHaveLength(1);
    expect(refs.invalidPatterns.map((invalid) => invalid.pattern)).toEqual(['(a', '(a)\\1']);
  });
});

describe('ExternalSecretCache index', () => {
  it('finds readers by exact key (case-insensitive) and by unanchored regexp', () => {
    const cache = new ExternalSecretCache();
    cache.upsert(es('a', 'exact', { data: [{ remoteRef: { key: 'DB-Password' } }] }));
    cache.upsert(es('a', 'extract', { dataFrom: [{ extract: { key: 'secret/db-password' } }] }));
    cache.upsert(es('a', 'regexp', { dataFrom: [{ find: { name: { regexp: 'pass' } } }] }));
    cache.upsert(es('a', 'other', { data: [{ remoteRef: { key: 'other' } }] }));
    expect(
      cache
        .readersOf('db-password')
        .map((secret) => secret.name)
        .sort(),
    ).toEqual(['exact', 'extract', 'regexp']);
  });

  it('re-indexes on update and forgets on delete', () => {
    const cache = new ExternalSecretCache();
    cache.upsert(es('a', 'x', { data: [{ remoteRef: { key: 'one' } }] }));
    cache.upsert(es('a', 'x', { data: [{ remoteRef: { key: 'two' } }] }));
    expect(cache.readersOf('one')).toEqual([]);
    expect(cache.readersOf('two')).toHaveLength(1);
    cache.remove(es('a', 'x', {}));
    expect(cache.readersOf('two')).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('survives junk specs', () => {
    const cache = new ExternalSecretCache();
    cache.upsert(es('a', 'junk', { data: 'nope', dataFrom: [{ find: 5 }, null] }));
    expect(cache.readersOf('anything')).toEqual([]);
  });

  it('a catastrophic-for-backtracking pattern runs in linear time (RE2)', () => {
    const cache = new ExternalSecretCache();
    cache.upsert(es('a', 'evil', { dataFrom: [{ find: { name: { regexp: '^(a+)+$' } } }] }));
    expect(cache.readersOf(`${'a'.repeat(100)}!`)).toEqual([]);
  });
});

describe('label selectors', () => {
  const labels = { app: 'my-app', tier: 'db' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'my-app' } }, true],
    [{ matchLabels: { app: 'other' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['db', 'cache'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['db'] }] }, false],
    [{ matchExpressions: [{ key: 'missing', operator: 'NotIn' as const, values: ['x'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' as const }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' as const }] }, false],
    [
      {
        matchLabels: { app: 'my-app' },
        matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web'] }],
      },
      false,
    ],
  ])('%j → %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('does not read inherited properties as labels', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(
      false,
    );
  });
});

describe('destinations', () => {
  const secret = es('team-a', 'db', {}, { app: 'my-app' });
  const ns = (name: string) => (name === 'team-a' ? { reloader: 'enabled' } : {});

  it('requires every given filter, and any one namespace selector', () => {
    expect(destinationSelects({}, secret, ns)).toBe(true);
    expect(destinationSelects({ names: ['db'] }, secret, ns)).toBe(true);
    expect(destinationSelects({ names: ['other'] }, secret, ns)).toBe(false);
    expect(
      destinationSelects(
        { namespaceSelectors: [{ matchLabels: { x: 'y' } }, { matchLabels: { reloader: 'enabled' } }] },
        secret,
        ns,
      ),
    ).toBe(true);
    expect(
      destinationSelects(
        {
          namespaceSelectors: [{ matchLabels: { reloader: 'enabled' } }],
          labelSelectors: { matchLabels: { app: 'else' } },
        },
        secret,
        ns,
      ),
    ).toBe(false);
  });

  it('a matcher never selects an ExternalSecret that reads nothing of the rotated name (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/), (read, rotated) => {
        fc.pre(read !== rotated);
        const cache = new ExternalSecretCache();
        cache.upsert(es('n', 'x', { data: [{ remoteRef: { key: read } }] }));
        expect(cache.readersOf(rotated)).toEqual([]);
      }),
    );
  });
});

describe('refresh policies ESO ignores annotations under', () => {
  it.each([
    [{ refreshPolicy: 'CreatedOnce' }, true],
    [{ refreshInterval: '0' }, true],
    [{ refreshInterval: '0s' }, true],
    [{ refreshInterval: '0m0s', refreshPolicy: 'Periodic' }, true],
    [{ refreshInterval: '0s', refreshPolicy: 'OnChange' }, false],
    [{ refreshInterval: '1h' }, false],
    [{}, false],
  ])('%j → %s', (spec, ignored) => {
    expect(annotationIgnoredBecause(es('n', 'x', spec)) !== undefined).toBe(ignored);
  });
});
