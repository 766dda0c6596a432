import { ApiObject } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { newTestApp, synthApp, SynthResult } from './harness/synth';

const IMAGE = (n: string) => `ghcr.io/acme/${n}:1.0.0`;

/** The same program, optionally with one more service that calls `orders`. */
function program(withExtra: boolean): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop');
  const orders = new arch.Microservice(shop, 'orders', { image: IMAGE('orders'), context: 'ordering' });
  const payments = new arch.Microservice(shop, 'payments', { image: IMAGE('payments'), context: 'payments' });
  const users = new arch.Microservice(shop, 'users', { image: IMAGE('users'), context: 'identity' });
  if (withExtra) {
    const returns = new arch.Microservice(shop, 'returns', { image: IMAGE('returns'), context: 'ordering' });
    returns.uses(orders);
  }
  orders.uses(payments);
  payments.uses(users);
  return synthApp(app);
}

describe('GitOps-friendly output', () => {
  let before: SynthResult;
  let after: SynthResult;
  beforeAll(() => {
    before = program(false);
    after = program(true);
  });

  test('adding a service adds its file and changes only the files of what it uses', () => {
    const changed = [...after.files.keys()].filter((f) => before.files.get(f) !== after.files.get(f));
    expect(changed).toEqual(['shop-orders.k8s.yaml', 'shop-returns.k8s.yaml']);
    // and in orders' file, only its NetworkPolicy gained an ingress rule
    const diff = after.byFile.get('shop-orders.k8s.yaml')!.filter((o, i) => JSON.stringify(o) !== JSON.stringify(before.byFile.get('shop-orders.k8s.yaml')![i]));
    expect(diff.map((o) => o.kind)).toEqual(['NetworkPolicy']);
  });

  test('both versions pass every invariant', () => {
    expect(checkAll(before.objects)).toEqual([]);
    expect(checkAll(after.objects)).toEqual([]);
  });

  test('file names carry no index prefix or hash', () => {
    for (const f of after.files.keys()) expect(f).toMatch(/^shop-[a-z-]+\.k8s\.yaml$/);
  });
});

test('two architectures in one app write separate files', () => {
  const app = newTestApp();
  const a = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
  const b = new arch.BackendArchitecture(app, 'blog', { profile: arch.Profile.DEVELOPMENT });
  new arch.Microservice(a, 'orders', { image: IMAGE('orders'), context: 'shop-ordering' });
  new arch.Microservice(b, 'posts', { image: IMAGE('posts'), context: 'blog-content' });
  const out = synthApp(app);
  expect([...out.files.keys()]).toEqual(['blog-namespaces.k8s.yaml', 'blog-posts.k8s.yaml', 'shop-namespaces.k8s.yaml', 'shop-orders.k8s.yaml']);
  expect(checkAll(out.objects)).toEqual([]);
});

test('BackendArchitecture.of finds the architecture; the default profile is production', () => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { clusterDomain: 'corp.internal' });
  const orders = new arch.Microservice(shop, 'orders', { image: IMAGE('orders') });
  expect(arch.BackendArchitecture.of(orders)).toBe(shop);
  expect(shop.profile).toBe(arch.Profile.PRODUCTION);
  expect(orders.namespace).toBe('shop');
  expect(orders.host).toBe('orders.shop.svc.corp.internal');
  expect(arch.BackendArchitecture.isBackendArchitecture(orders)).toBe(false);
});

test('the chart rendering keeps cdk8s\' dependency order when objects of a chart depend on each other', () => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop');
  const chart = shop._newComponentChart(shop, 'ordered');
  const first = new ApiObject(chart, 'a-first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } });
  const second = new ApiObject(chart, 'b-second', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second' } });
  const third = new ApiObject(chart, 'c-third', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'third' } });
  first.addDependency(third); // third must come before first
  second.addDependency(first);
  const out = synthApp(app);
  const names = out.byFile.get('shop-ordered.k8s.yaml')!.map((o) => o.metadata.name);
  expect(names).toEqual(['third', 'first', 'second']);
  expect(JSON.parse(JSON.stringify(chart.toJson())).map((o: any) => o.metadata.name)).toEqual(names);
});

test('the linear-time chart rendering equals cdk8s\' own per-chart rendering', () => {
  const app = newTestApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../examples/reference-architecture').build(app);
  const out = synthApp(app); // App.synth(): the fast path
  expect(app.charts.length).toBe(out.files.size);
  for (const chart of app.charts) {
    // a direct toJson() after synth takes cdk8s' full path (validate + resolve the whole app)
    expect(JSON.parse(JSON.stringify(chart.toJson()))).toEqual(out.byFile.get(`${chart.node.id}.k8s.yaml`));
  }
});
