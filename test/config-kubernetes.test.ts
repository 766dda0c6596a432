import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';

const IMAGE = 'ghcr.io/acme/orders:1.4.2';

function build(profile: arch.Profile, options: arch.KubernetesConfigOptions): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const config = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.kubernetes(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering' });
  const payments = new arch.Microservice(shop, 'payments', { image: IMAGE, context: 'payments' });
  orders.uses(config);
  payments.uses(config);
  return synthApp(app);
}

const OPTIONS: arch.KubernetesConfigOptions = {
  entries: {
    'log.format': arch.ConfigValue.string('json'),
    'http.max-connections': arch.ConfigValue.number(200),
    'features': arch.ConfigValue.json({ search: true, beta: { checkout: false } }),
  },
  overlays: {
    production: { 'log.format': arch.ConfigValue.string('ecs') },
    development: { 'log.format': arch.ConfigValue.string('text') },
  },
  applications: {
    orders: {
      'orders.page-size': arch.ConfigValue.number(50),
      'orders.db-password': arch.ConfigValue.secret({ secretName: 'orders-db', key: 'password' }),
      'orders.audit': arch.ConfigValue.bool(true),
    },
  },
};

describe('production', () => {
  let out: SynthResult;
  beforeAll(() => { out = build(arch.Profile.PRODUCTION, OPTIONS); });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('one immutable, content-hashed ConfigMap per consumer, in the consumer\'s namespace, with the overlay applied', () => {
    const cms = find(out.objects, 'ConfigMap');
    expect(cms.map((c) => `${c.metadata.namespace}/${c.metadata.name.replace(/-[0-9a-f]{10}$/, '-<hash>')}`).sort()).toEqual([
      'ordering/config-orders-<hash>', 'payments/config-payments-<hash>',
    ]);
    const orders = cms.find((c) => c.metadata.namespace === 'ordering')!;
    expect(orders.immutable).toBe(true);
    expect(orders.data).toEqual({
      'features': '{"beta":{"checkout":false},"search":true}',
      'http.max-connections': '200',
      'log.format': 'ecs',
      'orders.audit': 'true',
      'orders.page-size': '50',
    });
    expect(JSON.stringify(orders.data)).not.toContain('password');
  });

  test('the consumer reads every key as a variable; credentials by Secret reference', () => {
    const d = one(out.objects, 'Deployment', 'orders', 'ordering');
    const env = envOf(d);
    const cm = find(out.objects, 'ConfigMap').find((c) => c.metadata.namespace === 'ordering')!.metadata.name;
    expect(env.CONFIG_CENTER_TYPE).toBe('kubernetes');
    expect(env.CONFIG_MAP_NAME).toBe(cm);
    expect(env.LOG_FORMAT).toEqual({ configMapKeyRef: { name: cm, key: 'log.format' } });
    expect(env.ORDERS_PAGE_SIZE).toEqual({ configMapKeyRef: { name: cm, key: 'orders.page-size' } });
    expect(env.ORDERS_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-db', key: 'password' } });
    expect(d.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('orders-db');
    expect(d.spec.template.metadata.annotations['cdk8s-architect.dev/external-configmaps']).toBeUndefined();
  });

  test('no RBAC: values arrive as env vars and pods mount no API token, so no Role is granted', () => {
    expect(find(out.objects, 'Role')).toEqual([]);
    expect(find(out.objects, 'RoleBinding')).toEqual([]);
    expect(one(out.objects, 'Deployment', 'orders', 'ordering').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('superseded versions are pruned last by Argo CD (after the new version is applied and healthy)', () => {
    for (const cm of find(out.objects, 'ConfigMap')) {
      expect(cm.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
      expect(cm.immutable).toBe(true);
    }
  });

  test('no network edges and no pods: the API server serves the configuration', () => {
    expect(one(out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.egress).toBeUndefined();
    expect(out.files.has('shop-config.k8s.yaml')).toBe(true);
    expect(find(out.objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['orders', 'payments']);
  });
});

test('a changed value changes the ConfigMap\'s name (the consumer rolls); the same value keeps it', () => {
  const name = (o: SynthResult) => find(o.objects, 'ConfigMap').find((c) => c.metadata.namespace === 'ordering')!.metadata.name;
  const a = build(arch.Profile.PRODUCTION, OPTIONS);
  const b = build(arch.Profile.PRODUCTION, OPTIONS);
  const c = build(arch.Profile.PRODUCTION, { ...OPTIONS, entries: { ...OPTIONS.entries, 'log.format': arch.ConfigValue.string('logfmt') } });
  const d = build(arch.Profile.DEVELOPMENT, OPTIONS);
  const e = build(arch.Profile.PRODUCTION, { ...OPTIONS, entries: { ...OPTIONS.entries, 'http.max-connections': arch.ConfigValue.number(300) } });
  expect(name(a)).toBe(name(b));
  expect(name(c)).toBe(name(a)); // the production overlay still wins
  expect(name(e)).not.toBe(name(a));
  expect(name(d)).not.toBe(name(a));
  expect(find(d.objects, 'ConfigMap').find((x) => x.metadata.namespace === 'ordering')!.data['log.format']).toBe('text');
  expect(checkAll(d.objects)).toEqual([]);
});

describe('validation', () => {
  function expectError(options: arch.KubernetesConfigOptions, value: string, fix: RegExp): void {
    let message = '';
    try {
      build(arch.Profile.PRODUCTION, options);
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toContain('[shop/config]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  }
  test('a key that is not a valid ConfigMap key', () => {
    expectError({ entries: { 'log level': arch.ConfigValue.string('x') } }, '"log level"', /valid ConfigMap key|letters, digits/);
  });
  test('a credential given as a plain value (a Secret value where a plain value is expected)', () => {
    expectError({ entries: { 'db.password': arch.ConfigValue.string('hunter2') } }, '"db.password"', /ConfigValue.secret/);
  });
  test('a Secret reference where the shared entries declare a plain value (the reverse)', () => {
    expectError({
      entries: { 'log.format': arch.ConfigValue.string('json') },
      applications: { orders: { 'log.format': arch.ConfigValue.secret({ secretName: 's', key: 'k' }) } },
    }, '"log.format"', /either a credential/);
  });
  test('an overlay for a profile that does not exist', () => {
    expectError({ overlays: { staging: {} } }, '"staging"', /"development" or "production"/);
  });
  test('a value that cannot be rendered', () => {
    expectError({ entries: { ratio: arch.ConfigValue.number(Infinity) } }, '"ratio"', /finite number/);
  });
  test('two keys that map to the same variable', () => {
    expectError({ entries: { 'a.b': arch.ConfigValue.string('1'), 'a-b': arch.ConfigValue.string('2') } }, 'A_B', /rename one/);
  });
});
