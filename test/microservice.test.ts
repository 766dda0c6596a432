import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';

/** One production and one development architecture, synthesized once for the whole file. */
let prod: SynthResult;
let dev: SynthResult;
let shop: arch.BackendArchitecture;

beforeAll(() => {
  const app = newTestApp();
  shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const orders = new arch.Microservice(shop, 'orders', {
    image: 'ghcr.io/acme/orders:1.4.2',
    context: 'ordering',
    team: 'checkout',
    env: { LOG_FORMAT: arch.EnvValue.fromValue('json'), DB_PASSWORD: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'password' }) },
  });
  const payments = new arch.Microservice(shop, 'payments', {
    image: 'ghcr.io/acme/payments:2.0.1',
    context: 'payments',
    team: 'checkout',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
    additionalPorts: [{ name: 'admin', port: 8081 }],
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
  });
  new arch.Microservice(shop, 'audit', { image: 'ghcr.io/acme/audit:1.0.0', context: 'ordering', replicas: 2 });
  orders.uses(payments);
  orders.uses(payments); // idempotent
  prod = synthApp(app);

  const devApp = newTestApp();
  const sandbox = new arch.BackendArchitecture(devApp, 'sandbox', { profile: arch.Profile.DEVELOPMENT });
  new arch.Microservice(sandbox, 'web', { image: 'ghcr.io/acme/web:1.0.0' });
  dev = synthApp(devApp);
});

test('the output passes every invariant', () => {
  expect(checkAll(prod.objects)).toEqual([]);
  expect(checkAll(dev.objects)).toEqual([]);
});

test('one file per component, named <architecture>-<component>, plus the namespaces file', () => {
  expect([...prod.files.keys()]).toEqual(['shop-audit.k8s.yaml', 'shop-namespaces.k8s.yaml', 'shop-orders.k8s.yaml', 'shop-payments.k8s.yaml']);
  for (const o of prod.byFile.get('shop-orders.k8s.yaml')!) {
    expect(o.metadata.namespace).toBe('ordering');
  }
});

test('selectors use stable recommended labels, never construct paths', () => {
  const d = one(prod.objects, 'Deployment', 'orders', 'ordering');
  expect(d.spec.selector.matchLabels).toEqual({
    'app.kubernetes.io/name': 'orders',
    'app.kubernetes.io/instance': 'shop-orders',
    'app.kubernetes.io/component': 'microservice',
  });
  expect(d.metadata.labels).toMatchObject({
    'app.kubernetes.io/part-of': 'shop',
    'app.kubernetes.io/managed-by': 'cdk8s-architect',
    'app.kubernetes.io/version': '1.4.2',
    'cdk8s-architect.dev/team': 'checkout',
    'cdk8s-architect.dev/bounded-context': 'ordering',
  });
  expect(JSON.stringify(prod.objects)).not.toContain('cdk8s.io/metadata.addr');
});

test('containers are restricted: non-root, no escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root with /tmp writable', () => {
  const spec = one(prod.objects, 'Deployment', 'orders', 'ordering').spec.template.spec;
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(spec.enableServiceLinks).toBe(false);
  const c = spec.containers[0];
  expect(c.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(c.volumeMounts).toEqual([{ name: 'writable-tmp', mountPath: '/tmp' }]);
  expect(spec.volumes).toEqual([{ name: 'writable-tmp', emptyDir: { sizeLimit: '256Mi' } }]);
  expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '512Mi' } });
});

test('probes follow the protocol: HTTP paths for HTTP, the gRPC health protocol for gRPC', () => {
  const orders = one(prod.objects, 'Deployment', 'orders', 'ordering').spec.template.spec.containers[0];
  expect(orders.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8080, scheme: 'HTTP' });
  expect(orders.livenessProbe.httpGet.path).toBe('/livez');
  expect(orders.startupProbe.failureThreshold * orders.startupProbe.periodSeconds).toBe(120);
  const payments = one(prod.objects, 'Deployment', 'payments', 'payments').spec.template.spec.containers[0];
  expect(payments.readinessProbe.grpc).toEqual({ port: 9090 });
});

test('production: replicas 3, PDB, zone and node spread; autoscaled services have an HPA and no fixed replicas', () => {
  const orders = one(prod.objects, 'Deployment', 'orders', 'ordering');
  expect(orders.spec.replicas).toBe(3);
  expect(orders.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  expect(orders.spec.template.spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
    ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ['kubernetes.io/hostname', 'DoNotSchedule'],
  ]);
  expect(one(prod.objects, 'PodDisruptionBudget', 'orders', 'ordering').spec.maxUnavailable).toBe(1);
  const payments = one(prod.objects, 'Deployment', 'payments', 'payments');
  expect(payments.spec.replicas).toBeUndefined();
  const hpa = one(prod.objects, 'HorizontalPodAutoscaler', 'payments', 'payments');
  expect(hpa.apiVersion).toBe('autoscaling/v2');
  expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'payments' } });
  expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(70);
  expect(one(prod.objects, 'Deployment', 'audit', 'ordering').spec.replicas).toBe(2);
});

test('development: one small replica, no PDB, no spread', () => {
  const web = one(dev.objects, 'Deployment', 'web', 'sandbox');
  expect(web.spec.replicas).toBe(1);
  expect(web.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  expect(find(dev.objects, 'PodDisruptionBudget')).toEqual([]);
  expect(web.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
});

test('the Service exposes every port by name with its appProtocol', () => {
  const svc = one(prod.objects, 'Service', 'payments', 'payments');
  expect(svc.spec.ports).toEqual([
    { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
    { name: 'admin', port: 8081, targetPort: 'admin', protocol: 'TCP', appProtocol: 'http' },
  ]);
});

test('uses(): the consumer gets address env vars; user env first (sorted), credentials by Secret reference', () => {
  const d = one(prod.objects, 'Deployment', 'orders', 'ordering');
  const names = d.spec.template.spec.containers[0].env.map((e: any) => e.name);
  expect(names).toEqual(['DB_PASSWORD', 'LOG_FORMAT', 'LOG_LEVEL', 'LOG_SEVERITY', 'PAYMENTS_HOST', 'PAYMENTS_PORT', 'PAYMENTS_ADDR', 'PAYMENTS_ADMIN_PORT']);
  const env = envOf(d);
  expect(env.PAYMENTS_HOST).toBe('payments.payments.svc.cluster.local');
  expect(env.PAYMENTS_ADDR).toBe('payments.payments.svc.cluster.local:9090');
  expect(env.PAYMENTS_ADMIN_PORT).toBe('8081');
  expect(env.DB_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-db', key: 'password' } });
  expect(d.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('orders-db');
});

test('uses(): egress on the consumer and ingress on the provider, for exactly the provider\'s ports', () => {
  const ordersPolicy = one(prod.objects, 'NetworkPolicy', 'orders', 'ordering');
  expect(ordersPolicy.spec.ingress).toBeUndefined();
  expect(ordersPolicy.spec.egress).toEqual([{
    to: [{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments', 'app.kubernetes.io/instance': 'shop-payments', 'app.kubernetes.io/component': 'microservice' } },
    }],
    ports: [{ port: 8081, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }],
  }]);
  const paymentsPolicy = one(prod.objects, 'NetworkPolicy', 'payments', 'payments');
  expect(paymentsPolicy.spec.ingress).toHaveLength(1);
  expect(paymentsPolicy.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('ordering');
  expect(paymentsPolicy.spec.egress).toBeUndefined();
});

test('uses() records one edge per provider in the architecture graph (repeated uses are idempotent)', () => {
  expect(shop.edges.map((e) => `${e.consumer.componentName}->${e.provider.componentName}:${e.ports.map((p) => p.port).join(',')}`)).toEqual(['orders->payments:9090,8081']);
  expect(shop.edges[0].provider.serviceAccountName).toBe('payments');
});

test('each namespace is restricted and default-deny, with DNS allowed', () => {
  const ns = one(prod.objects, 'Namespace', 'ordering');
  expect(ns.metadata.labels).toMatchObject({
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  });
  expect(one(prod.objects, 'NetworkPolicy', 'default-deny-all', 'ordering').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const dns = one(prod.objects, 'NetworkPolicy', 'allow-dns-egress', 'ordering').spec.egress[0];
  expect(dns.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  const kubeSystem = { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } };
  expect(dns.to).toEqual([
    // CoreDNS / kube-dns
    { namespaceSelector: kubeSystem, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    // NodeLocal DNSCache in the pod network (Cilium local redirect policy)
    { namespaceSelector: kubeSystem, podSelector: { matchLabels: { 'k8s-app': 'node-local-dns' } } },
    // NodeLocal DNSCache on the node's link-local address (iptables/IPVS mode): no podSelector matches it
    { ipBlock: { cidr: '169.254.20.10/32' } },
  ]);
  expect(shop.namespaceNames).toEqual(['ordering', 'payments']);
});

describe('DNS peers are configurable', () => {
  const dnsOf = (dns: arch.ClusterDnsOptions) => {
    const app = newTestApp();
    const a = new arch.BackendArchitecture(app, 'shop', { dns });
    new arch.Microservice(a, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' });
    return one(synthApp(app).objects, 'NetworkPolicy', 'allow-dns-egress', 'shop').spec.egress[0].to;
  };
  test('another DNS namespace and labels, the kube-dns ClusterIP that NodeLocal DNSCache intercepts, and no link-local rule', () => {
    expect(dnsOf({ namespace: 'dns', podLabels: { app: 'coredns' }, nodeLocalAddresses: [], additionalServerAddresses: ['10.96.0.10', 'fd00::a/128'] })).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { 'k8s-app': 'node-local-dns' } } },
      { ipBlock: { cidr: '10.96.0.10/32' } },
      { ipBlock: { cidr: 'fd00::a/128' } },
    ]);
  });
  test('bad addresses and empty selectors fail with the path and the fix', () => {
    expect(() => dnsOf({ additionalServerAddresses: ['kube-dns.kube-system'] })).toThrow(/\[shop\] DNS server address "kube-dns.kube-system" is not an IPv4 or IPv6 address.*Fix: use an address/);
    expect(() => dnsOf({ nodeLocalAddresses: ['169.254.20.10/40'] })).toThrow(/"169.254.20.10\/40"/);
    expect(() => dnsOf({ podLabels: {} })).toThrow(/\[shop\] dns.podLabels is empty.*Fix:/);
  });
});

test('the ServiceAccount does not mount an API token', () => {
  expect(one(prod.objects, 'ServiceAccount', 'orders', 'ordering').automountServiceAccountToken).toBe(false);
});
