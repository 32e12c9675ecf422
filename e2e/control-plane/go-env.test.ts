import { describe, expect, it } from 'vitest';

import { registryOnlyGoEnv, withoutDirect } from './go-env.js';

describe('the Go environment for building the control plane', () => {
  it.each([
    [undefined, 'https://proxy.golang.org'],
    ['', 'https://proxy.golang.org'],
    ['direct', 'https://proxy.golang.org'],
    ['https://proxy.golang.org,direct', 'https://proxy.golang.org'],
    [
      'https://corp.example/go|https://proxy.golang.org,direct',
      'https://corp.example/go|https://proxy.golang.org',
    ],
    ['direct,https://corp.example/go', 'https://corp.example/go'],
    ['https://corp.example/go,off', 'https://corp.example/go,off'],
    ['off', 'off'],
  ])('GOPROXY=%s builds with %s', (given, expected) => {
    expect(withoutDirect(given)).toBe(expected);
  });

  it('keeps the rest of the environment and turns cgo off', () => {
    const env = registryOnlyGoEnv({ GOPROXY: 'https://proxy.golang.org,direct', GOFLAGS: '-buildvcs=false' });
    expect(env).toEqual({
      GOPROXY: 'https://proxy.golang.org',
      GOFLAGS: '-buildvcs=false',
      CGO_ENABLED: '0',
    });
  });
});
