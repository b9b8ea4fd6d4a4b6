import { describe, expect, it } from 'vitest';
import { BundleSchema } from '../../src/domain/bundle/bundle.js';
import { BundleOverrideSchema, withOverrides, withRegistry } from '../../src/domain/bundle/overrides.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('withRegistry', () => {
  it.each([
    // The repository path stays: only the registry changes.
    ['registry.example.com/team/app:1', 'eu.registry.example.com', 'eu.registry.example.com/team/app:1'],
    ['registry.example.com/team/app:1', 'eu.gcr.io/acme', 'eu.gcr.io/acme/team/app:1'],
    ['ghcr.io/org/team/app:v1.2.3', 'mirror.example.com', 'mirror.example.com/org/team/app:v1.2.3'],
    // Digests, with and without a tag, are kept as they are.
    [`registry.example.com/team/app@${DIGEST}`, 'mirror.example.com', `mirror.example.com/team/app@${DIGEST}`],
    [`registry.example.com/team/app:1@${DIGEST}`, 'mirror.example.com', `mirror.example.com/team/app:1@${DIGEST}`],
    // A port belongs to the registry host, not to a tag.
    ['host:5000/app', 'mirror.example.com', 'mirror.example.com/app'],
    ['host:5000/team/app:2', 'mirror.example.com:5443/proxy', 'mirror.example.com:5443/proxy/team/app:2'],
    ['localhost/app:1', 'mirror.example.com', 'mirror.example.com/app:1'],
    // Docker Hub: a single name is library/<name>, however it is spelled.
    ['nginx:1', 'mirror.example.com', 'mirror.example.com/library/nginx:1'],
    ['nginx', 'mirror.example.com', 'mirror.example.com/library/nginx'],
    ['library/nginx:1', 'mirror.example.com', 'mirror.example.com/library/nginx:1'],
    ['docker.io/library/nginx:1.27', 'mirror.example.com', 'mirror.example.com/library/nginx:1.27'],
    ['docker.io/nginx', 'mirror.example.com', 'mirror.example.com/library/nginx'],
    // A Docker Hub user's image: the first component has no dot or port, so it is a path.
    ['acme/web:2', 'mirror.example.com', 'mirror.example.com/acme/web:2'],
  ])('moves %s to %s as %s', (image, registry, expected) => {
    expect(withRegistry(image, registry)).toBe(expected);
  });
});

const bundle = BundleSchema.parse({
  name: 'shop',
  revision: 'v2',
  manifests: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: { spec: { initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [{ name: 'web', image: 'registry.example.com/team/web:2' }] } } },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { image: 'registry.example.com/team/web:2' } },
  ],
});
const overrides = (...list: unknown[]) => list.map((o) => BundleOverrideSchema.parse(o));
type Pod = { spec: { template: { spec: { initContainers: { image: string }[]; containers: { image: string }[] } } } };
const images = (b: typeof bundle) => {
  const d = (b.manifests[0] as unknown as Pod).spec.template.spec;
  return [...d.initContainers, ...d.containers].map((c) => c.image);
};

describe('withOverrides and image registries', () => {
  it('moves every container image, keeping its repository path, and leaves a ConfigMap key named image alone', () => {
    const out = withOverrides(bundle, overrides({ selector: {}, imageRegistry: 'eu.registry.example.com' }));
    expect(images(out)).toEqual(['eu.registry.example.com/library/busybox:1.36', 'eu.registry.example.com/team/web:2']);
    expect((out.manifests[1] as unknown as { data: { image: string } }).data.image).toBe('registry.example.com/team/web:2');
  });

  it('takes the last matching registry once, rather than nesting one registry inside another', () => {
    const out = withOverrides(bundle, overrides({ selector: {}, imageRegistry: 'eu.gcr.io/acme' }, { selector: {}, imageRegistry: 'mirror.example.com' }));
    expect(images(out)).toEqual(['mirror.example.com/library/busybox:1.36', 'mirror.example.com/team/web:2']);
  });

  it('moves an image that a merge patch set, whatever the order of the overrides', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/team/web:3' }] } } } };
    const out = withOverrides(bundle, overrides({ selector: {}, imageRegistry: 'mirror.example.com' }, { selector: {}, match: { kind: 'Deployment' }, merge: patch }));
    expect(images(out)).toEqual(['mirror.example.com/library/busybox:1.36', 'mirror.example.com/team/web:3']);
  });
});
