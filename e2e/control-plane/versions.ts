/**
 * The releases the builder modules pin. They must match builders/kube-apiserver/go.mod and
 * builders/etcd/go.mod: the cache folder is keyed by them, and the kube-apiserver version is
 * stamped into the binary so GET /version tells the truth.
 */
export const KUBERNETES_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.6.16';
