import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { envoyGatewayProxyName, gatewayApiDuration } from '../src/gateway/gateway-api';

const JWT = arch.GatewayAuth.jwt({ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/.well-known/jwks.json', audiences: ['rides'] });
const ENVOY = {
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
  'app.kubernetes.io/name': 'envoy',
  'gateway.envoyproxy.io/owning-gateway-name': 'edge',
  'gateway.envoyproxy.io/owning-gateway-namespace': 'edge',
};

interface Built {
  out: SynthResult;
  shop: arch.BackendArchitecture;
  edge: arch.Gateway;
  trips: arch.Microservice;
  dispatch: arch.Microservice;
}

function build(): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop');
  const trips = new arch.Microservice(shop, 'trips', { image: 'ghcr.io/acme/trips:1.0.0', context: 'rides' });
  const dispatch = new arch.Microservice(shop, 'dispatch', { image: 'ghcr.io/acme/dispatch:1.0.0', context: 'rides', port: 9090, protocol: arch.AppProtocol.GRPC });
  const stack = new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const edge = new arch.Gateway(shop, 'edge', {
    tls: { secretName: 'edge-tls' },
    ipDenyList: ['203.0.113.0/24'],
    cors: { allowOrigins: ['https://app.example.com'], allowCredentials: true },
    requestTimeout: Duration.seconds(30),
    rateLimitPerMinute: 6000,
    routes: [{
      path: '/api/trips',
      to: trips,
      host: 'api.example.com',
      methods: [arch.HttpMethod.POST, arch.HttpMethod.GET],
      headers: { 'x-api-version': '2' },
      stripPrefix: true,
      timeout: Duration.seconds(5),
      retries: { attempts: 2, perTryTimeout: Duration.millis(1500) },
      circuitBreaker: { consecutiveErrors: 3, openDuration: Duration.seconds(20), maxConnections: 100 },
      requestHeaders: { set: { 'x-gateway': 'edge' }, remove: ['x-internal'] },
      responseHeaders: { remove: ['server'] },
      auth: JWT,
      rateLimitPerMinute: 600,
    }],
  });
  edge.route({ to: dispatch, host: 'grpc.example.com', grpcService: 'rides.v1.Dispatch', timeout: Duration.seconds(2) });
  edge.expose(stack.grafana!, { host: 'grafana.ops.example.com', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN });
  edge.expose(stack.prometheus!, { host: 'prometheus.ops.example.com', authentication: arch.ConsoleAuthentication.GATEWAY, auth: JWT });
  return { out: synthApp(app), shop, edge, trips, dispatch };
}

describe('Gateway API engine with Envoy Gateway policies', () => {
  let b: Built;
  let objs: K8sObject[];
  beforeAll(() => {
    b = build();
    objs = b.out.objects;
  });

  test('passes every invariant (CRD schemas of Gateway API v1.3.0/v1.6.1 and Envoy Gateway v1.2.8/v1.9.0)', () => {
    expect(checkAll(objs)).toEqual([]);
  });

  test('Gateway: HTTP and HTTPS listeners, certificate from the user\'s Secret listed as external', () => {
    const gw = one(objs, 'Gateway', 'edge', 'edge');
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.spec.gatewayClassName).toBe('eg');
    expect(gw.metadata.annotations?.['cdk8s-architect.dev/external-secrets']).toBe('edge-tls');
    expect(gw.spec.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https',
        protocol: 'HTTPS',
        port: 443,
        allowedRoutes: { namespaces: { from: 'Same' } },
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'edge-tls' }] },
      },
    ]);
  });

  test('plain HTTP only redirects to HTTPS; routes attach to the HTTPS listener', () => {
    const redirect = one(objs, 'HTTPRoute', 'edge-https-redirect', 'edge');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules[0].filters[0]).toEqual({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } });
    expect(one(objs, 'HTTPRoute', 'edge-trips', 'edge').spec.parentRefs[0].sectionName).toBe('https');
  });

  test('HTTPRoute: host, one match per method with path and header, rewrite, header filters, timeout, backend from the graph', () => {
    const route = one(objs, 'HTTPRoute', 'edge-trips', 'edge');
    expect(route.spec.hostnames).toEqual(['api.example.com']);
    const rule = route.spec.rules[0];
    expect(rule.matches).toEqual(['GET', 'POST'].map((method) => ({
      method, path: { type: 'PathPrefix', value: '/api/trips' }, headers: [{ type: 'Exact', name: 'x-api-version', value: '2' }],
    })));
    expect(rule.backendRefs).toEqual([{ name: 'trips', namespace: 'rides', port: 8080 }]);
    expect(rule.timeouts).toEqual({ request: '5s' });
    expect(rule.filters).toEqual([
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-gateway', value: 'edge' }], remove: ['x-internal'] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } },
    ]);
  });

  test('a gRPC service gets a GRPCRoute matching its service, and a ReferenceGrant lets both route kinds reach Services of its namespace', () => {
    const route = one(objs, 'GRPCRoute', 'edge-dispatch', 'edge');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'rides.v1.Dispatch' } }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'dispatch', namespace: 'rides', port: 9090 }]);
    const grant = one(objs, 'ReferenceGrant', 'edge-edge', 'rides');
    expect(grant.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(grant.spec.from.map((f: any) => f.kind)).toEqual(['GRPCRoute', 'HTTPRoute']);
    expect(grant.spec.to).toEqual([{ group: '', kind: 'Service' }]);
  });

  test('SecurityPolicy: the gateway-wide IP deny list and CORS, repeated with the JWT on the route\'s own policy', () => {
    const gw = one(objs, 'SecurityPolicy', 'edge', 'edge');
    expect(gw.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
    expect(gw.spec.authorization).toEqual({ defaultAction: 'Allow', rules: [{ name: 'ip-deny-list', action: 'Deny', principal: { clientCIDRs: ['203.0.113.0/24'] } }] });
    expect(gw.spec.cors.allowOrigins).toEqual(['https://app.example.com']);
    expect(gw.spec.cors.allowCredentials).toBe(true);
    const route = one(objs, 'SecurityPolicy', 'edge-trips', 'edge');
    expect(route.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'edge-trips' }]);
    expect(route.spec.authorization).toEqual(gw.spec.authorization);
    expect(route.spec.cors).toEqual(gw.spec.cors);
    expect(route.spec.jwt.providers).toEqual([{ name: 'jwt', issuer: 'https://id.example.com', audiences: ['rides'], remoteJWKS: { uri: 'https://id.example.com/.well-known/jwks.json' } }]);
  });

  test('BackendTrafficPolicy: local rate limit, retries, circuit breaking; gateway-wide limit on routes without one', () => {
    const p = one(objs, 'BackendTrafficPolicy', 'edge-trips', 'edge');
    expect(p.spec.rateLimit).toEqual({ type: 'Local', local: { rules: [{ limit: { requests: 600, unit: 'Minute' } }] } });
    expect(p.spec.retry).toEqual({
      numRetries: 2,
      perRetry: { timeout: '1s500ms' },
      retryOn: { triggers: ['connect-failure', 'retriable-status-codes'], httpStatusCodes: [502, 503, 504] },
    });
    expect(p.spec.circuitBreaker).toEqual({ maxConnections: 100 });
    expect(p.spec.healthCheck).toEqual({ passive: { consecutive5XxErrors: 3, baseEjectionTime: '20s' } });
    const grpc = one(objs, 'BackendTrafficPolicy', 'edge-dispatch', 'edge');
    expect(grpc.spec.rateLimit.local.rules[0].limit.requests).toBe(6000);
    expect(grpc.spec.timeout).toEqual({ http: { requestTimeout: '2s' } });
  });

  test('ClientTrafficPolicy: the time a client may take to send its request', () => {
    expect(one(objs, 'ClientTrafficPolicy', 'edge', 'edge').spec.timeout).toEqual({ http: { requestReceivedTimeout: '30s' } });
  });

  test('NetworkPolicy: the routed services admit exactly Envoy Gateway\'s proxies of this Gateway, on exactly the routed port', () => {
    const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: ENVOY } };
    const admitted = (name: string, ns: string) => one(objs, 'NetworkPolicy', name, ns).spec.ingress
      .filter((r: any) => r.from.some((f: any) => JSON.stringify(f) === JSON.stringify(peer))).map((r: any) => r.ports);
    expect(admitted('trips', 'rides')).toEqual([[{ port: 8080, protocol: 'TCP' }]]);
    expect(admitted('dispatch', 'rides')).toEqual([[{ port: 9090, protocol: 'TCP' }]]);
    expect(admitted('observability-grafana', 'observability')).toEqual([[{ port: 3000, protocol: 'TCP' }]]);
  });

  test('every route is an edge of the graph with the exact port, consumed by the data plane workload', () => {
    const edges = b.shop.edges.filter((e) => e.consumer === b.edge.workload);
    expect(edges.map((e) => [e.provider.componentName, e.ports])).toEqual([
      ['trips', [{ port: 8080, protocol: 'TCP' }]],
      ['dispatch', [{ port: 9090, protocol: 'TCP' }]],
      ['observability-grafana', [{ port: 3000, protocol: 'TCP' }]],
      ['observability-prometheus', [{ port: 9090, protocol: 'TCP' }]],
    ]);
    const w = b.edge.workload;
    expect(w.namespace).toBe('envoy-gateway-system');
    expect(w.podSelector).toEqual(ENVOY);
    expect(w.serviceAccountName).toBe(envoyGatewayProxyName('edge', 'edge'));
    expect(w.serviceAccountName).toMatch(/^envoy-edge-edge-[0-9a-f]{8}$/);
  });

  test('consoles: Grafana with its own login, Prometheus behind the gateway\'s JWT', () => {
    const grafana = one(objs, 'HTTPRoute', 'edge-console-grafana', 'edge');
    expect(grafana.spec.hostnames).toEqual(['grafana.ops.example.com']);
    expect(grafana.spec.rules[0].backendRefs).toEqual([{ name: 'observability-grafana', namespace: 'observability', port: 3000 }]);
    expect(find(objs, 'SecurityPolicy', 'edge-console-grafana')).toHaveLength(0);
    expect(one(objs, 'SecurityPolicy', 'edge-console-prometheus', 'edge').spec.jwt.providers[0].issuer).toBe('https://id.example.com');
  });
});

describe('Gateway API durations and names', () => {
  test('GEP-2257 durations', () => {
    expect(gatewayApiDuration(5000)).toBe('5s');
    expect(gatewayApiDuration(1500)).toBe('1s500ms');
    expect(gatewayApiDuration(3_600_000)).toBe('1h');
    expect(gatewayApiDuration(90_000)).toBe('1m30s');
  });

  test('Envoy Gateway proxy names: envoy-<ns>-<name>-<sha256 prefix>, trimmed to 48 characters before the hash', () => {
    expect(envoyGatewayProxyName('default', 'eg')).toMatch(/^envoy-default-eg-[0-9a-f]{8}$/);
    const long = envoyGatewayProxyName('a'.repeat(40), 'b'.repeat(40));
    expect(long.length).toBe('envoy-'.length + 48 + 9);
  });
});

describe('Gateway API engine for another implementation', () => {
  function other(configure: (gw: arch.Gateway, svc: arch.Microservice) => void, options: arch.GatewayApiOptions = {}) {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    const svc = new arch.Microservice(shop, 'trips', { image: 'ghcr.io/acme/trips:1.0.0' });
    const gw = new arch.Gateway(shop, 'edge', {
      engine: arch.GatewayEngine.gatewayApi({
        implementation: arch.GatewayApiImplementation.OTHER,
        gatewayClassName: 'cilium',
        dataPlaneNamespace: 'kube-gateway',
        dataPlaneLabels: { 'app.kubernetes.io/name': 'gateway-proxy' },
        dataPlaneServiceAccountName: 'gateway-proxy',
        ...options,
      }),
    });
    configure(gw, svc);
    return synthApp(app);
  }

  test('standard objects only, with the given data plane', () => {
    const out = other((gw, svc) => gw.route({ path: '/api', to: svc, timeout: Duration.seconds(3) }));
    expect(checkAll(out.objects)).toEqual([]);
    expect(find(out.objects, 'HTTPRoute')).toHaveLength(1);
    expect(out.objects.filter((o) => o.apiVersion.startsWith('gateway.envoyproxy.io'))).toEqual([]);
    expect(one(out.objects, 'NetworkPolicy', 'trips', 'shop').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-gateway' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway-proxy' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('a policy the standard API lacks is a synth error naming the option', () => {
    expect(() => other((gw, svc) => gw.route({ path: '/api', to: svc, retries: { attempts: 2 } })))
      .toThrow(/\[shop\/edge\] route "\/api" to microservice "trips" .*: retries cannot be expressed by the Gateway API \(implementation other\) engine.*Fix: use GatewayApiImplementation.ENVOY_GATEWAY/);
    expect(() => other((gw, svc) => gw.route({ path: '/api', to: svc, auth: JWT }))).toThrow(/: auth cannot be expressed/);
  });

  test('the data plane must be described', () => {
    expect(() => other(() => undefined, { dataPlaneLabels: undefined })).toThrow(/\[shop\/edge\] dataPlaneLabels are not set.*Fix:/);
  });
});
