import { KubeConfig, VersionApi } from '@kubernetes/client-node';

/** GET /version through the kubeconfig, as any client would see it. */
export async function readServerVersion(kubeconfigPath: string): Promise<string> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const info = await config.makeApiClient(VersionApi).getCode();
  return info.gitVersion;
}
