const DEFAULT_PROXY = 'https://proxy.golang.org';

/**
 * The environment for building the control plane: modules come from the module proxy only. Go's usual
 * `GOPROXY=…,direct` would fetch a module the proxy lacks straight from its VCS host, a download from
 * outside the package registries that this project promises not to make. A proxy the user chose is
 * kept (and `off`, which forbids downloads altogether); only `direct` entries go. CGO is off, as in
 * upstream's release builds.
 */
export function registryOnlyGoEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GOPROXY: withoutDirect(env['GOPROXY']), CGO_ENABLED: '0' };
}

/** `https://a,direct` → `https://a`; `direct` or unset → the public proxy; `off` stays `off`. */
export function withoutDirect(goproxy: string | undefined): string {
  // Entries are separated by `,` (fall through on 404/410) or `|` (on any error); keep each kept
  // entry's separator from the one before it.
  const parts = (goproxy ?? '').split(/([,|])/);
  let kept = '';
  for (let index = 0; index < parts.length; index += 2) {
    const entry = (parts[index] ?? '').trim();
    if (entry === '' || entry === 'direct') continue;
    kept += kept === '' ? entry : `${parts[index - 1] ?? ','}${entry}`;
  }
  return kept === '' ? DEFAULT_PROXY : kept;
}
