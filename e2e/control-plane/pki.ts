import { mkdir } from 'node:fs/promises';

import {
  createCertificateAuthority,
  createServiceAccountKeys,
  issueCertificate,
  type KeyPair,
  type ServiceAccountKeys,
} from './certificates.js';

export interface ControlPlanePki {
  readonly directory: string;
  /** One CA signs the serving certificate and every client certificate, as in envtest. */
  readonly ca: KeyPair;
  readonly serving: KeyPair;
  readonly admin: KeyPair;
  readonly serviceAccount: ServiceAccountKeys;
}

export async function createControlPlanePki(directory: string): Promise<ControlPlanePki> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority(directory);
  const [serving, admin, serviceAccount] = await Promise.all([
    // kube-apiserver expects apiserver.crt/.key in --cert-dir; the names keep that convention.
    issueCertificate(ca, {
      directory,
      baseName: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      subjectAltNames: ['IP:127.0.0.1', 'DNS:localhost'],
    }),
    // system:masters bypasses RBAC entirely; non-admin users come from createUser instead.
    issueCertificate(ca, {
      directory,
      baseName: 'admin',
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    }),
    createServiceAccountKeys(directory),
  ]);
  return { directory, ca, serving, admin, serviceAccount };
}
