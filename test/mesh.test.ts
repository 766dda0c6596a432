import { App, Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll, checkSchemas } from './harness/invariants';
import { K8sObject, newTestApp, synthApp, SynthResult } from './harness/synth';
import { StatelessWorkload } from '../src/internal/stateless-workload';

const IMAGE = (n: string) => `ghcr.io/acme/${n}:1.0.0`;

interface Shop {
  app: App;
  shop: arch.BackendArchitecture;
  web: arch.Microservice;
  orders: arch.Microservice;
  ordersNext: arch.Microservice;
  payments: arch.Microservice;
  registry: arch.Registry;
}

/** web -> orders (HTTP) -> payments (gRPC); all use an etcd registry (defrag CronJob); Prometheus scrapes. */
function shop(clusterDomain = 'cluster.local'): Shop {
  const app = newTestApp();
  const a = new arch.BackendArchitecture(app, 'shop', { clusterDomain });
  new arch.ObservabilityStack(a, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const registry = new arch.Registry(a, 'registry', { engine: arch.RegistryEngine.etcd() });
  const web = new arch.Microservice(a, 'web', { image: IMAGE('web'), context: 'storefront' });
  const orders = new arch.Microservice(a, 'orders', { image: IMAGE('orders'), context: 'ordering' });
  const ordersNext = new arch.Microservice(a, 'orders-next', { image: IMAGE('orders'), context: 'ordering' });
  const payments = new arch.Microservice(a, 'payments', { image: IMAGE('payments'), context: 'payments', protocol: arch.AppProtocol.GRPC, port: 9090 });
  for (const s of [web, orders, ordersNext, payments]) s.uses(registry);
  web.uses(orders);
  orders.uses(payments);
  ordersNext.uses(payments);
  return { app, shop: a, web, orders, ordersNext, payments, registry };
}

/** The etcd defragmentation CronJob's pods (a platform task). */
const defrag = (s: Shop): arch.IWorkload => s.shop._workloadList.find((r) => r.kind === 'defrag')!.workload;

const find = (r: SynthResult, kind: string, ns: string, name: string): K8sObject | undefined =>
  r.objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
const must = (r: SynthResult, kind: string, ns: string, name: string): K8sObject => {
  const o = find(r, kind, ns, name);
  if (!o) throw new Error(`no ${kind} ${ns}/${name}`);
  return o;
};
const namespace = (r: SynthResult, name: string) => r.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)!;
const template = (o: K8sObject) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template);
const named = (f: any, peerName: string) => [
  f.podSelector?.matchLabels?.['app.kubernetes.io/name'],
  f.podSelector?.matchLabels?.['app.kubernetes.io/component'],
  f.podSelector?.matchLabels?.['gateway.networking.k8s.io/gateway-name'],
].includes(peerName);
const ingressPorts = (p: K8sObject, peerName: string): number[] => (p.spec.ingress ?? [])
  .filter((rule: any) => rule.from?.some((f: any) => named(f, peerName)))
  .flatMap((rule: any) => rule.ports.map((x: any) => x.port));
const egressPorts = (p: K8sObject, peerName: string): number[] => (p.spec.egress ?? [])
  .filter((rule: any) => rule.to?.some((f: any) => named(f, peerName)))
  .flatMap((rule: any) => rule.ports.map((x: any) => x.port));

describe('Istio, sidecar data plane', () => {
  let r: SynthResult;
  let s: Shop;
  beforeAll(() => {
    s = shop('corp.internal');
    const mesh = new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.istio({ revision: 'stable' }), enrol: [defrag(s)] });
    mesh.setTrafficPolicy(s.orders, {
      timeout: Duration.seconds(3),
      retries: { attempts: 2, perTryTimeout: Duration.millis(800), methods: [arch.HttpMethod.GET] },
      outlierDetection: { consecutiveErrors: 5 },
      connectionPool: { maxConnections: 100, maxPendingRequests: 10, maxRequestsPerConnection: 5 },
      canary: { canary: s.ordersNext, stableWeight: 90, canaryWeight: 10 },
    });
    mesh.setBindingPolicy(s.web, s.orders, { timeout: Duration.seconds(1) });
    r = synthApp(s.app);
  });

  test('passes every invariant (CRD schemas of Istio 1.24.6 and 1.30.3, restricted pods, wiring)', () => {
    expect(checkAll(r.objects)).toEqual([]);
  });

  test('enrolls namespaces with the revision label; stateful clusters opt out with the reason', () => {
    expect(namespace(r, 'ordering').metadata.labels!['istio.io/rev']).toBe('stable');
    expect(namespace(r, 'ordering').metadata.labels!['istio-injection']).toBeUndefined();
    expect(namespace(r, 'ordering').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const etcd = must(r, 'StatefulSet', 'registry', 'registry');
    expect(template(etcd).metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(template(etcd).metadata.annotations['cdk8s-architect.dev/mesh-excluded']).toMatch(/^etcd: /);
  });

  test('mutual TLS is STRICT and authorization names the callers\' identities in the cluster domain on the ports used', () => {
    // one STRICT policy per enrolled namespace, no selector: every proxied workload in it
    expect(must(r, 'PeerAuthentication', 'ordering', 'strict-mtls').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(r.objects.filter((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'ordering')).toHaveLength(1);
    const payments = must(r, 'AuthorizationPolicy', 'payments', 'payments');
    expect(payments.spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'payments' }) },
      rules: [{
        from: [{ source: { principals: ['corp.internal/ns/ordering/sa/orders', 'corp.internal/ns/ordering/sa/orders-next'] } }],
        to: [{ operation: { ports: ['9090'] } }],
      }],
    });
    // the canary serves its stable version's callers
    expect(must(r, 'AuthorizationPolicy', 'ordering', 'orders-next').spec.rules[0].from[0].source.principals).toEqual(['corp.internal/ns/storefront/sa/web']);
    // nobody calls web: ALLOW without rules denies every request
    expect(must(r, 'AuthorizationPolicy', 'storefront', 'web').spec.rules).toBeUndefined();
  });

  test('each sidecar learns only the hosts its workload calls', () => {
    expect(must(r, 'Sidecar', 'storefront', 'web').spec.egress).toEqual([{
      hosts: [
        'istio-system/*',
        'ordering/orders-next.ordering.svc.corp.internal',
        'ordering/orders.ordering.svc.corp.internal',
        'registry/registry-headless.registry.svc.corp.internal',
        'registry/registry.registry.svc.corp.internal',
      ],
    }]);
  });

  test('traffic policy: DestinationRule, VirtualService with binding route, GET retries, timeouts and a 90/10 canary', () => {
    const dr = must(r, 'DestinationRule', 'ordering', 'orders');
    expect(dr.spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 5 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    expect(must(r, 'DestinationRule', 'ordering', 'orders-next').spec.host).toBe('orders-next.ordering.svc.corp.internal');
    const vs = must(r, 'VirtualService', 'ordering', 'orders');
    const route = [
      { destination: { host: 'orders.ordering.svc.corp.internal', port: { number: 8080 } }, weight: 90 },
      { destination: { host: 'orders-next.ordering.svc.corp.internal', port: { number: 8080 } }, weight: 10 },
    ];
    expect(vs.spec.http).toEqual([
      { match: [{ port: 8080, sourceLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'web' }), sourceNamespace: 'storefront' }], timeout: '1s', route },
      {
        match: [{ port: 8080, method: { exact: 'GET' } }],
        timeout: '3s',
        retries: { attempts: 2, perTryTimeout: '800ms', retryOn: '5xx,connect-failure,refused-stream,reset' },
        route,
      },
      { match: [{ port: 8080 }], timeout: '3s', route },
    ]);
  });

  test('NetworkPolicies: istiod 15012 from enrolled namespaces, canary wired like its stable version, merged metrics on 15020', () => {
    const cp = must(r, 'NetworkPolicy', 'ordering', 'allow-mesh-control-plane');
    expect(cp.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
      ports: [{ port: 15012, protocol: 'TCP' }],
    }]);
    expect(find(r, 'NetworkPolicy', 'registry', 'allow-mesh-control-plane')).toBeDefined(); // the defrag CronJob is meshed
    expect(ingressPorts(must(r, 'NetworkPolicy', 'ordering', 'orders-next'), 'web')).toEqual([8080]);
    expect(egressPorts(must(r, 'NetworkPolicy', 'storefront', 'web'), 'orders-next')).toEqual([8080]);
    // Prometheus stays out and scrapes the sidecar agent's merged endpoint
    const orders = must(r, 'Deployment', 'ordering', 'orders');
    expect(template(orders).metadata.annotations).toEqual(expect.objectContaining({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
      'prometheus.istio.io/merge-metrics': 'true',
      'cdk8s-architect.dev/scrape-port': '15020',
      'cdk8s-architect.dev/scrape-path': '/stats/prometheus',
    }));
    expect(ingressPorts(must(r, 'NetworkPolicy', 'ordering', 'orders'), 'prometheus')).toContain(15020);
    expect(template(must(r, 'StatefulSet', 'observability', 'observability-prometheus')).metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  test('a Job calling only workloads outside the mesh stays out by default', () => {
    const t = shop();
    new arch.Mesh(t.shop, 'mesh', { engine: arch.MeshEngine.istio() });
    const out = synthApp(t.app);
    const pods = template(must(out, 'CronJob', 'registry', 'registry-defrag')).metadata;
    // no proxy, and its namespace (etcd's) is not enrolled: no mesh annotation (only etcd's TLS Secret is listed)
    expect(pods.annotations).toEqual({ 'cdk8s-architect.dev/external-secrets': 'registry-server-tls' });
    expect(namespace(out, 'registry').metadata.labels!['istio-injection']).toBeUndefined();
  });

  test('Jobs and CronJobs in the mesh run their sidecar as a native sidecar, so they complete', () => {
    const cronJob = must(r, 'CronJob', 'registry', 'registry-defrag');
    expect(template(cronJob).metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(template(cronJob).metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
  });
});

describe('Istio, ambient data plane, enrolment per workload', () => {
  let r: SynthResult;
  beforeAll(() => {
    const s = shop();
    new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT }), enrolment: arch.MeshEnrolment.WORKLOAD });
    r = synthApp(s.app);
  });

  test('passes every invariant', () => {
    expect(checkAll(r.objects)).toEqual([]);
  });

  test('pods, not namespaces, carry istio.io/dataplane-mode; no sidecar objects or annotations', () => {
    expect(namespace(r, 'ordering').metadata.labels!['istio.io/dataplane-mode']).toBeUndefined();
    expect(template(must(r, 'Deployment', 'ordering', 'orders')).metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(template(must(r, 'StatefulSet', 'registry', 'registry')).metadata.labels['istio.io/dataplane-mode']).toBeUndefined();
    expect(r.objects.filter((o) => o.kind === 'Sidecar')).toEqual([]);
    // Jobs that call only workloads outside the mesh stay out of it
    const defragPods = template(must(r, 'CronJob', 'registry', 'registry-defrag')).metadata;
    expect(defragPods.labels['istio.io/dataplane-mode']).toBeUndefined();
    expect(defragPods.annotations?.['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    expect(find(r, 'NetworkPolicy', 'ordering', 'allow-mesh-control-plane')).toBeUndefined();
  });

  test('HBONE 15008 is open between meshed callers and servers; kubelet probes arrive from 169.254.7.127', () => {
    expect(ingressPorts(must(r, 'NetworkPolicy', 'payments', 'payments'), 'orders')).toEqual([9090, 15008]);
    expect(egressPorts(must(r, 'NetworkPolicy', 'ordering', 'orders'), 'payments')).toEqual([9090, 15008]);
    expect(must(r, 'NetworkPolicy', 'payments', 'payments-kubelet-probes').spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '169.254.7.127/32' } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
  });

  test('the scraper is in the mesh and authorized on the metrics port', () => {
    expect(template(must(r, 'StatefulSet', 'observability', 'observability-prometheus')).metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    const orders = must(r, 'AuthorizationPolicy', 'ordering', 'orders');
    expect(orders.spec.rules[0].from[0].source.principals).toEqual([
      'cluster.local/ns/observability/sa/observability-prometheus',
      'cluster.local/ns/storefront/sa/web',
    ]);
  });
});

test('ambient L7 policy is served by a waypoint: Gateway, Service label, authorization split between the waypoint and the pods', () => {
  const s = shop();
  const mesh = new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT }) });
  mesh.setTrafficPolicy(s.orders, {
    timeout: Duration.seconds(2),
    canary: { canary: s.ordersNext, stableWeight: 95, canaryWeight: 5 },
    outlierDetection: { consecutiveErrors: 3 },
  });
  const r = synthApp(s.app);
  expect(checkAll(r.objects)).toEqual([]);
  const gateway = must(r, 'Gateway', 'ordering', 'waypoint');
  expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
  expect(gateway.metadata.labels!['istio.io/waypoint-for']).toBe('service');
  expect(gateway.spec).toEqual({ gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });
  expect(must(r, 'Service', 'ordering', 'orders').metadata.labels!['istio.io/use-waypoint']).toBe('waypoint');
  expect(must(r, 'Service', 'ordering', 'orders-next').metadata.labels!['istio.io/use-waypoint']).toBe('waypoint');
  expect(must(r, 'AuthorizationPolicy', 'ordering', 'orders-waypoint').spec).toEqual({
    targetRefs: [{ group: '', kind: 'Service', name: 'orders' }],
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/storefront/sa/web'] } }], to: [{ operation: { ports: ['8080'] } }] }],
  });
  expect(must(r, 'AuthorizationPolicy', 'ordering', 'orders').spec.rules.map((x: any) => x.from[0].source.principals)).toEqual([
    ['cluster.local/ns/observability/sa/observability-prometheus'], // scrapes the pods directly
    ['cluster.local/ns/ordering/sa/waypoint'],
  ]);
  // HBONE: web -> waypoint -> orders
  expect(egressPorts(must(r, 'NetworkPolicy', 'storefront', 'web'), 'waypoint')).toEqual([15008]);
  expect(egressPorts(must(r, 'NetworkPolicy', 'storefront', 'web'), 'orders')).toEqual([8080]);
  const waypointPolicy = must(r, 'NetworkPolicy', 'ordering', 'waypoint');
  expect(waypointPolicy.spec.podSelector).toEqual({ matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } });
  expect(ingressPorts(waypointPolicy, 'web')).toEqual([15008]);
  expect(must(r, 'NetworkPolicy', 'ordering', 'waypoint-control-plane').spec.egress[0].ports).toEqual([{ port: 15012, protocol: 'TCP' }]);
  expect(must(r, 'VirtualService', 'ordering', 'orders').spec.http[0].route.map((x: any) => x.weight)).toEqual([95, 5]);
  expect(must(r, 'DestinationRule', 'ordering', 'orders').spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(3);
});

describe('Linkerd', () => {
  let r: SynthResult;
  beforeAll(() => {
    const s = shop();
    const mesh = new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.linkerd(), enrol: [defrag(s)] });
    mesh.setTrafficPolicy(s.orders, {
      timeout: Duration.seconds(2),
      retries: { attempts: 3, perTryTimeout: Duration.millis(300), methods: [arch.HttpMethod.GET, arch.HttpMethod.PUT] },
      outlierDetection: { consecutiveErrors: 7, baseEjectionTime: Duration.seconds(5) },
      canary: { canary: s.ordersNext, stableWeight: 75, canaryWeight: 25 },
    });
    mesh.setTrafficPolicy(s.payments, { timeout: Duration.millis(500), retries: { attempts: 1, retryNonIdempotent: true } });
    r = synthApp(s.app);
  });

  test('passes every invariant (CRD schemas of Linkerd 2.19 and 2.20)', () => {
    expect(checkAll(r.objects)).toEqual([]);
  });

  test('namespaces are injected with the all-authenticated default; stateful clusters opt out', () => {
    expect(namespace(r, 'ordering').metadata.annotations).toEqual(expect.objectContaining({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/default-inbound-policy': 'all-authenticated',
    }));
    expect(template(must(r, 'StatefulSet', 'registry', 'registry')).metadata.annotations['linkerd.io/inject']).toBe('disabled');
    expect(template(must(r, 'CronJob', 'registry', 'registry-defrag')).metadata.annotations['config.beta.linkerd.io/proxy-enable-native-sidecar']).toBe('true');
  });

  test('a Server per port (deny), MeshTLSAuthentication of the callers, AuthorizationPolicy', () => {
    const server = must(r, 'Server', 'payments', 'payments-grpc');
    expect(server.apiVersion).toBe('policy.linkerd.io/v1beta3');
    expect(server.spec).toEqual({
      podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'payments' }) },
      port: 9090,
      accessPolicy: 'deny',
      proxyProtocol: 'gRPC',
    });
    expect(must(r, 'MeshTLSAuthentication', 'payments', 'payments-grpc').spec.identityRefs).toEqual([
      { kind: 'ServiceAccount', name: 'orders', namespace: 'ordering' },
      { kind: 'ServiceAccount', name: 'orders-next', namespace: 'ordering' },
    ]);
    // gRPC: the kubelet's health check is authorized from the probe networks on its own route
    expect(must(r, 'AuthorizationPolicy', 'payments', 'payments-grpc-health').spec.requiredAuthenticationRefs).toEqual([
      { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'payments-grpc-health' },
    ]);
    expect(must(r, 'NetworkAuthentication', 'payments', 'payments-grpc-health').spec.networks).toEqual([{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }]);
    expect(must(r, 'AuthorizationPolicy', 'ordering', 'orders-http').spec).toEqual({
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'orders-http' },
      requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'orders-http' }],
    });
  });

  test('NetworkPolicies: the proxy inbound port 4143 between meshed pods; identity, destination and policy controllers', () => {
    expect(ingressPorts(must(r, 'NetworkPolicy', 'payments', 'payments'), 'orders')).toEqual([4143, 9090]);
    const cp = must(r, 'NetworkPolicy', 'ordering', 'allow-mesh-control-plane');
    expect(cp.spec.egress.map((e: any) => [e.to[0].podSelector.matchLabels['linkerd.io/control-plane-component'], e.ports.map((p: any) => p.port)]))
      .toEqual([['identity', [8080]], ['destination', [8086, 8090]]]);
  });

  test('traffic policy: failure accrual on the Service, HTTPRoutes with retries for GET and PUT only, timeouts, 75/25 canary', () => {
    expect(must(r, 'Service', 'ordering', 'orders').metadata.annotations).toEqual(expect.objectContaining({
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '7',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '5s',
    }));
    const all = must(r, 'HTTPRoute', 'ordering', 'orders');
    expect(all.apiVersion).toBe('policy.linkerd.io/v1beta3');
    expect(all.metadata.annotations).toEqual({ 'timeout.linkerd.io/request': '2s' });
    expect(all.spec.parentRefs).toEqual([{ group: 'core', kind: 'Service', name: 'orders', port: 8080 }]);
    expect(all.spec.rules[0].backendRefs).toEqual([{ name: 'orders', port: 8080, weight: 75 }, { name: 'orders-next', port: 8080, weight: 25 }]);
    const retries = must(r, 'HTTPRoute', 'ordering', 'orders-retries');
    expect(retries.metadata.annotations).toEqual({
      'timeout.linkerd.io/request': '2s',
      'retry.linkerd.io/http': '5xx',
      'retry.linkerd.io/limit': '3',
      'retry.linkerd.io/timeout': '300ms',
    });
    expect(retries.spec.rules[0].matches.map((m: any) => m.method)).toEqual(['GET', 'PUT']);
    // gRPC service: retries and timeouts as Service annotations
    expect(must(r, 'Service', 'payments', 'payments').metadata.annotations).toEqual(expect.objectContaining({
      'retry.linkerd.io/grpc': 'cancelled,deadline-exceeded,unavailable',
      'retry.linkerd.io/limit': '1',
      'timeout.linkerd.io/request': '500ms',
    }));
  });
});

describe('enrolment decisions', () => {
  test('a server whose caller is excluded leaves the mesh with it (strict mTLS would refuse the caller)', () => {
    const s = shop();
    new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.istio(), exclude: [s.web] });
    const r = synthApp(s.app);
    const orders = template(must(r, 'Deployment', 'ordering', 'orders'));
    expect(orders.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(orders.metadata.annotations['cdk8s-architect.dev/mesh-excluded']).toBe('called by shop/web, which is not in the mesh');
    expect(find(r, 'AuthorizationPolicy', 'ordering', 'orders')).toBeUndefined();
    // and so does payments, whose caller orders just left
    expect(find(r, 'AuthorizationPolicy', 'payments', 'payments')).toBeUndefined();
    expect(namespace(r, 'payments').metadata.labels!['istio-injection']).toBeUndefined();
    expect(find(r, 'AuthorizationPolicy', 'ordering', 'orders-next')).toBeDefined();
    expect(checkAll(r.objects)).toEqual([]);
  });

  test('meshed clients of MySQL (server-first) skip its port', () => {
    for (const [engine, key] of [[arch.MeshEngine.istio(), 'traffic.sidecar.istio.io/excludeOutboundPorts'], [arch.MeshEngine.linkerd(), 'config.linkerd.io/skip-outbound-ports']] as const) {
      const app = newTestApp();
      const a = new arch.BackendArchitecture(app, 'cfg');
      new arch.ConfigCenter(a, 'config', {
        engine: arch.ConfigCenterEngine.apollo({
          environment: arch.ApolloEnvironment.DEV,
          mysqlRootPasswordSecret: { secretName: 'apollo-mysql', key: 'root-password' },
          mysqlPasswordSecret: { secretName: 'apollo-mysql', key: 'password' },
        }),
      });
      new arch.Mesh(a, 'mesh', { engine });
      const r = synthApp(app);
      const configService = r.objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('configservice'))!;
      expect(template(configService).metadata.annotations[key]).toBe('3306');
      const mysql = r.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('mysql'))!;
      expect(template(mysql).metadata.annotations['cdk8s-architect.dev/mesh-excluded']).toMatch(/^MySQL: a server-first protocol/);
      expect(checkAll(r.objects)).toEqual([]);
    }
  });

  test('Mesh.of finds the mesh; one mesh per architecture', () => {
    const s = shop();
    const mesh = new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.linkerd() });
    expect(arch.Mesh.of(s.shop)).toBe(mesh);
    expect(() => new arch.Mesh(s.shop, 'mesh2', { engine: arch.MeshEngine.istio() }))
      .toThrow('[shop/mesh2] the architecture already has the mesh "shop/mesh". Fix: create one mesh per architecture');
  });
});

describe('a gateway (issue 8) as the graph will show it: a workload with a public listener whose routes are Edges', () => {
  /** A stand-in gateway: a Deployment with a public port that routes to orders (an Edge whose consumer is the gateway). */
  function withGateway(engine: arch.IMeshEngine): SynthResult {
    const s = shop();
    const chart = s.shop._newComponentChart(s.shop, 'edge');
    s.shop.addNamespace(s.shop, 'edge');
    const gateway = new StatelessWorkload(s.shop, 'edge', {
      architecture: s.shop,
      chart,
      name: 'edge',
      namespace: 'edge',
      identity: { name: 'edge', instance: 'shop-edge', component: 'gateway', partOf: 'shop' },
      replicas: 2,
      ports: [{ name: 'http', port: 8000, appProtocol: 'http' }],
      publicPorts: [8000],
      uid: 1000,
      containers: (w) => [{ name: 'proxy', image: 'envoyproxy/envoy:v1.33.0', ports: w.containerPorts }],
    });
    const ports = [{ port: 8080, protocol: arch.Protocol.TCP }];
    gateway.allowEgressTo(s.orders, ports);
    s.shop._recordEdge({ consumer: gateway, provider: s.orders, ports, via: s.orders });
    s.orders.allowIngressFrom(gateway, ports);
    new arch.Mesh(s.shop, 'mesh', { engine });
    const r = synthApp(s.app);
    expect(checkSchemas(r.objects)).toEqual([]); // (the stand-in's own pod is not a library workload: no Pod Security check)
    return r;
  }

  test('Istio: the route is authorized for the gateway\'s identity; the public listener takes plaintext from any client', () => {
    const r = withGateway(arch.MeshEngine.istio());
    expect(must(r, 'AuthorizationPolicy', 'ordering', 'orders').spec.rules[0].from[0].source.principals).toEqual([
      'cluster.local/ns/edge/sa/edge',
      'cluster.local/ns/storefront/sa/web',
    ]);
    expect(must(r, 'PeerAuthentication', 'edge', 'edge').spec).toEqual(expect.objectContaining({
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8000: { mode: 'PERMISSIVE' } },
    }));
    expect(must(r, 'AuthorizationPolicy', 'edge', 'edge').spec.rules).toEqual([{ to: [{ operation: { ports: ['8000'] } }] }]);
  });

  test('Linkerd: the gateway\'s identity is a MeshTLS identity of the route\'s Server; its listener\'s Server is all-unauthenticated', () => {
    const r = withGateway(arch.MeshEngine.linkerd());
    expect(must(r, 'MeshTLSAuthentication', 'ordering', 'orders-http').spec.identityRefs).toEqual([
      { kind: 'ServiceAccount', name: 'edge', namespace: 'edge' },
      { kind: 'ServiceAccount', name: 'observability-prometheus', namespace: 'observability' },
      { kind: 'ServiceAccount', name: 'web', namespace: 'storefront' },
    ]);
    expect(must(r, 'Server', 'edge', 'edge-http').spec.accessPolicy).toBe('all-unauthenticated');
    expect(find(r, 'AuthorizationPolicy', 'edge', 'edge-http')).toBeUndefined();
  });
});

describe('bad inputs fail at synth with the path, the value and the fix', () => {
  const synthWith = (configure: (s: Shop, mesh: arch.Mesh) => void, engine = arch.MeshEngine.istio()) => {
    const s = shop();
    const mesh = new arch.Mesh(s.shop, 'mesh', { engine });
    configure(s, mesh);
    return () => s.app.synth();
  };

  test('canary weights that do not sum to 100', () => {
    expect(synthWith((s, m) => m.setTrafficPolicy(s.orders, { canary: { canary: s.ordersNext, stableWeight: 90, canaryWeight: 20 } })))
      .toThrow('[shop/mesh] the canary weights of microservice "orders" (shop/orders) sum to 110 (90 + 20), not 100. Fix: set stableWeight to 80 (or canaryWeight to 10)');
  });

  test('retries on non-idempotent requests without opting in', () => {
    expect(synthWith((s, m) => m.setTrafficPolicy(s.orders, { retries: { attempts: 2 } })))
      .toThrow(/^\[shop\/mesh\] the traffic policy of orders retries every method, which are not idempotent: a retried request can take effect twice\. Fix: restrict retries\.methods to idempotent methods/);
    expect(synthWith((s, m) => m.setTrafficPolicy(s.orders, { retries: { attempts: 2, methods: [arch.HttpMethod.GET, arch.HttpMethod.POST] } })))
      .toThrow('retries POST, which are not idempotent');
    expect(synthWith((s, m) => m.setTrafficPolicy(s.payments, { retries: { attempts: 2, methods: [arch.HttpMethod.GET] } })))
      .toThrow('retries gRPC calls (HTTP POST), which are not idempotent: a retried request can take effect twice. Fix: set retryNonIdempotent: true');
    expect(synthWith((s, m) => m.setTrafficPolicy(s.orders, { retries: { attempts: 2, retryNonIdempotent: true } }))).not.toThrow();
  });

  test('enrolling a component that cannot run meshed', () => {
    expect(synthWith((s) => s, arch.MeshEngine.istio())).not.toThrow();
    const s = shop();
    new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.linkerd(), enrol: [s.registry.workload!] });
    expect(() => s.app.synth()).toThrow(/^\[shop\/mesh\] "shop\/registry\/etcd" cannot run in the mesh: etcd: members find each other by pod address .*\. Fix: remove it from enrol: it stays out of the mesh/);
  });

  test('engine-specific limits', () => {
    expect(synthWith((s, m) => m.setTrafficPolicy(s.orders, { connectionPool: { maxConnections: 10 } }), arch.MeshEngine.linkerd()))
      .toThrow('[shop/mesh] the traffic policy of orders sets connectionPool, which Linkerd does not implement. Fix: remove connectionPool or use MeshEngine.istio()');
    expect(synthWith((s, m) => m.setBindingPolicy(s.web, s.orders, { timeout: Duration.seconds(1) }), arch.MeshEngine.linkerd()))
      .toThrow('Linkerd applies client-side routes to every caller of a Service, not to one binding');
    const ambient = arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT });
    expect(synthWith((s, m) => m.setBindingPolicy(s.web, s.orders, { timeout: Duration.seconds(1) }), ambient))
      .toThrow('under the ambient data plane the service\'s waypoint applies its routes to every caller');
    expect(synthWith((s, m) => m.setBindingPolicy(s.web, s.payments, { timeout: Duration.seconds(1) })))
      .toThrow('"shop/web" does not use microservice "payments" (shop/payments). Fix: declare the binding first (web.uses(payments))');
    const s = shop();
    expect(() => new arch.Mesh(s.shop, 'mesh', { engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT, revision: 'stable' }) }))
      .toThrow('[shop/mesh] revision "stable" is set for the ambient data plane. Fix: remove revision');
  });
});
