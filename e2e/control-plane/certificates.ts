import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ControlPlaneError } from './control-plane-error.js';
import { runCommand } from './run-command.js';

export interface KeyPair {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface ServiceAccountKeys {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

export interface CertificateRequest {
  readonly directory: string;
  /** File stem: `<baseName>.crt` and `<baseName>.key`. */
  readonly baseName: string;
  readonly commonName: string;
  /** Kubernetes reads O= as group names. */
  readonly organizations?: readonly string[];
  readonly usage: 'server' | 'client';
  /** openssl syntax, e.g. `IP:127.0.0.1`, `DNS:localhost`. */
  readonly subjectAltNames?: readonly string[];
}

// ECDSA P-256 keys cost milliseconds where RSA-2048 costs a good fraction of a second each; Go's TLS,
// Node's TLS and the service-account token signer (ES256) all accept them.
const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const validDays = '365';

// Names land in an openssl config file, where `$`, quotes and newlines mean something; Kubernetes user
// and group names in tests (`system:serviceaccount:ns:name`, `listener@example`) never need them.
const safeName = /^[A-Za-z0-9][A-Za-z0-9:._@-]*$/;

export async function createCertificateAuthority(directory: string): Promise<KeyPair> {
  const pair = { certPath: join(directory, 'ca.crt'), keyPath: join(directory, 'ca.key') };
  await withConfig(
    directory,
    'ca',
    configText({ commonName: 'reloader-e2e-ca', organizations: [] }, [
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
    ]),
    (config) => [
      'req',
      '-x509',
      '-new',
      '-config',
      config,
      ...keyArgs,
      '-keyout',
      pair.keyPath,
      '-out',
      pair.certPath,
      '-days',
      validDays,
    ],
  );
  return pair;
}

export async function issueCertificate(ca: KeyPair, request: CertificateRequest): Promise<KeyPair> {
  for (const name of [request.commonName, ...(request.organizations ?? [])]) {
    if (!safeName.test(name)) {
      throw new ControlPlaneError(
        'OPENSSL_FAILED',
        `certificate: name ${JSON.stringify(name)} has characters outside [A-Za-z0-9:._@-]`,
      );
    }
  }
  const pair = {
    certPath: join(request.directory, `${request.baseName}.crt`),
    keyPath: join(request.directory, `${request.baseName}.key`),
  };
  const extensions = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage = ${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ];
  if (request.subjectAltNames !== undefined && request.subjectAltNames.length > 0) {
    extensions.push(`subjectAltName = ${request.subjectAltNames.join(',')}`);
  }
  await withConfig(
    request.directory,
    request.baseName,
    configText({ commonName: request.commonName, organizations: request.organizations ?? [] }, extensions),
    (config) => [
      'req',
      '-x509',
      '-new',
      '-config',
      config,
      ...keyArgs,
      '-keyout',
      pair.keyPath,
      '-out',
      pair.certPath,
      '-days',
      validDays,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
    ],
  );
  return pair;
}

export async function createServiceAccountKeys(directory: string): Promise<ServiceAccountKeys> {
  const keys = { privateKeyPath: join(directory, 'sa.key'), publicKeyPath: join(directory, 'sa.pub') };
  await openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-out',
    keys.privateKeyPath,
  ]);
  await openssl(['pkey', '-in', keys.privateKeyPath, '-pubout', '-out', keys.publicKeyPath]);
  return keys;
}

// A config of our own instead of -subj/-addext: Debian's default openssl.cnf adds CA:true to every
// `req -x509` certificate, which would make each leaf a CA.
function configText(
  subject: { commonName: string; organizations: readonly string[] },
  extensions: readonly string[],
): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    ...subject.organizations.map((organization, index) => `${index}.O = ${organization}`),
    `CN = ${subject.commonName}`,
    '[ext]',
    ...extensions,
    '',
  ].join('\n');
}

async function withConfig(
  directory: string,
  stem: string,
  text: string,
  args: (configPath: string) => string[],
): Promise<void> {
  const configPath = join(directory, `${stem}.openssl.cnf`);
  await writeFile(configPath, text);
  try {
    await openssl(args(configPath));
  } finally {
    await rm(configPath, { force: true });
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await runCommand('openssl', args);
  } catch (error: unknown) {
    throw new ControlPlaneError('OPENSSL_FAILED', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}
