// Keeps k8s/crds/config.yaml in step with the zod schema of the Config. The API server validates with
// the CRD, the listener with zod: a Config one accepts and the other rejects is either refused by
// `kubectl apply` although the listener would serve it, or stored and then reported Invalid. Each test
// runs the same manifests or values through both.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configStatus } from './config-status.js';
import { labelKeySchema, labelSelectorRequirementSchema, labelValueSchema } from './label-selector.js';
import { parseConfig } from './parse-config.js';
import {
  AZURE_EVENT_GRID,
  azureEventGridSchema,
  CONFIG_GROUP,
  CONFIG_KIND,
  CONFIG_PLURAL,
  CONFIG_VERSION,
  EXTERNAL_SECRET,
  externalSecretDestinationSchema,
  httpUrlSchema,
  OTHER_DESTINATION_TYPES,
  OTHER_SOURCE_TYPES,
  subscriptionNameSchema,
} from './schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CRD_FILE = `${ROOT}k8s/crds/config.yaml`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function step(value: unknown, key: string | number): unknown {
  if (typeof key === 'number') return Array.isArray(value) ? (value[key] as unknown) : undefined;
  return isRecord(value) ? value[key] : undefined;
}

/** Walks into parsed YAML; a missing step fails the test with the path, not a TypeError. */
function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const [index, key] of path.entries()) {
    current = step(current, key);
    if (current === undefined) throw new Error(`nothing at ${path.slice(0, index + 1).join('.')}`);
  }
  return current;
}

const crd: unknown = parse(readFileSync(CRD_FILE, 'utf8'));
const crdVersion = at(crd, 'spec', 'versions', 0);
const rootSchema = at(crdVersion, 'schema', 'openAPIV3Schema');
const specSchema = at(rootSchema, 'properties', 'spec');
const sourceSchema = at(specSchema, 'properties', 'notificationSources', 'items');
const eventGridSchema = at(sourceSchema, 'properties', 'azureEventGrid');
const destinationSchema = at(specSchema, 'properties', 'destinationsToWatch', 'items');
const externalSecretSchema = at(destinationSchema, 'properties', 'externalSecret');
const labelSelectorSchema = at(externalSecretSchema, 'properties', 'labelSelectors');
const namespaceSelectorSchema = at(externalSecretSchema, 'properties', 'namespaceSelectors', 'items');
const statusSchema = at(rootSchema, 'properties', 'status');

// ---------------------------------------------------------------------------------------------------
// A validator for the part of OpenAPI v3 that the CRD uses, with the API server's semantics: defaults
// first, unknown fields rejected (what `kubectl apply` does with its default strict validation) unless
// x-kubernetes-preserve-unknown-fields, CEL rules only on an otherwise valid object. A keyword or CEL rule
// it does not know throws, so the CRD cannot grow a constraint that this test silently skips.

type Schema = Readonly<Record<string, unknown>>;

const KEYWORDS = new Set([
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'default',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

/**
 * What each CEL rule of the CRD means. Kubernetes evaluates the rule text; this table says the same in
 * TypeScript, keyed by that exact text, so a changed rule fails here until its meaning is restated.
 */
const CEL_RULES: ReadonlyMap<string, (self: Readonly<Record<string, unknown>>) => boolean> = new Map([
  [
    `self.type != '${AZURE_EVENT_GRID}' || has(self.azureEventGrid)`,
    (self) => self['type'] !== AZURE_EVENT_GRID || self['azureEventGrid'] !== undefined,
  ],
  [
    'has(self.sharedSecret) || has(self.entraId)',
    (self) => self['sharedSecret'] !== undefined || self['entraId'] !== undefined,
  ],
  [
    'has(self.type) || has(self.externalSecret)',
    (self) => self['type'] !== undefined || self['externalSecret'] !== undefined,
  ],
  [
    "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
    (self) => {
      const count = Array.isArray(self['values']) ? self['values'].length : 0;
      return self['operator'] === 'In' || self['operator'] === 'NotIn' ? count > 0 : count === 0;
    },
  ],
]);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function asSchema(value: unknown, path: string): Schema {
  if (!isRecord(value)) throw new Error(`schema at ${path || '(root)'} is not an object`);
  for (const keyword of Object.keys(value)) {
    if (!KEYWORDS.has(keyword))
      throw new Error(`schema at ${path || '(root)'}: the test's validator does not know "${keyword}"`);
  }
  return value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function hasType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      throw new Error(`unknown schema type ${JSON.stringify(type)}`);
  }
}

function validateNode(schemaValue: unknown, value: unknown, path: string, errors: string[]): void {
  const schema = asSchema(schemaValue, path);
  const before = errors.length;
  const preserveUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const type = schema['type'];
  if (type === undefined) {
    if (!preserveUnknown) throw new Error(`schema at ${path}: no type (a structural schema needs one)`);
  } else if (!hasType(type, value)) {
    errors.push(`${path}: must be of type ${JSON.stringify(type)}`);
    return;
  }
  const allowed = schema['enum'];
  if (Array.isArray(allowed) && !allowed.includes(value))
    errors.push(`${path}: must be one of ${allowed.join(', ')}`);

  if (typeof value === 'string') validateString(schema, value, path, errors);
  else if (typeof value === 'number') validateNumber(schema, value, path, errors);
  else if (Array.isArray(value)) validateArray(schema, value, path, errors);
  else if (isRecord(value)) validateObject(schema, value, path, errors, preserveUnknown);

  if (errors.length > before) return;
  const rules = schema['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules) || !isRecord(value))
    throw new Error(`schema at ${path}: rules must be a list on an object`);
  for (const rule of rules) {
    const text = isRecord(rule) ? rule['rule'] : undefined;
    const check = typeof text === 'string' ? CEL_RULES.get(text) : undefined;
    if (check === undefined)
      throw new Error(`schema at ${path}: no meaning known for CEL rule ${JSON.stringify(text)}`);
    if (!check(value)) errors.push(`${path}: ${String(isRecord(rule) ? rule['message'] : text)}`);
  }
}

function validateString(schema: Schema, value: string, path: string, errors: string[]): void {
  // Counted in code points, as the API server counts a string's length.
  const length = Array.from(value).length;
  const { minLength, maxLength, pattern, format } = schema;
  if (typeof minLength === 'number' && length < minLength) errors.push(`${path}: shorter than ${minLength}`);
  if (typeof maxLength === 'number' && length > maxLength) errors.push(`${path}: longer than ${maxLength}`);
  if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value))
    errors.push(`${path}: must match ${pattern}`);
  if (format === 'date-time' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) {
    errors.push(`${path}: must be an RFC 3339 date-time`);
  } else if (format !== undefined && format !== 'date-time') {
    throw new Error(`schema at ${path}: unknown string format ${JSON.stringify(format)}`);
  }
}

function validateNumber(schema: Schema, value: number, path: string, errors: string[]): void {
  const { minimum, maximum, format } = schema;
  if (typeof minimum === 'number' && value < minimum) errors.push(`${path}: less than ${minimum}`);
  if (typeof maximum === 'number' && value > maximum) errors.push(`${path}: greater than ${maximum}`);
  if (format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) errors.push(`${path}: not an int32`);
  else if (format !== undefined && format !== 'int32' && format !== 'int64') {
    throw new Error(`schema at ${path}: unknown number format ${JSON.stringify(format)}`);
  }
}

function validateArray(schema: Schema, value: readonly unknown[], path: string, errors: string[]): void {
  const { minItems, maxItems, items } = schema;
  if (typeof minItems === 'number' && value.length < minItems)
    errors.push(`${path}: fewer than ${minItems} items`);
  if (typeof maxItems === 'number' && value.length > maxItems)
    errors.push(`${path}: more than ${maxItems} items`);
  if (items === undefined) throw new Error(`schema at ${path}: array without items`);
  value.forEach((item, index) => {
    validateNode(items, item, `${path}[${index}]`, errors);
  });
  if (schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'];
    if (!Array.isArray(keys)) throw new Error(`schema at ${path}: list-type map without map keys`);
    const seen = new Set(
      value.map((item) =>
        JSON.stringify(keys.map((key: unknown) => (isRecord(item) ? item[String(key)] : undefined))),
      ),
    );
    if (seen.size !== value.length) errors.push(`${path}: duplicate entries for ${keys.join(', ')}`);
  }
}

function validateObject(
  schema: Schema,
  value: Readonly<Record<string, unknown>>,
  path: string,
  errors: string[],
  preserveUnknown: boolean,
): void {
  const properties = schema['properties'];
  const additional = schema['additionalProperties'];
  if (properties === undefined && additional === undefined && !preserveUnknown) {
    // Only metadata is declared so; the API server checks it as ObjectMeta.
    if (path !== 'metadata') throw new Error(`schema at ${path}: object without properties`);
    if (typeof value['name'] !== 'string' || value['name'] === '')
      errors.push('metadata.name: Required value');
    return;
  }
  const declared = isRecord(properties) ? properties : {};
  const required = schema['required'];
  for (const key of Array.isArray(required) ? required : []) {
    if (typeof key !== 'string') throw new Error(`schema at ${path}: required holds ${String(key)}`);
    if (!(key in value)) errors.push(`${join(path, key)}: Required value`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key in declared) validateNode(declared[key], item, join(path, key), errors);
    else if (additional !== undefined) validateNode(additional, item, join(path, key), errors);
    else if (!preserveUnknown) errors.push(`${join(path, key)}: unknown field`);
  }
}

/** The API server's defaulting: a missing property with a default gets it, at any depth. */
function withDefaults(schemaValue: unknown, value: unknown): unknown {
  if (!isRecord(schemaValue)) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => withDefaults(schemaValue['items'], item));
  if (!isRecord(value)) return value;
  const properties = isRecord(schemaValue['properties']) ? schemaValue['properties'] : {};
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = withDefaults(key in properties ? properties[key] : schemaValue['additionalProperties'], item);
  }
  for (const [key, property] of Object.entries(properties)) {
    if (!(key in out) && isRecord(property) && 'default' in property)
      out[key] = structuredClone(property['default']);
  }
  return out;
}

/** What the API server would say about a value against a part of the CRD: [] when it is accepted. */
function crdErrors(schema: unknown, value: unknown, path = ''): string[] {
  const errors: string[] = [];
  validateNode(schema, withDefaults(schema, value), path, errors);
  return errors;
}

/** Both validators' verdicts on a whole manifest, with their messages for the failure output. */
function verdicts(manifest: unknown): {
  zod: boolean;
  crd: boolean;
  zodErrors: readonly string[];
  crdErrors: readonly string[];
} {
  const result = parseConfig(manifest);
  const errors = crdErrors(rootSchema, manifest);
  return {
    zod: result.ok,
    crd: errors.length === 0,
    zodErrors: result.ok ? [] : result.errors,
    crdErrors: errors,
  };
}

// ---------------------------------------------------------------------------------------------------

function manifestsIn(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as unknown)
    .filter((manifest) => manifest !== null && manifest !== undefined);
}

const CONFIG_FILES = [
  ...readdirSync(`${ROOT}fixtures/configs`)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `fixtures/configs/${name}`),
  'k8s/config-example.yaml',
];

/** A minimal valid Config, fresh for each case to change. */
function baseConfig(): {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown[]>;
} {
  return {
    apiVersion: `${CONFIG_GROUP}/${CONFIG_VERSION}`,
    kind: CONFIG_KIND,
    metadata: { name: 'case' },
    spec: {
      notificationSources: [
        {
          type: AZURE_EVENT_GRID,
          azureEventGrid: { host: '0.0.0.0', port: 8080, subscriptions: ['kv-rotation'] },
        },
      ],
      destinationsToWatch: [{ type: EXTERNAL_SECRET, externalSecret: {} }],
    },
  };
}

type Spec = ReturnType<typeof baseConfig>['spec'];
const withSource = (source: unknown) => (spec: Spec) => {
  spec['notificationSources'] = [source];
};
const withEventGrid = (body: unknown) => withSource({ type: AZURE_EVENT_GRID, azureEventGrid: body });
const withDestination = (destination: unknown) => (spec: Spec) => {
  spec['destinationsToWatch'] = [destination];
};
const withSelector = (labelSelectors: unknown) =>
  withDestination({ type: EXTERNAL_SECRET, externalSecret: { labelSelectors } });
const withRequirement = (requirement: unknown) => withSelector({ matchExpressions: [requirement] });

function configWith(change: (spec: Spec) => void): unknown {
  const config = baseConfig();
  change(config.spec);
  return config;
}

describe('the Config CRD (k8s/crds/config.yaml)', () => {
  it('names the resource the listener watches', () => {
    expect(at(crd, 'spec', 'group')).toBe(CONFIG_GROUP);
    expect(at(crd, 'spec', 'scope')).toBe('Cluster');
    expect(at(crd, 'spec', 'names', 'kind')).toBe(CONFIG_KIND);
    expect(at(crd, 'spec', 'names', 'plural')).toBe(CONFIG_PLURAL);
    expect(at(crd, 'metadata', 'name')).toBe(`${CONFIG_PLURAL}.${CONFIG_GROUP}`);
    expect(at(crdVersion, 'name')).toBe(CONFIG_VERSION);
    expect(at(crdVersion, 'served')).toBe(true);
    expect(at(crdVersion, 'storage')).toBe(true);
    // The listener patches /status (KubeCluster.updateConfigStatus); without the subresource that 404s.
    expect(at(crdVersion, 'subresources', 'status')).toEqual({});
  });

  it('is structural, and uses only what this test understands', () => {
    const visit = (schema: unknown, path: string): void => {
      const node = asSchema(schema, path);
      const typed = node['type'] !== undefined || node['x-kubernetes-preserve-unknown-fields'] === true;
      expect(typed, `${path}: no type`).toBe(true);
      const rules = node['x-kubernetes-validations'];
      for (const rule of Array.isArray(rules) ? rules : []) {
        expect(CEL_RULES.has(String(step(rule, 'rule'))), `${path}: ${JSON.stringify(rule)}`).toBe(true);
      }
      const properties = node['properties'];
      if (isRecord(properties))
        for (const [key, child] of Object.entries(properties)) visit(child, join(path, key));
      if (node['items'] !== undefined) visit(node['items'], `${path}[]`);
      if (isRecord(node['additionalProperties'])) visit(node['additionalProperties'], `${path}{}`);
    };
    visit(rootSchema, '');
  });

  it.each(CONFIG_FILES)('accepts %s, as the listener does', (file) => {
    const manifests = manifestsIn(`${ROOT}${file}`);
    expect(manifests.length).toBeGreaterThan(0);
    for (const manifest of manifests) {
      expect(verdicts(manifest)).toMatchObject({ zod: true, crd: true, crdErrors: [] });
    }
  });

  const valid: readonly (readonly [string, (spec: Spec) => void])[] = [
    ['host and port left to their defaults', withEventGrid({ subscriptions: ['kv-rotation', 'KV-2'] })],
    ['a 64-character subscription name', withEventGrid({ subscriptions: ['a'.repeat(64)] })],
    ['port 1', withEventGrid({ port: 1, subscriptions: ['abc'] })],
    ['port 65535', withEventGrid({ port: 65535, subscriptions: ['abc'] })],
    [
      'another Reloader source with its own body',
      withSource({ type: 'AwsSqs', awsSqs: { queueURL: 'https://sqs', auth: { any: ['thing'] } } }),
    ],
    [
      'a destination typed by its body alone',
      withDestination({ externalSecret: { names: ['db-credentials'] } }),
    ],
    [
      'another Reloader destination with its strategies',
      withDestination({ type: 'Deployment', deployment: { x: 1 }, updateStrategy: { operation: 'Patch' } }),
    ],
    ['an ExternalSecret destination without a body', withDestination({ type: EXTERNAL_SECRET })],
    [
      'endpoint authentication with both methods',
      withEventGrid({
        subscriptions: ['abc'],
        auth: {
          sharedSecret: {
            secretRef: { namespace: 'ns', name: 's', key: 'k', previousKey: 'p' },
            header: 'X-Key',
          },
          entraId: {
            tenantId: 't',
            audience: 'api://a',
            issuers: ['https://login.microsoftonline.com/t/v2.0'],
          },
        },
      }),
    ],
    ['Exists without values', withRequirement({ key: 'example.com/tier', operator: 'Exists' })],
    [
      'DoesNotExist with an empty values list',
      withRequirement({ key: 'tier', operator: 'DoesNotExist', values: [] }),
    ],
    ['NotIn with values', withRequirement({ key: 'tier', operator: 'NotIn', values: ['a', 'b-c.d_e'] })],
    ['matchLabels with an empty value', withSelector({ matchLabels: { 'example.com/tier': '' } })],
    [
      'every ExternalSecret field at once',
      withDestination({
        type: EXTERNAL_SECRET,
        externalSecret: {
          namespaceSelectors: [
            { matchLabels: { team: 'a' } },
            { matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] },
          ],
          labelSelectors: {
            matchLabels: { app: 'api' },
            matchExpressions: [{ key: 'tier', operator: 'Exists' }],
          },
          names: ['api-config'],
        },
      }),
    ],
  ];

  it.each(valid)('accepts %s, as the listener does', (_name, change) => {
    expect(verdicts(configWith(change))).toMatchObject({ zod: true, crd: true, crdErrors: [] });
  });

  // Each case names the field both validators must blame, so a case cannot pass for another reason.
  const invalid: readonly { name: string; change: (spec: Spec) => void; zodPath: string; crdPath: string }[] =
    [
      {
        name: 'port 0',
        change: withEventGrid({ port: 0, subscriptions: ['abc'] }),
        zodPath: 'azureEventGrid.port',
        crdPath: 'azureEventGrid.port',
      },
      {
        name: 'port 65536',
        change: withEventGrid({ port: 65536, subscriptions: ['abc'] }),
        zodPath: 'azureEventGrid.port',
        crdPath: 'azureEventGrid.port',
      },
      {
        name: 'a fractional port',
        change: withEventGrid({ port: 8080.5, subscriptions: ['abc'] }),
        zodPath: 'azureEventGrid.port',
        crdPath: 'azureEventGrid.port',
      },
      {
        name: 'a port given as a string',
        change: withEventGrid({ port: '8080', subscriptions: ['abc'] }),
        zodPath: 'azureEventGrid.port',
        crdPath: 'azureEventGrid.port',
      },
      {
        name: 'an empty host',
        change: withEventGrid({ host: '', subscriptions: ['abc'] }),
        zodPath: 'azureEventGrid.host',
        crdPath: 'azureEventGrid.host',
      },
      {
        name: 'a subscription name with a slash',
        change: withEventGrid({ subscriptions: ['kv/rotation'] }),
        zodPath: 'subscriptions[0]',
        crdPath: 'subscriptions[0]',
      },
      {
        name: 'a two-character subscription name',
        change: withEventGrid({ subscriptions: ['kv'] }),
        zodPath: 'subscriptions[0]',
        crdPath: 'subscriptions[0]',
      },
      {
        name: 'a 65-character subscription name',
        change: withEventGrid({ subscriptions: ['a'.repeat(65)] }),
        zodPath: 'subscriptions[0]',
        crdPath: 'subscriptions[0]',
      },
      {
        name: 'missing subscriptions',
        change: withEventGrid({ port: 8080 }),
        zodPath: 'azureEventGrid.subscriptions',
        crdPath: 'azureEventGrid.subscriptions',
      },
      {
        name: 'no subscriptions',
        change: withEventGrid({ subscriptions: [] }),
        zodPath: 'azureEventGrid.subscriptions',
        crdPath: 'azureEventGrid.subscriptions',
      },
      {
        name: 'an AzureEventGrid source without its body',
        change: withSource({ type: AZURE_EVENT_GRID }),
        zodPath: 'notificationSources[0].azureEventGrid',
        crdPath: 'notificationSources[0]',
      },
      {
        name: 'no notification sources',
        change: (spec) => {
          spec['notificationSources'] = [];
        },
        zodPath: 'spec.notificationSources',
        crdPath: 'spec.notificationSources',
      },
      {
        name: 'missing notification sources',
        change: (spec) => {
          delete spec['notificationSources'];
        },
        zodPath: 'spec.notificationSources',
        crdPath: 'spec.notificationSources',
      },
      {
        name: 'missing destinations',
        change: (spec) => {
          delete spec['destinationsToWatch'];
        },
        zodPath: 'spec.destinationsToWatch',
        crdPath: 'spec.destinationsToWatch',
      },
      {
        name: 'no destinations',
        change: (spec) => {
          spec['destinationsToWatch'] = [];
        },
        zodPath: 'spec.destinationsToWatch',
        crdPath: 'spec.destinationsToWatch',
      },
      {
        name: 'a destination with neither type nor externalSecret',
        change: withDestination({ updateStrategy: { operation: 'Patch' } }),
        zodPath: 'destinationsToWatch[0].type',
        crdPath: 'destinationsToWatch[0]',
      },
      {
        name: 'an unknown operator',
        change: withRequirement({ key: 'tier', operator: 'Equals', values: ['a'] }),
        zodPath: 'matchExpressions[0].operator',
        crdPath: 'matchExpressions[0].operator',
      },
      {
        name: 'In without values',
        change: withRequirement({ key: 'tier', operator: 'In' }),
        zodPath: 'matchExpressions[0].values',
        crdPath: 'matchExpressions[0]',
      },
      {
        name: 'Exists with values',
        change: withRequirement({ key: 'tier', operator: 'Exists', values: ['a'] }),
        zodPath: 'matchExpressions[0].values',
        crdPath: 'matchExpressions[0]',
      },
      {
        name: 'a requirement without a key',
        change: withRequirement({ operator: 'Exists' }),
        zodPath: 'matchExpressions[0].key',
        crdPath: 'matchExpressions[0].key',
      },
      {
        name: 'a bad label key',
        change: withRequirement({ key: 'Bad Key', operator: 'Exists' }),
        zodPath: 'matchExpressions[0].key',
        crdPath: 'matchExpressions[0].key',
      },
      {
        name: 'a bad label value',
        change: withSelector({ matchLabels: { tier: 'not ok!' } }),
        zodPath: 'matchLabels.tier',
        crdPath: 'matchLabels.tier',
      },
      {
        name: 'a bad value in values',
        change: withRequirement({ key: 'tier', operator: 'In', values: ['-a'] }),
        zodPath: 'values[0]',
        crdPath: 'values[0]',
      },
      {
        name: 'auth without a method',
        change: withEventGrid({ subscriptions: ['abc'], auth: {} }),
        zodPath: 'azureEventGrid.auth',
        crdPath: 'azureEventGrid.auth',
      },
      {
        name: 'a shared secret without its key',
        change: withEventGrid({
          subscriptions: ['abc'],
          auth: { sharedSecret: { secretRef: { namespace: 'ns', name: 's' } } },
        }),
        zodPath: 'secretRef.key',
        crdPath: 'secretRef.key',
      },
      {
        name: 'a shared secret header that is no header name',
        change: withEventGrid({
          subscriptions: ['abc'],
          auth: { sharedSecret: { secretRef: { namespace: 'ns', name: 's', key: 'k' }, header: 'x key' } },
        }),
        zodPath: 'sharedSecret.header',
        crdPath: 'sharedSecret.header',
      },
      {
        name: 'an empty name',
        change: withDestination({ type: EXTERNAL_SECRET, externalSecret: { names: [''] } }),
        zodPath: 'names[0]',
        crdPath: 'names[0]',
      },
    ];

  it.each(invalid)('rejects $name, as the listener does', ({ change, zodPath, crdPath }) => {
    const result = verdicts(configWith(change));
    expect(result).toMatchObject({ zod: false, crd: false });
    // The blamed path must end at the field, not merely contain it (an unknown field beside it would).
    const blames = (errors: readonly string[], path: string) =>
      errors.some((error) => error.split(': ')[0]?.endsWith(path) === true);
    expect(blames(result.zodErrors.join('; ').split('; '), zodPath), result.zodErrors.join('; ')).toBe(true);
    expect(blames(result.crdErrors, crdPath), result.crdErrors.join('; ')).toBe(true);
  });

  it('offers exactly the source and destination types of schema.ts', () => {
    expect(at(sourceSchema, 'properties', 'type', 'enum')).toEqual([AZURE_EVENT_GRID, ...OTHER_SOURCE_TYPES]);
    expect(at(destinationSchema, 'properties', 'type', 'enum')).toEqual([
      EXTERNAL_SECRET,
      ...OTHER_DESTINATION_TYPES,
    ]);
  });

  it('has a body field for every type, named as the Reloader names them (AwsSqs: awsSqs, TCPSocket: tcpSocket)', () => {
    const bodyKey = (type: string) =>
      type.replace(/^[A-Z]+(?=[A-Z][a-z])|^[A-Z]/, (head) => head.toLowerCase());
    const sourceFields = Object.keys(at(sourceSchema, 'properties') as object).sort();
    expect(sourceFields).toEqual(['type', ...[AZURE_EVENT_GRID, ...OTHER_SOURCE_TYPES].map(bodyKey)].sort());
    const destinationFields = Object.keys(at(destinationSchema, 'properties') as object).sort();
    const reloaderStrategies = ['matchStrategy', 'updateStrategy', 'waitStrategy'];
    expect(destinationFields).toEqual(
      ['type', ...reloaderStrategies, ...[EXTERNAL_SECRET, ...OTHER_DESTINATION_TYPES].map(bodyKey)].sort(),
    );
    for (const type of OTHER_SOURCE_TYPES) {
      expect(at(sourceSchema, 'properties', bodyKey(type), 'x-kubernetes-preserve-unknown-fields')).toBe(
        true,
      );
    }
    for (const type of OTHER_DESTINATION_TYPES) {
      expect(at(destinationSchema, 'properties', bodyKey(type), 'x-kubernetes-preserve-unknown-fields')).toBe(
        true,
      );
    }
  });

  it('offers exactly the operators of label-selector.ts', () => {
    const operators = labelSelectorRequirementSchema.shape.operator.options;
    for (const selector of [labelSelectorSchema, namespaceSelectorSchema]) {
      expect(
        at(selector, 'properties', 'matchExpressions', 'items', 'properties', 'operator', 'enum'),
      ).toEqual(operators);
    }
  });

  it('defaults host and port as the listener does', () => {
    const zodDefaults = azureEventGridSchema.parse({ subscriptions: ['kv-rotation'] });
    expect(at(eventGridSchema, 'properties', 'host', 'default')).toBe(zodDefaults.host);
    expect(at(eventGridSchema, 'properties', 'port', 'default')).toBe(zodDefaults.port);

    // The API server stores the defaulted body; the listener must read it as it reads the bare one.
    const bare = configWith(withEventGrid({ subscriptions: ['kv-rotation'] }));
    const stored = withDefaults(rootSchema, bare);
    expect(at(stored, 'spec', 'notificationSources', 0, 'azureEventGrid')).toEqual(zodDefaults);
    const [fromBare, fromStored] = [parseConfig(bare), parseConfig(stored)];
    expect(fromStored).toEqual(fromBare);
  });

  it('has defaults that its own schema accepts', () => {
    for (const field of ['host', 'port']) {
      const property = at(eventGridSchema, 'properties', field);
      expect(crdErrors(property, at(property, 'default'), field)).toEqual([]);
    }
  });

  describe('agrees with zod on every value of a field', () => {
    const alphanumeric = fc.constantFrom(...Array.from('abcXYZ019'));
    const agree = (schema: unknown, zodAccepts: (value: unknown) => boolean) => (value: unknown) => {
      expect(crdErrors(schema, value, 'value').length === 0, JSON.stringify(value)).toBe(zodAccepts(value));
    };
    /**
     * Every special character alone, at the start, in the middle and at the end, always; then random
     * short strings of letters, digits and the specials, and long ones around the length limit (random
     * ones, mostly invalid, and of letters and digits only, valid but for the length).
     */
    const agreeOnStrings = (
      schema: unknown,
      zodAccepts: (value: unknown) => boolean,
      specials: readonly string[],
      longest: number,
      more: readonly fc.Arbitrary<string>[] = [],
    ) => {
      const check = agree(schema, zodAccepts);
      for (const special of ['', ...specials]) {
        for (const value of [special, `${special}ab`, `a${special}b`, `ab${special}`]) check(value);
      }
      const unit = fc.oneof(alphanumeric, fc.constantFrom(...specials));
      const strings = fc.oneof(
        fc.string({ unit, maxLength: 8 }),
        fc.string({ unit, minLength: longest - 4, maxLength: longest + 4 }),
        fc.string({ unit: alphanumeric, minLength: longest - 2, maxLength: longest + 2 }),
        ...more,
      );
      fc.assert(fc.property(strings, check), { numRuns: 300 });
    };

    it('subscription names', () => {
      agreeOnStrings(
        at(eventGridSchema, 'properties', 'subscriptions', 'items'),
        (value) => subscriptionNameSchema.safeParse(value).success,
        ['-', '_', '/', '.', ' ', 'é', '%'],
        64,
      );
    });

    it('issuer and key-set URLs: what the CRD refuses, zod refuses; what zod takes, the CRD stores', () => {
      const entraId = at(eventGridSchema, 'properties', 'auth', 'properties', 'entraId', 'properties');
      for (const schema of [at(entraId, 'jwksUri'), at(entraId, 'issuers', 'items')]) {
        const crdAccepts = (value: string) => crdErrors(schema, value, 'value').length === 0;
        const zodAccepts = (value: string) => httpUrlSchema.safeParse(value).success;
        for (const value of ['https://login.microsoftonline.com/t/v2.0', 'http://127.0.0.1:8080/keys']) {
          expect([crdAccepts(value), zodAccepts(value)], value).toEqual([true, true]);
        }
        for (const value of ['', 'login.microsoftonline.com', 'ftp://x/keys', 'mailto:a@b', 'https://a b']) {
          expect([crdAccepts(value), zodAccepts(value)], value).toEqual([false, false]);
        }
        const urls = fc.oneof(
          fc.webUrl(),
          fc.string({ maxLength: 20 }),
          fc.string().map((tail) => `https://${tail}`),
        );
        fc.assert(
          fc.property(urls, (value) => {
            if (zodAccepts(value)) expect(crdAccepts(value), value).toBe(true);
            if (!crdAccepts(value)) expect(zodAccepts(value), value).toBe(false);
          }),
          { numRuns: 500 },
        );
      }
    });

    it('ports', () => {
      const ports = fc.oneof(
        fc.integer({ min: -10, max: 70_000 }),
        fc.constantFrom(0, 1, 65_535, 65_536, 2 ** 31, 80.5),
        fc.double(),
      );
      fc.assert(
        fc.property(
          ports,
          agree(
            at(eventGridSchema, 'properties', 'port'),
            (value) => azureEventGridSchema.shape.port.safeParse(value).success,
          ),
        ),
      );
    });

    it('hosts', () => {
      fc.assert(
        fc.property(
          fc.string({ maxLength: 4 }),
          agree(
            at(eventGridSchema, 'properties', 'host'),
            (value) => azureEventGridSchema.shape.host.safeParse(value).success,
          ),
        ),
      );
    });

    // Both selector fields share one shape in zod (labelSelectorSchema); the CRD spells it out twice.
    const selectors = { labelSelectors: labelSelectorSchema, namespaceSelectors: namespaceSelectorSchema };

    it.each(Object.entries(selectors))('label values, in %s', (_field, selector) => {
      const zodAccepts = (value: unknown) => labelValueSchema.safeParse(value).success;
      const expression = at(selector, 'properties', 'matchExpressions', 'items');
      for (const schema of [
        at(selector, 'properties', 'matchLabels', 'additionalProperties'),
        at(expression, 'properties', 'values', 'items'),
      ]) {
        agreeOnStrings(schema, zodAccepts, ['-', '_', '.', '/', ' ', '!'], 63);
      }
    });

    it.each(Object.entries(selectors))('label keys, in %s', (_field, selector) => {
      const specials = ['-', '_', '.', '/', ' '];
      // Well-formed prefixed keys of every length up to past the limit, so only the length decides.
      const long = fc
        .tuple(fc.integer({ min: 1, max: 320 }), fc.integer({ min: 1, max: 20 }))
        .map(([prefix, name]) => `${'a'.repeat(prefix)}/${'b'.repeat(name)}`);
      const prefixed = fc
        .tuple(
          fc.string({ unit: fc.constantFrom('a', '0', '-', '.', 'A'), maxLength: 12 }),
          fc.string({ unit: fc.oneof(alphanumeric, fc.constantFrom(...specials)), maxLength: 12 }),
        )
        .map(([prefix, name]) => `${prefix}/${name}`);
      const known = fc.constantFrom('a.b/c', 'example.com/tier', 'a/b/c', 'A.b/c', 'a..b/c', '-a/b', 'a/_b');
      agreeOnStrings(
        at(selector, 'properties', 'matchExpressions', 'items', 'properties', 'key'),
        (value) => labelKeySchema.safeParse(value).success,
        specials,
        317,
        [long, prefixed, known],
      );
    });

    it('ExternalSecret names', () => {
      fc.assert(
        fc.property(
          fc.string({ maxLength: 3 }),
          agree(
            at(externalSecretSchema, 'properties', 'names', 'items'),
            (value) => externalSecretDestinationSchema.safeParse({ names: [value] }).success,
          ),
        ),
      );
    });
  });

  describe('status', () => {
    const config = manifestsIn(`${ROOT}k8s/config-example.yaml`)[0];
    const parsed = parseConfig(config);
    const now = new Date('2026-01-02T03:04:05.678Z').toISOString();
    const reports = {
      serving: {
        served: new Map([['keyvault-rotation', [{ endpoint: '0.0.0.0:8080', paths: ['/kv-rotation'] }]]]),
        conflicts: [],
        bindErrors: [],
      },
      conflict: {
        served: new Map(),
        conflicts: [
          { endpoint: '0.0.0.0:8080', path: '/kv-rotation', owner: 'other', claimant: 'keyvault-rotation' },
        ],
        bindErrors: [{ endpoint: '0.0.0.0:8080', configs: ['keyvault-rotation'], error: 'EADDRINUSE' }],
      },
    };

    it.each(Object.entries(reports))('accepts what the listener writes when %s', (_name, report) => {
      const status = configStatus(parsed, report, 3, now);
      expect(crdErrors(statusSchema, status, 'status')).toEqual([]);
    });

    it('accepts what the listener writes for an invalid Config', () => {
      const status = configStatus(
        parseConfig(configWith(withEventGrid({ port: 0, subscriptions: ['abc'] }))),
        reports.serving,
        undefined,
        now,
      );
      expect(crdErrors(statusSchema, status, 'status')).toEqual([]);
    });

    it('accepts Unknown, which ConfigStatus allows although the listener writes True and False today', () => {
      const status = configStatus(parsed, reports.serving, 3, now);
      const conditions = status.conditions.map((condition) => ({ ...condition, status: 'Unknown' }));
      expect(crdErrors(statusSchema, { ...status, conditions }, 'status')).toEqual([]);
    });

    it('rejects what it should, so the checks above could fail', () => {
      const status = configStatus(parsed, reports.serving, 3, now);
      const [first] = status.conditions;
      expect(first).toBeDefined();
      const broken = [
        { ...status, observedGeneration: -1 },
        { ...status, extra: true },
        { ...status, conditions: [{ ...first, status: 'Maybe' }] },
        { ...status, conditions: [{ ...first, lastTransitionTime: 'yesterday' }] },
        { ...status, conditions: [{ ...first, reason: '' }] },
        { ...status, conditions: [first, first] },
      ];
      for (const value of broken)
        expect(crdErrors(statusSchema, value, 'status'), JSON.stringify(value)).not.toEqual([]);
    });

    it('shows the Ready condition the listener writes in kubectl get', () => {
      const columns = at(crdVersion, 'additionalPrinterColumns');
      expect(columns).toContainEqual(
        expect.objectContaining({ name: 'Ready', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }),
      );
      expect(
        configStatus(parsed, reports.serving, 3, now).conditions.map((condition) => condition.type),
      ).toContain('Ready');
    });
  });
});
