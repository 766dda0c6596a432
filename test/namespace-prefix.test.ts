import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { K8sObject, newTestApp, synthApp } from './harness/synth';
import { build } from '../examples/reference-architecture';

/** Namespaces outside the architecture that its objects may name (cluster DNS, control planes). */
const EXTERNAL = new Set(['kube-system', 'envoy-gateway-system', 'istio-system', 'linkerd']);

/** Every namespace name the objects refer to, with where: metadata, selectors, addresses, principals, embedded configuration. */
function namespaceReferences(objects: K8sObject[]): Array<{ where: string; value: string }> {
  const found: Array<{ where: string; value: string }> = [];
  const text = (where: string, s: string) => {
    for (const m of s.matchAll(/[a-z0-9-]+\.([a-z0-9-]+)\.svc\b/g)) found.push({ where: `${where} (address ${m[0]})`, value: m[1] });
    for (const m of s.matchAll(/\/ns\/([a-z0-9-]+)\/sa\//g)) found.push({ where: `${where} (principal)`, value: m[1] });
    // configuration files embedded in ConfigMaps (prometheus.yml, ...): walk them as data too
    if (s.includes('\n') && /namespace/.test(s)) {
      try {
        const doc = yaml.load(s);
        if (doc && typeof doc === 'object') walk(`${where} (embedded)`, doc, undefined);
      } catch { /* not YAML */ }
    }
  };
  const walk = (where: string, x: unknown, key: string | undefined): void => {
    if (typeof x === 'string') {
      if (key === 'namespace' || key === 'kubernetes.io/metadata.name' || key === 'namespaces' || key === 'names') {
        if (key !== 'names' || where.includes('namespaces')) found.push({ where: `${where}.${key}`, value: x });
      }
      text(where, x);
    } else if (Array.isArray(x)) {
      x.forEach((v) => walk(key === 'names' || key === 'namespaces' || key === 'values' ? `${where}.${key}` : where, v, key));
    } else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      // label selectors on namespaces: matchExpressions { key: kubernetes.io/metadata.name, values: [...] }
      if (o.key === 'kubernetes.io/metadata.name' && Array.isArray(o.values)) {
        for (const v of o.values) found.push({ where: `${where} (matchExpressions)`, value: String(v) });
      }
      for (const [k, v] of Object.entries(o)) walk(k === 'namespaces' ? `${where}.namespaces` : where, v, k);
    }
  };
  for (const o of objects) walk(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o, undefined);
  return found;
}

describe.each([
  ['istio', arch.MeshEngine.istio()],
  ['linkerd', arch.MeshEngine.linkerd()],
])('the reference architecture with namespacePrefix "blue" (%s)', (_name, mesh) => {
  let plain: arch.BackendArchitecture;
  let prefixed: arch.BackendArchitecture;
  let objects: K8sObject[];
  let plainObjects: K8sObject[];
  let allText: string;
  beforeAll(() => {
    const a = newTestApp();
    plain = build(a, arch.Profile.PRODUCTION, mesh).shop;
    plainObjects = synthApp(a).objects;
    const b = newTestApp();
    prefixed = build(b, arch.Profile.PRODUCTION, mesh, 'blue').shop;
    const result = synthApp(b);
    objects = result.objects;
    allText = [...result.files.values()].join('\n');
  });

  test('every namespace is the unprefixed one with the prefix', () => {
    expect(prefixed.namespaceNames).toEqual(plain.namespaceNames.map((n) => `blue-${n}`).sort());
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual(prefixed.namespaceNames);
  });

  test('every reference to a namespace names a prefixed namespace of the architecture or an external one', () => {
    const refs = namespaceReferences(objects);
    expect(refs.length).toBeGreaterThan(100);
    const ours = new Set(prefixed.namespaceNames);
    const bad = refs.filter((r) => !ours.has(r.value) && !EXTERNAL.has(r.value));
    expect(bad).toEqual([]);
    // the same walk over the unprefixed output finds the unprefixed names, so it sees every kind of reference
    const plainRefs = namespaceReferences(plainObjects);
    expect(plainRefs.length).toBe(refs.length);
  });

  test('no unprefixed namespace appears as an address, a namespace field or a principal', () => {
    for (const ns of plain.namespaceNames) {
      const escaped = ns.replace(/-/g, '\\-');
      expect(allText).not.toMatch(new RegExp(`\\.${escaped}\\.svc\\b`));
      expect(allText).not.toMatch(new RegExp(`namespace: ${escaped}$`, 'm'));
      expect(allText).not.toMatch(new RegExp(`/ns/${escaped}/`));
      expect(allText).not.toMatch(new RegExp(`kubernetes.io/metadata.name: ${escaped}$`, 'm'));
    }
  });

  test('passes every invariant', () => {
    expect(checkAll(objects)).toEqual([]);
  });
});

test('two prefixed copies of one architecture synthesize side by side in one cluster', () => {
  const blue = newTestApp();
  build(blue, arch.Profile.PRODUCTION, arch.MeshEngine.istio(), 'blue');
  const green = newTestApp();
  build(green, arch.Profile.PRODUCTION, arch.MeshEngine.istio(), 'green');
  const key = (o: K8sObject) => `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  const blueKeys = new Set(synthApp(blue).objects.filter((o) => o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding').map(key));
  const clash = synthApp(green).objects.map(key).filter((k) => blueKeys.has(k));
  expect(clash).toEqual([]);
});

describe('namespacePrefix validation', () => {
  test('a prefix that is not a DNS label fails with the path, value and fix', () => {
    expect(() => new arch.BackendArchitecture(new App(), 'shop', { namespacePrefix: 'Blue_' }))
      .toThrow(/\[shop\] namespacePrefix "Blue_" is not a valid DNS-1123 label\. Fix: /);
  });

  test('a prefixed namespace longer than 63 characters fails naming the component', () => {
    const shop = new arch.BackendArchitecture(new App(), 'shop', { namespacePrefix: 'p'.repeat(40) });
    expect(() => new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.0.0', context: 'c'.repeat(30) }))
      .toThrow(/\[shop\/orders\] namespace "p{40}-c{30}" \(namespacePrefix "p{40}" \+ "c{30}"\) is not a valid DNS-1123 label\. Fix: shorten the namespacePrefix or the namespace name: together with the "-" they must fit in 63 characters \(71 now\)/);
  });

  test('explicit namespaces are prefixed too; addNamespace refuses an unprefixed one', () => {
    const shop = new arch.BackendArchitecture(new App(), 'shop', { namespacePrefix: 'blue' });
    const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.dns(), namespace: 'platform' });
    expect(registry.namespace).toBe('blue-platform');
    expect(shop.namespaceFor('ordering')).toBe('blue-ordering');
    expect(() => shop.addNamespace(shop, 'platform')).toThrow(/namespace "platform" lacks the architecture's namespacePrefix "blue"\. Fix: name it with architecture\.namespaceFor\("platform"\)/);
  });

  test('two architectures with different prefixes share an app; the same bounded context no longer collides', () => {
    const app = newTestApp();
    for (const p of ['blue', 'green']) {
      const a = new arch.BackendArchitecture(app, p, { namespacePrefix: p });
      new arch.Microservice(a, 'orders', { image: 'ghcr.io/acme/orders:1.0.0', context: 'ordering' });
    }
    const out = synthApp(app);
    expect(out.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual(['blue-ordering', 'green-ordering']);
    expect(fs.existsSync(path.join(app.outdir, 'blue-orders', 'blue-orders.k8s.yaml'))).toBe(true);
    // one root kustomization.yaml over both architectures, their namespaces first
    expect(fs.readFileSync(path.join(app.outdir, 'kustomization.yaml'), 'utf8')).toMatch(/resources:\n {2}- blue-namespaces\n {2}- green-namespaces\n/);
  });
});
