import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { secureContainer } from '../src/internal/pod';
import { StatefulCluster } from '../src/internal/stateful-cluster';
import { renderServerConfig } from '../src/registry/consul';

/**
 * The Consul registry engine: production (3 servers, ACLs, gossip encryption) and development
 * (1 server), each with a microservice that uses the registry, synthesized once.
 */
interface Built {
  readonly out: SynthResult;
  readonly registry: arch.Registry;
}

function build(profile: arch.Profile, options: arch.ConsulOptions = {}): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.consul(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(registry);
  return { out: synthApp(app), registry };
}

const serverJson = (out: SynthResult) => JSON.parse(one(out.objects, 'ConfigMap', 'registry-config', 'registry').data['server.json']);
const statefulSet = (out: SynthResult) => one(out.objects, 'StatefulSet', 'registry', 'registry');
const container = (out: SynthResult) => statefulSet(out).spec.template.spec.containers[0];
const portsOf = (o: K8sObject) => o.spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`);

describe('production: 3 servers, ACLs, gossip encryption', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.PRODUCTION, { acl: { enabled: true } });
  });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('server configuration: quorum bootstrap, join through the headless Service, production timing, ACLs', () => {
    const config = serverJson(r.out);
    expect(config).toEqual({
      acl: { default_policy: 'deny', down_policy: 'extend-cache', enable_token_persistence: true, enabled: true },
      autopilot: { min_quorum: 2 },
      bind_addr: '0.0.0.0',
      bootstrap_expect: 3,
      client_addr: '0.0.0.0',
      data_dir: '/consul/data',
      datacenter: 'dc1',
      disable_update_check: true,
      leave_on_terminate: true,
      performance: { raft_multiplier: 1 },
      ports: { dns: 8600, grpc: 8502, grpc_tls: -1, http: 8500, serf_lan: 8301, server: 8300 },
      retry_join: ['registry-headless.registry.svc.cluster.local:8301'],
      server: true,
      ui_config: { enabled: true },
    });
    // no secret material in the ConfigMap
    expect(JSON.stringify(config)).not.toMatch(/encrypt|initial_management/);
    const headless = one(r.out.objects, 'Service', 'registry-headless', 'registry');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
  });

  test('the configuration renders deterministically, with sorted keys', () => {
    const raw: string = one(r.out.objects, 'ConfigMap', 'registry-config', 'registry').data['server.json'];
    expect(Object.keys(JSON.parse(raw))).toEqual(Object.keys(JSON.parse(raw)).sort());
    expect(build(arch.Profile.PRODUCTION, { acl: { enabled: true } }).out.files.get('shop-registry.k8s.yaml')).toBe(r.out.files.get('shop-registry.k8s.yaml'));
    const hash = statefulSet(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/config-hash'];
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    const other = build(arch.Profile.PRODUCTION, { acl: { enabled: true }, ui: false });
    expect(statefulSet(other.out).spec.template.metadata.annotations['cdk8s-architect.dev/config-hash']).not.toBe(hash);
  });

  test('the agent runs consul directly, advertises the pod IP and reads the gossip key and management token from Secrets', () => {
    const c = container(r.out);
    expect(c.image).toBe('hashicorp/consul:1.22.7');
    expect(c.command).toEqual(['/bin/consul']);
    expect(c.args).toEqual([
      'agent',
      '-config-dir=/consul/config',
      '-advertise=$(POD_IP)',
      '-encrypt=$(GOSSIP_KEY)',
      '-hcl=acl { tokens { initial_management = "$(ACL_INITIAL_MANAGEMENT_TOKEN)" } }',
    ]);
    expect(envOf(statefulSet(r.out))).toEqual({
      POD_IP: { fieldRef: { fieldPath: 'status.podIP' } },
      GOSSIP_KEY: { secretKeyRef: { name: 'registry-gossip', key: 'key' } },
      ACL_INITIAL_MANAGEMENT_TOKEN: { secretKeyRef: { name: 'registry-acl-token', key: 'token' } },
    });
    expect(statefulSet(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('registry-acl-token,registry-gossip');
  });

  test('config, data and /tmp are the only mounts; the config is read-only', () => {
    const c = container(r.out);
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/consul/data' },
      { name: 'config', mountPath: '/consul/config', readOnly: true },
      { name: 'writable-tmp', mountPath: '/tmp' },
    ]);
    const sts = statefulSet(r.out);
    expect(sts.spec.template.spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'registry-config' } },
      { name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
  });

  test('ports: TCP and UDP for DNS and LAN gossip; server and gossip ports only on the headless Service', () => {
    expect(portsOf(one(r.out.objects, 'Service', 'registry-headless', 'registry'))).toEqual([
      'http:8500/TCP', 'grpc:8502/TCP', 'dns-tcp:8600/TCP', 'dns-udp:8600/UDP', 'server:8300/TCP', 'serflan-tcp:8301/TCP', 'serflan-udp:8301/UDP',
    ]);
    expect(portsOf(one(r.out.objects, 'Service', 'registry', 'registry'))).toEqual(['http:8500/TCP', 'grpc:8502/TCP', 'dns-tcp:8600/TCP', 'dns-udp:8600/UDP']);
    expect(container(r.out).ports).toContainEqual({ name: 'serflan-udp', containerPort: 8301, protocol: 'UDP' });
  });

  test('probes: ready once a leader is known, alive while HTTP listens, a generous startup budget', () => {
    const c = container(r.out);
    expect(c.readinessProbe.exec.command).toEqual(['/bin/sh', '-ec', 'curl -fsS http://127.0.0.1:8500/v1/status/leader | grep -E \'".+"\'']);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(c.startupProbe.tcpSocket).toEqual({ port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  test('the disruption budget keeps a majority; members spread', () => {
    expect(one(r.out.objects, 'PodDisruptionBudget', 'registry', 'registry').spec.minAvailable).toBe(2);
    expect(statefulSet(r.out).spec.template.spec.topologySpreadConstraints).toBeDefined();
    expect(statefulSet(r.out).spec.podManagementPolicy).toBe('Parallel');
  });

  test('security context: the image user 100, group 100, read-only root filesystem', () => {
    const spec = statefulSet(r.out).spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 100, fsGroup: 100 });
    expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('consumers get the Consul client variables, the token from their own Secret, and an edge to 8500/8502 only', () => {
    const orders = one(r.out.objects, 'Deployment', 'orders', 'ordering');
    const env = envOf(orders);
    expect(env.SERVICE_REGISTRY_TYPE).toBe('consul');
    expect(env.SERVICE_REGISTRY_ADDRESS).toBe('http://registry.registry.svc.cluster.local:8500');
    expect(env.CONSUL_HTTP_ADDR).toBe('registry.registry.svc.cluster.local:8500');
    expect(env.CONSUL_GRPC_ADDR).toBe('registry.registry.svc.cluster.local:8502');
    expect(env.CONSUL_HTTP_TOKEN).toEqual({ secretKeyRef: { name: 'registry-token', key: 'token' } });
    expect(env.SERVICE_REGISTRATION_NAME).toBe('orders');
    expect(orders.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('registry-token');

    const ingress = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry').spec.ingress;
    const fromOrders = ingress.filter((rule: any) => rule.from.some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ordering'));
    expect(fromOrders.map((rule: any) => rule.ports)).toEqual([[{ port: 8500, protocol: 'TCP' }, { port: 8502, protocol: 'TCP' }]]);
    const egress = one(r.out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.egress;
    const toRegistry = egress.filter((rule: any) => rule.to.some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'registry'));
    expect(toRegistry.map((rule: any) => rule.ports)).toEqual([[{ port: 8500, protocol: 'TCP' }, { port: 8502, protocol: 'TCP' }]]);
  });

  test('servers reach each other on gossip over TCP and UDP', () => {
    const self = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry').spec.ingress
      .find((rule: any) => rule.from.some((p: any) => !p.namespaceSelector));
    expect(self.ports).toEqual(expect.arrayContaining([{ port: 8301, protocol: 'TCP' }, { port: 8301, protocol: 'UDP' }, { port: 8300, protocol: 'TCP' }]));
  });
});

describe('development: 1 server', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.DEVELOPMENT);
  });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('bootstraps alone, relaxed timing, no gossip encryption or ACLs, emptyDir data', () => {
    const config = serverJson(r.out);
    expect(config.bootstrap_expect).toBe(1);
    expect(config.autopilot).toEqual({ min_quorum: 1 });
    expect(config.performance).toBeUndefined();
    expect(config.acl).toBeUndefined();
    expect(container(r.out).args).toEqual(['agent', '-config-dir=/consul/config', '-advertise=$(POD_IP)']);
    const sts = statefulSet(r.out);
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBeUndefined();
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '10Gi' } });
    expect(find(r.out.objects, 'PodDisruptionBudget')).toEqual([]);
    expect(envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering')).CONSUL_HTTP_TOKEN).toBeUndefined();
  });
});

test('options: datacenter, UI, image, members, storage, explicit gossip and ACL secrets', () => {
  const r = build(arch.Profile.PRODUCTION, {
    members: 5,
    datacenter: 'eu-west',
    ui: false,
    image: 'hashicorp/consul:1.21.5',
    storageGibibytes: 2,
    storageClassName: 'fast',
    gossipEncryption: { secretName: 'consul-gossip', key: 'gossip.key' },
    acl: { enabled: true, defaultPolicy: arch.ConsulAclPolicy.ALLOW, tokenSecretName: 'consul-bootstrap', consumerTokenSecretName: 'consul-client' },
  });
  expect(checkAll(r.out.objects)).toEqual([]);
  const config = serverJson(r.out);
  expect(config.datacenter).toBe('eu-west');
  expect(config.ui_config).toEqual({ enabled: false });
  expect(config.acl.default_policy).toBe('allow');
  expect(config.bootstrap_expect).toBe(5);
  expect(config.autopilot.min_quorum).toBe(3);
  expect(one(r.out.objects, 'PodDisruptionBudget', 'registry', 'registry').spec.minAvailable).toBe(3);
  const sts = statefulSet(r.out);
  expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } });
  expect(container(r.out).image).toBe('hashicorp/consul:1.21.5');
  expect(envOf(sts).GOSSIP_KEY).toEqual({ secretKeyRef: { name: 'consul-gossip', key: 'gossip.key' } });
  expect(envOf(sts).ACL_INITIAL_MANAGEMENT_TOKEN).toEqual({ secretKeyRef: { name: 'consul-bootstrap', key: 'token' } });
  expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('consul-bootstrap,consul-gossip');
  expect(envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering')).CONSUL_HTTP_TOKEN).toEqual({ secretKeyRef: { name: 'consul-client', key: 'token' } });
  expect(r.registry.address).toBe('http://registry.registry.svc.cluster.local:8500');
});

test('acl.enabled false renders no ACL block and no token', () => {
  const r = build(arch.Profile.PRODUCTION, { acl: { enabled: false } });
  expect(serverJson(r.out).acl).toBeUndefined();
  expect(envOf(statefulSet(r.out)).ACL_INITIAL_MANAGEMENT_TOKEN).toBeUndefined();
});

test('renderServerConfig is pure and derives the quorum from the member count', () => {
  const input = { members: 5, datacenter: 'dc2', retryJoin: 'c-headless.c.svc.cluster.local:8301', ui: true, production: true };
  expect(renderServerConfig(input)).toEqual(renderServerConfig(input));
  expect(renderServerConfig(input)).toMatchObject({ bootstrap_expect: 5, autopilot: { min_quorum: 3 }, retry_join: [input.retryJoin] });
});

describe('validation', () => {
  const rejects = (options: arch.ConsulOptions, ...parts: string[]) => {
    let message = '';
    try {
      build(arch.Profile.PRODUCTION, options);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[shop/registry]');
    expect(message).toContain('Fix:');
    for (const p of parts) expect(message).toContain(p);
  };

  test('an even number of servers', () => rejects({ members: 4 }, 'consul members 4 is even'));
  test('more than 7 servers', () => rejects({ members: 9 }, 'consul members 9 is out of range'));
  test('an unpinned image', () => rejects({ image: 'hashicorp/consul' }, '"hashicorp/consul" has no tag'));
  test('a datacenter that is not a DNS label', () => rejects({ datacenter: 'DC_1' }, 'datacenter "DC_1"'));
  test('storage of zero GiB', () => rejects({ storageGibibytes: 0 }, 'storageGibibytes 0'));
  test('resources whose request exceeds the limit', () => rejects({ resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 1024 } }, 'memoryRequestMebibytes 2048'));
  test('an invalid gossip Secret name', () => rejects({ gossipEncryption: { secretName: 'Gossip' } }, 'gossipEncryption.secretName "Gossip"'));
  test('an invalid gossip Secret key', () => rejects({ gossipEncryption: { secretName: 'gossip', key: 'a/b' } }, 'gossipEncryption.key "a/b"'));
  test('an unknown ACL default policy', () => rejects({ acl: { enabled: true, defaultPolicy: 'block' as arch.ConsulAclPolicy } }, 'acl.defaultPolicy "block"'));
  test('an invalid ACL token Secret name', () => rejects({ acl: { enabled: true, tokenSecretName: 'acl_token' } }, 'acl.tokenSecretName "acl_token"'));
  test('an invalid consumer token Secret name', () => rejects({ acl: { enabled: true, consumerTokenSecretName: 'Token' } }, 'acl.consumerTokenSecretName "Token"'));
});

test('StatefulCluster takes one port number on TCP and UDP, but still rejects a number declared twice on one protocol', () => {
  const cluster = (ports: { name: string; port: number; protocol?: arch.Protocol }[]) => {
    const shop = new arch.BackendArchitecture(newTestApp(), 'shop', { profile: arch.Profile.DEVELOPMENT });
    shop.addNamespace(shop, 'gossip');
    return new StatefulCluster(shop, 'gossip', {
      architecture: shop,
      chart: shop._newComponentChart(shop, 'gossip'),
      name: 'gossip',
      namespace: 'gossip',
      identity: { name: 'gossip', instance: 'shop-gossip', component: 'member', partOf: 'shop' },
      replicas: 1,
      quorum: true,
      uid: 100,
      ports,
      containers: () => [secureContainer({
        name: 'member',
        image: 'hashicorp/consul:1.22.7',
        resources: { cpuRequestMillis: 10, cpuLimitMillis: 100, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
      })],
    });
  };
  expect(() => cluster([{ name: 'serf-tcp', port: 8301 }, { name: 'serf-udp', port: 8301, protocol: arch.Protocol.UDP }])).not.toThrow();
  expect(() => cluster([{ name: 'serf-a', port: 8301 }, { name: 'serf-b', port: 8301, protocol: arch.Protocol.TCP }]))
    .toThrow(/\[shop\] cluster port serf-b\/8301 is declared twice.*Fix:/);
  expect(() => cluster([{ name: 'serf', port: 8301 }, { name: 'serf', port: 8301, protocol: arch.Protocol.UDP }])).toThrow(/declared twice/);
});
