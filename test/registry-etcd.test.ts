import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { applyUse } from '../src/internal/uses';

const IMAGE = 'ghcr.io/acme/orders:1.4.2';

function build(profile: arch.Profile, engine: arch.IRegistryEngine): { out: SynthResult; registry: arch.Registry } {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const registry = new arch.Registry(shop, 'registry', { engine });
  const orders = new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering' });
  orders.uses(registry);
  return { out: synthApp(app), registry };
}

function args(out: SynthResult): string[] {
  return one(out.objects, 'StatefulSet', 'registry', 'registry').spec.template.spec.containers[0].args;
}

describe('etcd, production', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => { r = build(arch.Profile.PRODUCTION, arch.RegistryEngine.etcd()); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('static bootstrap: three members with ordinal-derived peer URLs', () => {
    const a = args(r.out);
    const host = (i: number) => `registry-${i}.registry-headless.registry.svc.cluster.local`;
    // TLS by default in production
    expect(a).toContain(`--initial-cluster=${[0, 1, 2].map((i) => `registry-${i}=https://${host(i)}:2380`).join(',')}`);
    expect(a).toContain('--initial-cluster-state=new');
    expect(a).toContain('--initial-cluster-token=shop-registry');
    expect(a).toContain('--name=$(POD_NAME)');
    expect(a).toContain('--initial-advertise-peer-urls=https://$(POD_NAME).registry-headless.registry.svc.cluster.local:2380');
    expect(a).toContain('--advertise-client-urls=https://$(POD_NAME).registry-headless.registry.svc.cluster.local:2379');
    const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers[0].env).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('compaction, quota and metrics settings', () => {
    const a = args(r.out);
    expect(a).toEqual(expect.arrayContaining([
      '--auto-compaction-mode=periodic', '--auto-compaction-retention=60m',
      `--quota-backend-bytes=${2 * 1024 ** 3}`, '--listen-metrics-urls=http://0.0.0.0:8080',
    ]));
  });

  test('probes use /readyz and /livez on the metrics port', () => {
    const c = one(r.out.objects, 'StatefulSet', 'registry', 'registry').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8080, scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet.path).toBe('/livez');
  });

  test('quorum-keeping disruption budget and persistent storage', () => {
    expect(one(r.out.objects, 'PodDisruptionBudget', 'registry', 'registry').spec.minAvailable).toBe(2);
    const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
  });

  test('defragmentation CronJob, allowed to reach the client port only', () => {
    const cron = one(r.out.objects, 'CronJob', 'registry-defrag', 'registry');
    expect(cron.spec.schedule).toBe('17 3 * * 0');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/usr/local/bin/etcdctl']);
    expect(c.args.slice(-2)).toEqual(['defrag', '--cluster']);
    const np = one(r.out.objects, 'NetworkPolicy', 'registry-defrag', 'registry');
    expect(np.spec.egress[0].ports).toEqual([{ port: 2379, protocol: 'TCP' }]);
  });

  test('a consumer gets endpoints and registration metadata, and an edge to 2379 only', () => {
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    const endpoints = [0, 1, 2].map((i) => `https://registry-${i}.registry-headless.registry.svc.cluster.local:2379`).join(',');
    expect(env).toMatchObject({
      SERVICE_REGISTRY_TYPE: 'etcd',
      SERVICE_REGISTRY_ADDRESS: endpoints,
      ETCD_ENDPOINTS: endpoints,
      SERVICE_REGISTRATION_NAME: 'orders',
      SERVICE_REGISTRATION_HOST: { fieldRef: { fieldPath: 'status.podIP' } },
      SERVICE_REGISTRATION_PORT: '8080',
      SERVICE_REGISTRATION_PROTOCOL: 'http',
      SERVICE_REGISTRATION_HEALTH_PATH: '/readyz',
    });
    const egress = one(r.out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.egress;
    expect(egress).toHaveLength(1);
    expect(egress[0].ports).toEqual([{ port: 2379, protocol: 'TCP' }]);
    expect(r.registry.address).toBe(endpoints);
  });
});

describe('etcd, development', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => { r = build(arch.Profile.DEVELOPMENT, arch.RegistryEngine.etcd({ defragmentationSchedule: '' })); });
  test('one member on an emptyDir, no PDB, no CronJob; passes every invariant', () => {
    const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(find(r.out.objects, 'PodDisruptionBudget', 'registry')).toEqual([]);
    expect(find(r.out.objects, 'CronJob')).toEqual([]);
    expect(checkAll(r.out.objects)).toEqual([]);
  });
});

describe('etcd with TLS', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => {
    r = build(arch.Profile.PRODUCTION, arch.RegistryEngine.etcd({ tls: { serverSecretName: 'registry-tls' }, compactionRetention: Duration.minutes(30) }));
  });
  test('https with client-certificate auth on both ports, certificates from an external Secret', () => {
    const a = args(r.out);
    expect(a).toEqual(expect.arrayContaining([
      '--client-cert-auth=true', '--peer-client-cert-auth=true', '--cert-file=/etc/etcd/tls/tls.crt', '--auto-compaction-retention=30m',
    ]));
    expect(a.find((x) => x.startsWith('--initial-cluster='))).toContain('=https://');
    const tpl = one(r.out.objects, 'StatefulSet', 'registry', 'registry').spec.template;
    expect(tpl.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('registry-tls');
    expect(tpl.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'registry-tls', defaultMode: 0o440 } });
    expect(checkAll(r.out.objects)).toEqual([]);
  });
  test('each consumer mounts its own client certificate as files; no key in an env var', () => {
    const d = one(r.out.objects, 'Deployment', 'orders', 'ordering');
    const env = envOf(d);
    expect(env.ETCD_ENDPOINTS).toMatch(/^https:\/\//);
    expect(env).toMatchObject({
      ETCD_CA_CERT_FILE: '/etc/etcd-client/registry/ca.crt',
      ETCD_CLIENT_CERT_FILE: '/etc/etcd-client/registry/tls.crt',
      ETCD_CLIENT_KEY_FILE: '/etc/etcd-client/registry/tls.key',
    });
    expect(Object.values(env).filter((v) => typeof v !== 'string' && v.secretKeyRef)).toEqual([]);
    const spec = d.spec.template.spec;
    const volume = spec.volumes.find((v: any) => v.secret?.secretName === 'orders-registry-client-tls');
    expect(volume).toEqual({ name: expect.stringMatching(/^secret-[0-9a-f]{10}$/), secret: { secretName: 'orders-registry-client-tls', defaultMode: 0o440 } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: volume.name, mountPath: '/etc/etcd-client/registry', readOnly: true });
    expect(d.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('orders-registry-client-tls');
  });
});

describe('etcd TLS defaults and opt-outs', () => {
  test('production serves TLS with default Secret names; a second consumer has its own certificate', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
    new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering' }).uses(registry);
    new arch.Microservice(shop, 'billing', { image: IMAGE, context: 'ordering' }).uses(registry);
    const out = synthApp(app);
    expect(checkAll(out.objects)).toEqual([]);
    const sts = one(out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'registry-server-tls', defaultMode: 0o440 } });
    expect(sts.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['--client-cert-auth=true', '--peer-client-cert-auth=true']));
    const secretOf = (svc: string) => one(out.objects, 'Deployment', svc, 'ordering').spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets'];
    expect([secretOf('orders'), secretOf('billing')]).toEqual(['orders-registry-client-tls', 'billing-registry-client-tls']);
  });
  test('one shared client Secret when asked; plain HTTP only by explicit opt-out in production, and by default in development', () => {
    const env = (profile: arch.Profile, o: arch.EtcdOptions) => envOf(one(build(profile, arch.RegistryEngine.etcd(o)).out.objects, 'Deployment', 'orders', 'ordering'));
    expect(one(build(arch.Profile.PRODUCTION, arch.RegistryEngine.etcd({ tls: { clientSecretName: 'etcd-clients' } })).out.objects, 'Deployment', 'orders', 'ordering')
      .spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('etcd-clients');
    expect(env(arch.Profile.PRODUCTION, { insecurePlaintext: true }).ETCD_ENDPOINTS).toMatch(/^http:\/\//);
    expect(env(arch.Profile.PRODUCTION, { insecurePlaintext: true }).ETCD_CLIENT_KEY_FILE).toBeUndefined();
    expect(env(arch.Profile.DEVELOPMENT, {}).ETCD_ENDPOINTS).toMatch(/^http:\/\//);
    expect(env(arch.Profile.DEVELOPMENT, { tls: {} }).ETCD_ENDPOINTS).toMatch(/^https:\/\//);
  });
  test('a consumer that cannot mount files fails instead of losing its certificate', () => {
    const shop = new arch.BackendArchitecture(newTestApp(), 'shop');
    const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
    const orders = new arch.Microservice(shop, 'orders', { image: IMAGE });
    // the binding path of a workload without a secret-files handler (e.g. a gateway's proxy)
    expect(() => applyUse(orders, registry, () => undefined)).toThrow(
      /\[shop\/orders\] etcd registry "registry" .* hands over Secrets to mount as files \("orders-registry-client-tls"\).*Fix:/);
  });
  test('a per-consumer Secret name over 63 characters fails with the fix', () => {
    const shop = new arch.BackendArchitecture(newTestApp(), 'shop');
    const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
    const name = 'o'.repeat(45);
    expect(() => new arch.Microservice(shop, name, { image: IMAGE }).uses(registry)).toThrow(/longer than 63 characters.*tls.clientSecretName/);
  });
});

describe('DNS (server-side)', () => {
  test('deploys nothing and hands out the DNS suffix', () => {
    const r = build(arch.Profile.PRODUCTION, arch.RegistryEngine.dns());
    expect([...r.out.files.keys()]).toEqual(['shop-namespaces.k8s.yaml', 'shop-orders.k8s.yaml']);
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env).toMatchObject({ SERVICE_REGISTRY_TYPE: 'dns', SERVICE_DISCOVERY_DNS_SUFFIX: 'svc.cluster.local' });
    expect(env.SERVICE_REGISTRATION_NAME).toBeUndefined();
    expect(one(r.out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.egress).toBeUndefined();
    expect(r.registry.workload).toBeUndefined();
    expect(checkAll(r.out.objects)).toEqual([]);
  });
  test('is the default engine', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    expect(new arch.Registry(shop, 'registry').engine.kind).toBe(arch.RegistryKind.DNS);
  });
});

describe('validation', () => {
  const fresh = () => new arch.BackendArchitecture(newTestApp(), 'shop');
  test.each([
    [{ members: 4 }, '4', /odd number/],
    [{ members: 9 }, '9', /from 1 to 7/],
    [{ image: 'quay.io/coreos/etcd' }, '"quay.io/coreos/etcd"', /pin the image/],
    [{ quotaBackendGibibytes: 16 }, '16', /8 GiB/],
    [{ quotaBackendGibibytes: 8, storageGibibytes: 8 }, '8', /more room/],
    [{ defragmentationSchedule: 'weekly' }, '"weekly"', /5-field cron/],
    [{ tls: { serverSecretName: 'Registry_TLS' } }, '"Registry_TLS"', /lowercase/],
    [{ tls: {}, insecurePlaintext: true }, 'both tls and insecurePlaintext', /remove insecurePlaintext/],
  ])('etcd %j', (options, value, fix) => {
    let message = '';
    try {
      new arch.Registry(fresh(), 'registry', { engine: arch.RegistryEngine.etcd(options as arch.EtcdOptions) });
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toContain('[shop/registry]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  });
});
