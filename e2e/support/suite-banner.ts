import { inject } from 'vitest';

/** One line per suite, so a CI log says which Kubernetes each suite ran against. */
export function announceSuite(name: string): void {
  process.stderr.write(
    `[e2e] ${name}: Kubernetes ${inject('e2eKubernetesVersion')} (${inject('e2eClusterProvider')} provider)\n`,
  );
}
