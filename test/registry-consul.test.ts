import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { secureContainer } from '../src/internal/pod';
import { StatefulCluster } from '../src/internal/stateful-cluster';
import { consulAgentIndex, renderServerConfig } from '../src/registry/consul';

/**
 * The Consul registry engine: production (3 servers, TLS, ACLs bootstrapped by a Job, gossip
 * encryption, TTL registration with a per-service agent) and development (1 server, plaintext),
 * each with a microservice that uses the registry.
 */
interface Built {
  readonly out: SynthResult;
  readonly registry: arch.Registry;
}

type More = (shop: arch.BackendArchitecture, registry: arch.Registry) => void;

function build(profile: arch.Profile, options: arch.ConsulOptions = {}, more?: More): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.consul(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(registry);
  more?.(shop, registry);
  return { out: synthApp(app), registry };
}

const serverJson = (out: SynthResult) => JSON.parse(one(out.objects, 'ConfigMap', 'registry-config', 'registry').data['server.json']);
const statefulSet = (out: SynthResult) => one(out.objects, 'StatefulSet', 'registry', 'registry');
const container = (out: SynthResult) => statefulSet(out).spec.template.spec.containers[0];
const portsOf = (o: K8sObject) => o.spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`);

const job = (out: SynthResult) => {
  const jobs = find(out.objects, 'Job').filter((j) => j.metadata.namespace === 'registry');
  expect(jobs).toHaveLength(1);
  return jobs[0];
};
const script = (out: SynthResult): string => job(out).spec.template.spec.containers[0].args[0];

describe('production: 3 servers, TLS, ACLs with a bootstrap Job, gossip encryption (the defaults)', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.PRODUCTION);
  });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('server configuration: quorum bootstrap, join through the headless Service, production timing, ACLs, TLS with HTTP off', () => {
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
      ports: { dns: 8600, grpc: -1, grpc_tls: -1, http: -1, https: 8501, serf_lan: 8301, server: 8300 },
      retry_join: ['registry-headless.registry.svc.cluster.local:8301'],
      server: true,
      // Prometheus metrics on /v1/agent/metrics, gauges without the host name
      telemetry: { disable_hostname: true, prometheus_retention_time: '1m' },
      tls: {
        defaults: { ca_file: '/consul/tls/ca.crt', cert_file: '/consul/tls/tls.crt', key_file: '/consul/tls/tls.key', verify_incoming: false, verify_outgoing: true },
        internal_rpc: { verify_incoming: true, verify_server_hostname: true },
        https: { verify_incoming: false },
      },
      ui_config: { enabled: true },
    });
    // no secret material in the ConfigMap
    expect(JSON.stringify(config)).not.toMatch(/encrypt|initial_management|"agent"/);
    const headless = one(r.out.objects, 'Service', 'registry-headless', 'registry');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
  });

  test('the configuration renders deterministically, with sorted keys', () => {
    const raw: string = one(r.out.objects, 'ConfigMap', 'registry-config', 'registry').data['server.json'];
    expect(Object.keys(JSON.parse(raw))).toEqual(Object.keys(JSON.parse(raw)).sort());
    expect(build(arch.Profile.PRODUCTION).out.files.get('shop-registry.k8s.yaml')).toBe(r.out.files.get('shop-registry.k8s.yaml'));
    const hash = statefulSet(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/config-hash'];
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    const other = build(arch.Profile.PRODUCTION, { ui: false });
    expect(statefulSet(other.out).spec.template.metadata.annotations['cdk8s-architect.dev/config-hash']).not.toBe(hash);
  });

  test('no secret is an argument or an env var: gossip key and tokens reach Consul as a config file written from mounted Secrets', () => {
    const sts = statefulSet(r.out);
    const c = container(r.out);
    expect(c.image).toBe('hashicorp/consul:1.22.7');
    expect(c.command).toEqual(['/bin/consul']);
    expect(c.args).toEqual(['agent', '-config-dir=/consul/config', '-config-dir=/consul/secret-config', '-advertise=$(POD_IP)']);
    expect(envOf(sts)).toEqual({ POD_IP: { fieldRef: { fieldPath: 'status.podIP' } } });
    const init = sts.spec.template.spec.initContainers;
    expect(init).toHaveLength(1);
    expect(init[0].env).toBeUndefined();
    expect(init[0].command[0]).toBe('/bin/sh');
    // jq reads the files itself (--rawfile) and writes one JSON file; the values are validated
    expect(init[0].command[2]).toContain('jq -n --rawfile gossip /consul/secrets/gossip/key --rawfile management /consul/secrets/acl/token --rawfile agent /consul/secrets/acl/agent-token');
    expect(init[0].command[2]).toContain('> /consul/secret-config/secrets.json');
    expect(init[0].volumeMounts).toEqual([
      { name: 'gossip', mountPath: '/consul/secrets/gossip', readOnly: true },
      { name: 'acl', mountPath: '/consul/secrets/acl', readOnly: true },
      { name: 'secret-config', mountPath: '/consul/secret-config' },
    ]);
    // the server container sees the rendered file and its certificate, never the raw Secrets
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/consul/data' },
      { name: 'config', mountPath: '/consul/config', readOnly: true },
      { name: 'secret-config', mountPath: '/consul/secret-config', readOnly: true },
      { name: 'tls', mountPath: '/consul/tls', readOnly: true },
      { name: 'writable-tmp', mountPath: '/tmp' },
    ]);
    expect(sts.spec.template.spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'registry-config' } },
      { name: 'gossip', secret: { secretName: 'registry-gossip', defaultMode: 0o440, items: [{ key: 'key', path: 'key' }] } },
      { name: 'acl', secret: { secretName: 'registry-acl-token', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }, { key: 'agent-token', path: 'agent-token' }] } },
      { name: 'secret-config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'tls', secret: { secretName: 'registry-server-tls', defaultMode: 0o440 } },
      { name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } },
    ]);
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('registry-acl-token,registry-gossip,registry-server-tls');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    // nothing in the whole output passes a token or key on a command line or as a Secret-backed env var of Consul
    const yaml = r.out.files.get('shop-registry.k8s.yaml')!;
    expect(yaml).not.toMatch(/-encrypt=|-hcl=|initial_management = "\$|GOSSIP_KEY|ACL_INITIAL_MANAGEMENT_TOKEN/);
  });

  test('ports: HTTPS only for clients (no HTTP, no gRPC); server and gossip ports only on the headless Service', () => {
    expect(portsOf(one(r.out.objects, 'Service', 'registry-headless', 'registry'))).toEqual([
      'https:8501/TCP', 'dns-tcp:8600/TCP', 'dns-udp:8600/UDP', 'server:8300/TCP', 'serflan-tcp:8301/TCP', 'serflan-udp:8301/UDP',
    ]);
    expect(portsOf(one(r.out.objects, 'Service', 'registry', 'registry'))).toEqual(['https:8501/TCP', 'dns-tcp:8600/TCP', 'dns-udp:8600/UDP']);
    expect(container(r.out).ports).toContainEqual({ name: 'serflan-udp', containerPort: 8301, protocol: 'UDP' });
  });

  test('probes: ready once a leader is known (over HTTPS), alive while HTTPS listens, a generous startup budget', () => {
    const c = container(r.out);
    expect(c.readinessProbe.exec.command).toEqual(['/bin/sh', '-ec', 'curl -fsSk https://127.0.0.1:8501/v1/status/leader | grep -E \'".+"\'']);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'https' });
    expect(c.startupProbe.tcpSocket).toEqual({ port: 'https' });
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
    expect(spec.initContainers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  test('consumers: their own server agent, TTL registration, token and CA as files from their own Secret, an edge to 8501 only', () => {
    const orders = one(r.out.objects, 'Deployment', 'orders', 'ordering');
    const env = envOf(orders);
    const agents = [0, 1, 2].map((i) => `https://registry-${i}.registry-headless.registry.svc.cluster.local:8501`);
    expect(env.SERVICE_REGISTRY_TYPE).toBe('consul');
    expect(env.SERVICE_REGISTRY_ADDRESS).toBe('https://registry.registry.svc.cluster.local:8501');
    const first = agents.indexOf(env.CONSUL_HTTP_ADDR);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(env.SERVICE_REGISTRATION_AGENTS).toBe([...agents.slice(first), ...agents.slice(0, first)].join(','));
    expect(env.CONSUL_GRPC_ADDR).toBeUndefined();
    expect(env.CONSUL_HTTP_TOKEN).toBeUndefined();
    expect(env.CONSUL_HTTP_TOKEN_FILE).toBe('/etc/consul-client/registry/token');
    expect(env.CONSUL_CACERT).toBe('/etc/consul-client/registry/ca.crt');
    expect(env.SERVICE_REGISTRATION_NAME).toBe('orders');
    expect(env.SERVICE_REGISTRATION_ID).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
    expect(env.SERVICE_REGISTRATION_CHECK).toBe('ttl');
    expect(env.SERVICE_REGISTRATION_TTL).toBe('15s');
    expect(env.SERVICE_REGISTRATION_HEARTBEAT_INTERVAL).toBe('5s');
    expect(env.SERVICE_REGISTRATION_DEREGISTER_CRITICAL_AFTER).toBe('60s');
    // the agent does not probe the service: no HTTP check to register
    expect(env.SERVICE_REGISTRATION_HEALTH_PATH).toBeUndefined();
    const spec = orders.spec.template.spec;
    const volume = spec.volumes.find((v: any) => v.secret?.secretName === 'orders-registry-consul');
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: volume.name, mountPath: '/etc/consul-client/registry', readOnly: true });
    const annotations = orders.spec.template.metadata.annotations;
    expect(annotations['cdk8s-architect.dev/provisioned-secrets']).toBe('orders-registry-consul');
    expect(annotations['cdk8s-architect.dev/external-secrets']).toBeUndefined();

    const ingress = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry').spec.ingress;
    const fromOrders = ingress.filter((rule: any) => rule.from.some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ordering'));
    expect(fromOrders.map((rule: any) => rule.ports)).toEqual([[{ port: 8501, protocol: 'TCP' }]]);
    const egress = one(r.out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.egress;
    const toRegistry = egress.filter((rule: any) => rule.to.some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'registry'));
    expect(toRegistry.map((rule: any) => rule.ports)).toEqual([[{ port: 8501, protocol: 'TCP' }]]);
    // and Consul needs nothing from the service: the service admits no ingress from Consul
    const ordersIngress = one(r.out.objects, 'NetworkPolicy', 'orders', 'ordering').spec.ingress ?? [];
    expect(ordersIngress.filter((rule: any) => (rule.from ?? []).some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'registry'))).toEqual([]);
    const edges = r.registry.architecture.edges.filter((e) => e.provider === r.registry.workload && e.consumer.componentName === 'orders');
    expect(edges.map((e) => e.ports)).toEqual([[{ port: 8501, protocol: 'TCP' }]]);
  });

  test('servers reach each other on gossip over TCP and UDP', () => {
    const self = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry').spec.ingress
      .find((rule: any) => rule.from.some((p: any) => !p.namespaceSelector));
    expect(self.ports).toEqual(expect.arrayContaining([{ port: 8301, protocol: 'TCP' }, { port: 8301, protocol: 'UDP' }, { port: 8300, protocol: 'TCP' }]));
  });

  test('no console with TLS (HTTPS only; the gateways route plain HTTP)', () => {
    expect(r.registry.console).toBeUndefined();
  });
});

describe('the bootstrap Job (the chart\'s server-acl-init)', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.PRODUCTION, {}, (shop, registry) => {
      // a second consumer in the same namespace, and one elsewhere: each its own token and Secret
      new arch.Microservice(shop, 'invoices', { image: 'ghcr.io/acme/invoices:1.0.0', context: 'ordering' }).uses(registry);
      new arch.Microservice(shop, 'catalog', { image: 'ghcr.io/acme/catalog:2.0.0', context: 'catalog' }).uses(registry);
    });
  });

  test('passes every invariant: every consumer Secret is written by the Job', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('one Secret per consumer, named after it, written by the Job; each consumer mounts only its own', () => {
    expect(job(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/writes-secrets'])
      .toBe('catalog/catalog-registry-consul,ordering/invoices-registry-consul,ordering/orders-registry-consul');
    for (const [svc, ns] of [['orders', 'ordering'], ['invoices', 'ordering'], ['catalog', 'catalog']]) {
      const d = one(r.out.objects, 'Deployment', svc, ns);
      expect(d.spec.template.metadata.annotations['cdk8s-architect.dev/provisioned-secrets']).toBe(`${svc}-registry-consul`);
      expect(d.spec.template.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName)).toEqual([`${svc}-registry-consul`]);
      expect(script(r.out)).toContain(`consumer '${ns}' '${svc}-registry-consul' '${svc}'`);
    }
  });

  test('restricted, its own ServiceAccount with the API token, and only the CA certificate of the servers', () => {
    const j = job(r.out);
    const spec = j.spec.template.spec;
    expect(j.metadata.name).toMatch(/^registry-bootstrap-[0-9a-f]{10}$/);
    expect(spec.serviceAccountName).toBe('registry-bootstrap');
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100 });
    expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(spec.containers[0].env).toBeUndefined();
    expect(spec.volumes).toEqual([
      { name: 'acl', secret: { secretName: 'registry-acl-token', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }, { key: 'agent-token', path: 'agent-token' }] } },
      { name: 'tls', secret: { secretName: 'registry-server-tls', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
    ]);
    // the Job name changes with its content (a Job template is immutable)
    const more = build(arch.Profile.PRODUCTION, {}, (shop, registry) => {
      new arch.Microservice(shop, 'invoices', { image: 'ghcr.io/acme/invoices:1.0.0', context: 'ordering' }).uses(registry);
    });
    expect(job(more.out).metadata.name).not.toBe(j.metadata.name);
  });

  test('RBAC: per consumer namespace, create Secrets and get/update exactly the consumers\' Secrets', () => {
    const role = one(r.out.objects, 'Role', 'registry-consul-bootstrap', 'ordering');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['invoices-registry-consul', 'orders-registry-consul'], verbs: ['get', 'update'] },
    ]);
    expect(one(r.out.objects, 'Role', 'registry-consul-bootstrap', 'catalog').rules[1].resourceNames).toEqual(['catalog-registry-consul']);
    const binding = one(r.out.objects, 'RoleBinding', 'registry-consul-bootstrap', 'ordering');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'registry-bootstrap', namespace: 'registry' }]);
    expect(find(r.out.objects, 'ClusterRole')).toEqual([]);
  });

  test('NetworkPolicies: the Job reaches the servers on 8501 (and they admit it) and the API server on 443/6443', () => {
    const own = one(r.out.objects, 'NetworkPolicy', 'registry-bootstrap', 'registry');
    expect(own.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: statefulSet(r.out).spec.selector.matchLabels } }], ports: [{ port: 8501, protocol: 'TCP' }] }]);
    const api = one(r.out.objects, 'NetworkPolicy', 'registry-bootstrap-kubernetes-api', 'registry');
    expect(api.spec.egress).toEqual([{ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] }]);
    const ingress = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry').spec.ingress;
    const fromJob = ingress.filter((rule: any) => rule.from.some((p: any) => !p.namespaceSelector && p.podSelector.matchLabels['app.kubernetes.io/component'] === 'bootstrap'));
    expect(fromJob.map((rule: any) => rule.ports)).toEqual([[{ port: 8501, protocol: 'TCP' }]]);
  });

  test('the script: agent policy and token, per-consumer service-identity tokens, idempotent, no token as an argument', () => {
    const s = script(r.out);
    expect(s).toContain('consul=\'https://registry.registry.svc.cluster.local:8501\'');
    expect(s).toContain('--cacert /consul/tls/ca.crt');
    expect(s).toContain('policy \'registry-agent\'');
    expect(s).toContain('node_prefix "" { policy = "write" }');
    expect(s).toContain('token /consul/secrets/acl/agent-token \'agent token of registry/registry\' \'registry-agent\' \'\'');
    expect(s).toContain('ServiceIdentities: [{ServiceName: $svc}]');
    // an existing token is kept (checked with /v1/acl/token/self), a lost one recreated from the Secret
    expect(s).toContain('/v1/acl/token/self');
    expect(s).toContain('/proc/sys/kernel/random/uuid');
    // service tokens carry the registry in their description; the ones no consumer Secret holds any
    // more (a rotated or removed service) are listed and deleted after every consumer succeeded
    expect(s).toContain('token /tmp/token "$what ($1/$2) of registry/registry" "$4" "$3"');
    expect(s).toContain('consumer \'ordering\' \'orders-registry-consul\' \'orders\' \'\'');
    expect(s).toContain('--arg suffix \' of registry/registry\'');
    // the stale service tokens are listed after every consumer succeeded
    expect(s.lastIndexOf('m "$consul/v1/acl/tokens"')).toBeGreaterThan(s.lastIndexOf('\nconsumer \''));
    // the agent token goes to each server's own API; the old ones are deleted only when every server took it
    expect(s).toContain('for server in \'https://registry-0.registry-headless.registry.svc.cluster.local:8501\' '
      + '\'https://registry-1.registry-headless.registry.svc.cluster.local:8501\' \'https://registry-2.registry-headless.registry.svc.cluster.local:8501\'; do');
    expect(s).toContain('code=$(m -X PUT --data-binary @/tmp/agent-token.json "$server/v1/agent/token/agent") || code=000');
    expect(s).toContain('if [ "$handed" = 3 ]; then');
    expect(s).toContain('m -X DELETE "$consul/v1/acl/token/$accessor"');
    // headers from files: no token on a command line
    expect(s).toContain('-H @/tmp/management.h');
    expect(s).not.toMatch(/X-Consul-Token: \$/);
    expect(s).not.toMatch(/Authorization: Bearer \$/);
  });

  test('kubernetesApiCidr narrows the API egress', () => {
    const narrowed = build(arch.Profile.PRODUCTION, { kubernetesApiCidr: '10.0.0.1/32' });
    expect(one(narrowed.out.objects, 'NetworkPolicy', 'registry-bootstrap-kubernetes-api', 'registry').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
  });
});

describe('development: 1 server, plaintext, no ACLs (the stated opt-out)', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.DEVELOPMENT);
  });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('bootstraps alone, relaxed timing, no gossip encryption, ACLs, TLS or Job; emptyDir data', () => {
    const config = serverJson(r.out);
    expect(config.bootstrap_expect).toBe(1);
    expect(config.autopilot).toEqual({ min_quorum: 1 });
    expect(config.performance).toBeUndefined();
    expect(config.acl).toBeUndefined();
    expect(config.tls).toBeUndefined();
    expect(config.ports).toMatchObject({ http: 8500, grpc: 8502 });
    expect(container(r.out).args).toEqual(['agent', '-config-dir=/consul/config', '-advertise=$(POD_IP)']);
    const sts = statefulSet(r.out);
    expect(sts.spec.template.spec.initContainers).toBeUndefined();
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBeUndefined();
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '10Gi' } });
    expect(find(r.out.objects, 'PodDisruptionBudget')).toEqual([]);
    expect(find(r.out.objects, 'Job')).toEqual([]);
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env.CONSUL_HTTP_ADDR).toBe('http://registry-0.registry-headless.registry.svc.cluster.local:8500');
    expect(env.CONSUL_GRPC_ADDR).toBe('registry.registry.svc.cluster.local:8502');
    expect(env.CONSUL_HTTP_TOKEN_FILE).toBeUndefined();
    expect(env.SERVICE_REGISTRATION_CHECK).toBe('ttl');
    expect(r.registry.console).toBeDefined();
  });
});

test('options: datacenter, UI, image, members, storage, explicit gossip, ACL and TLS secrets, TTLs', () => {
  const r = build(arch.Profile.PRODUCTION, {
    members: 5,
    datacenter: 'eu-west',
    ui: false,
    image: 'hashicorp/consul:1.21.5',
    storageGibibytes: 2,
    storageClassName: 'fast',
    gossipEncryption: { secretName: 'consul-gossip', key: 'gossip.key' },
    acl: { enabled: true, defaultPolicy: arch.ConsulAclPolicy.ALLOW, tokenSecretName: 'consul-bootstrap' },
    tls: { serverSecretName: 'consul-tls' },
    registrationTtl: Duration.seconds(30),
    deregisterCriticalServiceAfter: Duration.minutes(5),
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
  expect(sts.spec.template.spec.initContainers[0].image).toBe('hashicorp/consul:1.21.5');
  const volumes = sts.spec.template.spec.volumes;
  expect(volumes).toContainEqual({ name: 'gossip', secret: { secretName: 'consul-gossip', defaultMode: 0o440, items: [{ key: 'gossip.key', path: 'key' }] } });
  expect(volumes.find((v: any) => v.name === 'acl').secret.secretName).toBe('consul-bootstrap');
  expect(volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe('consul-tls');
  expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('consul-bootstrap,consul-gossip,consul-tls');
  const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
  expect(env.SERVICE_REGISTRATION_TTL).toBe('30s');
  expect(env.SERVICE_REGISTRATION_HEARTBEAT_INTERVAL).toBe('10s');
  expect(env.SERVICE_REGISTRATION_DEREGISTER_CRITICAL_AFTER).toBe('300s');
  expect(env.SERVICE_REGISTRATION_AGENTS.split(',')).toHaveLength(5);
  expect(r.registry.address).toBe('https://registry.registry.svc.cluster.local:8501');
});

test('production opt-outs: acl.enabled false and insecurePlaintext; TLS without ACLs still hands out the CA certificate', () => {
  const plain = build(arch.Profile.PRODUCTION, { acl: { enabled: false }, insecurePlaintext: true });
  expect(serverJson(plain.out).acl).toBeUndefined();
  expect(serverJson(plain.out).tls).toBeUndefined();
  expect(find(plain.out.objects, 'Job')).toEqual([]);
  expect(statefulSet(plain.out).spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('acl');
  expect(checkAll(plain.out.objects)).toEqual([]);

  const tlsOnly = build(arch.Profile.PRODUCTION, { acl: { enabled: false } });
  expect(checkAll(tlsOnly.out.objects)).toEqual([]);
  const s = script(tlsOnly.out);
  expect(s).not.toContain('policy ');
  expect(s).toContain('"ca.crt": $ca');
  const env = envOf(one(tlsOnly.out.objects, 'Deployment', 'orders', 'ordering'));
  expect(env.CONSUL_CACERT).toBe('/etc/consul-client/registry/ca.crt');
  expect(env.CONSUL_HTTP_TOKEN_FILE).toBeUndefined();
});

test('the agent choice is stable per consumer and spreads consumers over the servers', () => {
  const picks = new Set(Array.from({ length: 30 }, (_, i) => consulAgentIndex('ns', `svc-${i}`, 3)));
  expect(picks).toEqual(new Set([0, 1, 2]));
  expect(consulAgentIndex('ordering', 'orders', 3)).toBe(consulAgentIndex('ordering', 'orders', 3));
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
  test('an invalid TLS Secret name', () => rejects({ tls: { serverSecretName: 'TLS' } }, 'tls.serverSecretName "TLS"'));
  test('tls together with insecurePlaintext', () => rejects({ tls: {}, insecurePlaintext: true }, 'both tls and insecurePlaintext'));
  test('a TTL below 3 seconds', () => rejects({ registrationTtl: Duration.seconds(1) }, 'registrationTtl (seconds) 1'));
  test('a deregistration delay below Consul\'s minute', () => rejects({ deregisterCriticalServiceAfter: Duration.seconds(30) }, 'deregisterCriticalServiceAfter (seconds) 30'));
  test('a kubernetesApiCidr that is not a CIDR', () => rejects({ kubernetesApiCidr: '10.0.0.1' }, 'kubernetesApiCidr "10.0.0.1"'));
  test('a consumer whose Secret name exceeds 63 characters', () => {
    expect(() => build(arch.Profile.PRODUCTION, {}, (shop, registry) => {
      new arch.Microservice(shop, 'a-very-long-service-name-that-goes-on-and-on-and-on', { image: 'ghcr.io/acme/x:1.0.0', context: 'ordering' }).uses(registry);
    })).toThrow(/Consul client Secret .* is longer than 63 characters.*Fix:/);
  });
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

describe('metrics: every server agent scraped by the architecture\'s Prometheus', () => {
  const withPrometheus = (operator = false): More => (shop) => {
    new arch.ObservabilityStack(shop, 'observability', {
      metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true }, prometheusOperator: operator }),
    });
  };
  const prometheusConfig = (out: SynthResult) => {
    const cm = find(out.objects, 'ConfigMap').find((c) => c.data?.['prometheus.yml'])!;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require('js-yaml');
    return { config: yaml.load(cm.data['prometheus.yml']) as any, rules: cm.data['alerts.yml'] as string, namespace: cm.metadata.namespace! };
  };

  test('production (TLS, ACLs): a job of its own over HTTPS for server.<dc>.consul, a token with agent:read from a Secret the bootstrap writes beside Prometheus', () => {
    const r = build(arch.Profile.PRODUCTION, { datacenter: 'eu-west-1' }, withPrometheus());
    expect(checkAll(r.out.objects)).toEqual([]);
    const { config, rules, namespace } = prometheusConfig(r.out);
    const secret = 'registry-registry-consul-metrics';
    const dir = `/etc/prometheus-secrets/${secret}`;
    const jobs = config.scrape_configs.filter((j: any) => j.job_name === 'registry/registry');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      scheme: 'https',
      metrics_path: '/v1/agent/metrics',
      params: { format: ['prometheus'] },
      authorization: { type: 'Bearer', credentials_file: `${dir}/token` },
      tls_config: { ca_file: `${dir}/ca.crt`, server_name: 'server.eu-west-1.consul' },
      kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['registry'] } }],
    });
    const relabel = jobs[0].relabel_configs;
    expect(relabel[0]).toMatchObject({ action: 'keep', regex: expect.stringContaining('shop-registry') });
    expect(relabel).toEqual(expect.arrayContaining([
      { target_label: 'job', replacement: 'registry' },
      { target_label: 'kind', replacement: 'consul' },
      { source_labels: ['__meta_kubernetes_pod_ip'], regex: '([^:]+)', replacement: '$1:8501', target_label: '__address__' },
    ]));
    // not in the annotation-driven job: no scrape annotations on the servers
    expect(statefulSet(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/scrape']).toBeUndefined();

    // Prometheus mounts the Secret the bootstrap writes into its namespace
    const prom = find(r.out.objects, 'StatefulSet').find((s) => s.metadata.namespace === namespace && s.metadata.name.endsWith('prometheus'))!;
    expect(prom.spec.template.spec.volumes).toContainEqual({ name: secret, secret: { secretName: secret, defaultMode: 0o440 } });
    expect(prom.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: secret, mountPath: dir, readOnly: true });
    const s = script(r.out);
    expect(s).toContain(`consumer '${namespace}' '${secret}' '' 'registry-metrics'`);
    expect(s).toContain('policy \'registry-metrics\' \'Prometheus reading the agents\'\\\'\' metrics of registry/registry\' \'agent_prefix "" { policy = "read" }');
    expect(job(r.out).spec.template.metadata.annotations['cdk8s-architect.dev/writes-secrets'].split(',')).toContain(`${namespace}/${secret}`);
    const role = one(r.out.objects, 'Role', 'registry-consul-bootstrap', namespace);
    expect(role.rules[1].resourceNames).toEqual([secret]);

    // Prometheus reaches the servers' HTTPS port, and they admit it
    const consulPolicy = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry');
    expect(JSON.stringify(consulPolicy.spec.ingress)).toContain(namespace);
    expect(consulPolicy.spec.ingress.some((i: any) => i.ports?.some((p: any) => p.port === 8501)
      && i.from?.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace))).toBe(true);

    // the Consul alert rules are in
    for (const alert of ['ConsulNoLeader', 'ConsulServerUnhealthy', 'ConsulNoFailureTolerance']) expect(rules).toContain(`alert: ${alert}`);
  });

  test('development (plain HTTP, no ACLs): the same job without TLS or token, nothing to mount, no bootstrap', () => {
    const r = build(arch.Profile.DEVELOPMENT, {}, withPrometheus());
    expect(checkAll(r.out.objects)).toEqual([]);
    const { config } = prometheusConfig(r.out);
    const j = config.scrape_configs.find((x: any) => x.job_name === 'registry/registry');
    expect(j).toMatchObject({ metrics_path: '/v1/agent/metrics', params: { format: ['prometheus'] } });
    expect(j.scheme).toBeUndefined();
    expect(j.authorization).toBeUndefined();
    expect(j.tls_config).toBeUndefined();
    expect(j.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_ip'], regex: '([^:]+)', replacement: '$1:8500', target_label: '__address__' });
    expect(find(r.out.objects, 'Job').filter((x) => x.metadata.namespace === 'registry')).toHaveLength(0);
  });

  test('with the Prometheus Operator: a PodMonitor over HTTPS with the CA and token from a Secret the bootstrap writes in Consul\'s namespace', () => {
    const r = build(arch.Profile.PRODUCTION, {}, withPrometheus(true));
    expect(checkAll(r.out.objects)).toEqual([]);
    const monitor = one(r.out.objects, 'PodMonitor', 'registry-metrics', 'registry');
    const secret = 'registry-registry-consul-metrics';
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({
      portNumber: 8501,
      path: '/v1/agent/metrics',
      params: { format: ['prometheus'] },
      scheme: 'https',
      tlsConfig: { ca: { secret: { name: secret, key: 'ca.crt' } }, serverName: 'server.dc1.consul' },
      authorization: { type: 'Bearer', credentials: { name: secret, key: 'token' } },
    });
    expect(script(r.out)).toContain(`consumer 'registry' '${secret}' '' 'registry-metrics'`);
  });
});
