import { Duration } from 'cdk8s';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';

const PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n';
const JWT = arch.GatewayAuth.jwt({ issuer: 'https://id.example.com', publicKeyPem: PEM });
const IMAGE = 'ghcr.io/acme/trips:1.0.0';

interface World {
  readonly shop: arch.BackendArchitecture;
  readonly trips: arch.Microservice;
  readonly dispatch: arch.Microservice;
}

function world(profile = arch.Profile.PRODUCTION): { app: ReturnType<typeof newTestApp>; w: World } {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const trips = new arch.Microservice(shop, 'trips', { image: IMAGE, context: 'rides' });
  const dispatch = new arch.Microservice(shop, 'dispatch', { image: 'ghcr.io/acme/dispatch:1.0.0', context: 'rides', port: 9090, protocol: arch.AppProtocol.GRPC });
  return { app, w: { shop, trips, dispatch } };
}

function configOf(objs: K8sObject[], name: string, ns: string, key: string): any {
  const text: string = one(objs, 'ConfigMap', name, ns).data[key];
  // plain YAML for every parser: no anchors or aliases for repeated values
  expect(text).not.toMatch(/[&*]a\d+\b/);
  return yaml.load(text);
}

function sorted(labels: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(labels ?? {}).sort());
}

/** The ingress rules of a policy that admit `peer` (by pod labels), as port lists. */
function admitted(objs: K8sObject[], policy: string, ns: string, peerLabels: Record<string, string>): any[] {
  return one(objs, 'NetworkPolicy', policy, ns).spec.ingress
    .filter((r: any) => (r.from ?? []).some((f: any) => sorted(f.podSelector?.matchLabels) === sorted(peerLabels)))
    .map((r: any) => r.ports);
}

describe('Kong (DB-less), production, access gateway with TLS', () => {
  let out: SynthResult;
  let objs: K8sObject[];
  let gw: arch.Gateway;
  let w: World;
  beforeAll(() => {
    const x = world();
    w = x.w;
    gw = new arch.Gateway(w.shop, 'kong', {
      engine: arch.GatewayEngine.kong({ exposure: arch.GatewayExposure.LOAD_BALANCER, clientCidrs: ['0.0.0.0/0'] }),
      tls: { secretName: 'kong-tls' },
      ipAllowList: ['10.0.0.0/8'],
      ipDenyList: ['10.9.0.0/16'],
      cors: { allowOrigins: ['https://app.example.com'] },
      maxRequestBodyKibibytes: 512,
      requestTimeout: Duration.seconds(20),
      auth: JWT,
    });
    gw.route({
      path: '/api/trips',
      to: w.trips,
      host: 'api.example.com',
      methods: [arch.HttpMethod.GET],
      headers: { 'x-api-version': '2' },
      stripPrefix: true,
      rateLimitPerMinute: 600,
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2) },
      circuitBreaker: { consecutiveErrors: 4, openDuration: Duration.seconds(15) },
      requestHeaders: { set: { 'x-gateway': 'kong' }, remove: ['x-internal'] },
      responseHeaders: { set: { 'cache-control': 'no-store' } },
      cacheTtl: Duration.seconds(30),
    });
    gw.route({ path: '/api/trips/health', pathMatch: arch.PathMatch.EXACT, to: w.trips, auth: arch.GatewayAuth.none(), timeout: Duration.seconds(1) });
    gw.route({ to: w.dispatch, grpcService: 'rides.v1.Dispatch' });
    out = synthApp(x.app);
    objs = out.objects;
  });

  test('passes every invariant', () => {
    expect(checkAll(objs)).toEqual([]);
  });

  test('kong.yml: services with routes, plugins and the JWT consumer; global IP, CORS and size plugins', () => {
    const k = configOf(objs, 'kong-config', 'kong', 'kong.yml');
    expect(k._format_version).toBe('3.0');
    const [trips, health, dispatch] = k.services;
    expect(trips).toMatchObject({ name: 'trips', protocol: 'http', host: 'trips.upstream', port: 8080, retries: 3, connect_timeout: 2000, read_timeout: 2000, write_timeout: 2000 });
    expect(trips.routes[0]).toMatchObject({
      name: 'trips',
      protocols: ['https'],
      https_redirect_status_code: 301,
      hosts: ['api.example.com'],
      paths: ['/api/trips'],
      headers: { 'x-api-version': ['2'] },
      methods: ['GET'],
      strip_path: true,
      preserve_host: true,
    });
    const plugins = Object.fromEntries(trips.routes[0].plugins.map((p: any) => [p.name, p.config]));
    expect(Object.keys(plugins)).toEqual(['jwt', 'rate-limiting', 'request-transformer', 'response-transformer', 'proxy-cache']);
    expect(plugins.jwt).toEqual({ key_claim_name: 'iss', claims_to_verify: ['exp'] });
    expect(plugins['rate-limiting']).toEqual({ minute: 600, policy: 'local', limit_by: 'service' });
    expect(plugins['request-transformer']).toEqual({ remove: { headers: ['x-internal'] }, replace: { headers: ['x-gateway:kong'] }, add: { headers: ['x-gateway:kong'] } });
    expect(plugins['proxy-cache']).toMatchObject({ strategy: 'memory', cache_ttl: 30 });
    expect(health).toMatchObject({ host: 'trips.rides.svc.cluster.local', retries: 0, read_timeout: 1000 });
    expect(health.routes[0].paths).toEqual(['~/api/trips/health$']);
    expect(health.routes[0].plugins).toBeUndefined();
    expect(dispatch).toMatchObject({ protocol: 'grpc', host: 'dispatch.rides.svc.cluster.local', port: 9090 });
    expect(dispatch.routes[0]).toMatchObject({ protocols: ['grpcs'], paths: ['/rides.v1.Dispatch/'] });
    expect(k.consumers).toEqual([{ username: 'jwt-issuer-1', jwt_secrets: [{ key: 'https://id.example.com', algorithm: 'RS256', rsa_public_key: PEM }] }]);
    expect(k.plugins).toEqual([
      { name: 'ip-restriction', config: { allow: ['10.0.0.0/8'], deny: ['10.9.0.0/16'] } },
      { name: 'cors', config: { origins: ['https://app.example.com'], methods: ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'], headers: ['Authorization', 'Content-Type'], max_age: 600, credentials: false } },
      { name: 'request-size-limiting', config: { allowed_payload_size: 512, size_unit: 'kilobytes' } },
    ]);
  });

  test('circuit breaking: an upstream with passive checks and an active check on the readiness path every openDuration', () => {
    const k = configOf(objs, 'kong-config', 'kong', 'kong.yml');
    expect(k.upstreams).toEqual([{
      name: 'trips.upstream',
      targets: [{ target: 'trips.rides.svc.cluster.local:8080' }],
      healthchecks: {
        passive: { type: 'http', unhealthy: { http_failures: 4, tcp_failures: 4, timeouts: 4, http_statuses: [500, 502, 503, 504] } },
        active: { type: 'http', http_path: '/readyz', healthy: { interval: 15, successes: 1 }, unhealthy: { interval: 15, http_failures: 4, tcp_failures: 4, timeouts: 4 } },
      },
    }]);
  });

  test('DB-less, Admin API off, TLS from the user\'s Secret, client timeouts, non-root on a read-only root', () => {
    const d = one(objs, 'Deployment', 'kong', 'kong');
    const env = envOf(d);
    expect(env).toMatchObject({
      KONG_DATABASE: 'off',
      KONG_DECLARATIVE_CONFIG: '/kong_dbless/kong.yml',
      KONG_ADMIN_LISTEN: 'off',
      KONG_PROXY_LISTEN: '0.0.0.0:8000, 0.0.0.0:8443 http2 ssl',
      KONG_STATUS_LISTEN: '0.0.0.0:8100',
      KONG_PREFIX: '/kong_prefix/',
      KONG_SSL_CERT: '/etc/kong/tls/tls.crt',
      KONG_SSL_CERT_KEY: '/etc/kong/tls/tls.key',
      KONG_NGINX_HTTP_CLIENT_BODY_TIMEOUT: '20s',
      KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT: '20s',
    });
    const t = d.spec.template;
    expect(t.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('kong-tls');
    expect(t.metadata.annotations['cdk8s-architect.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spec.securityContext.runAsUser).toBe(1000);
    const c = t.spec.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/kong_dbless', '/etc/kong/tls', '/kong_prefix', '/tmp']);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/status/ready', port: 8100 });
    expect(t.spec.volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe('kong-tls');
  });

  test('production: HPA 2..6, disruption budget and spread; a LoadBalancer keeping client addresses, clients admitted on the proxy ports', () => {
    expect(one(objs, 'HorizontalPodAutoscaler', 'kong', 'kong').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(one(objs, 'Deployment', 'kong', 'kong').spec.replicas).toBeUndefined();
    expect(find(objs, 'PodDisruptionBudget', 'kong', 'kong')).toHaveLength(1);
    const lb = one(objs, 'Service', 'kong-public', 'kong');
    expect(lb.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(lb.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[80, 'http'], [443, 'https']]);
    const np = one(objs, 'NetworkPolicy', 'kong-clients', 'kong');
    expect(np.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8000, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }] }]);
  });

  test('NetworkPolicy pair: Kong reaches exactly the routed ports, the services admit Kong on exactly those', () => {
    const kongLabels = gw.workload.podSelector;
    expect(admitted(objs, 'trips', 'rides', kongLabels)).toEqual([[{ port: 8080, protocol: 'TCP' }]]);
    expect(admitted(objs, 'dispatch', 'rides', kongLabels)).toEqual([[{ port: 9090, protocol: 'TCP' }]]);
    const egress = one(objs, 'NetworkPolicy', 'kong', 'kong').spec.egress.map((r: any) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/name'], r.ports]);
    expect(egress).toEqual([['trips', [{ port: 8080, protocol: 'TCP' }]], ['dispatch', [{ port: 9090, protocol: 'TCP' }]]]);
    expect(w.shop.edges.filter((e) => e.consumer === gw.workload).map((e) => [e.provider.componentName, e.ports[0].port])).toEqual([['trips', 8080], ['dispatch', 9090]]);
  });

  test('what Kong OSS cannot express is a synth error naming the option', () => {
    const x = world();
    const k = new arch.Gateway(x.w.shop, 'kong', { engine: arch.GatewayEngine.kong() });
    const key = arch.GatewayAuth.apiKey({ consumers: [{ name: 'acme', key: { secretName: 'acme-key', key: 'key' } }] });
    expect(() => k.route({ path: '/a', to: x.w.trips, auth: key })).toThrow(/\[shop\/kong\] route "\/a" .*: auth GatewayAuth.apiKey cannot be expressed by the Kong engine .*Fix: use GatewayAuth.jwt/);
    expect(() => k.route({ path: '/b', to: x.w.trips, auth: arch.GatewayAuth.jwt({ issuer: 'x', jwksUri: 'https://x/jwks' }) })).toThrow(/without publicKeyPem cannot be expressed.*Fix: set publicKeyPem/);
    expect(() => k.route({ path: '/c', to: x.w.trips, circuitBreaker: { maxConnections: 5 } })).toThrow(/circuitBreaker.maxConnections\/maxPendingRequests cannot be expressed by the Kong engine/);
    expect(() => k.route({ path: '/d', to: x.w.trips, timeout: Duration.seconds(1), retries: { attempts: 1 } })).toThrow(/timeout together with retries cannot be expressed.*Fix: set retries.perTryTimeout/);
  });
});

describe('Kong, development', () => {
  test('one fixed replica, no autoscaler, no disruption budget, cluster-internal', () => {
    const x = world(arch.Profile.DEVELOPMENT);
    new arch.Gateway(x.w.shop, 'kong', { engine: arch.GatewayEngine.kong(), routes: [{ path: '/', to: x.w.trips }] });
    const out = synthApp(x.app);
    expect(checkAll(out.objects)).toEqual([]);
    expect(one(out.objects, 'Deployment', 'kong', 'kong').spec.replicas).toBe(1);
    expect(find(out.objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(find(out.objects, 'PodDisruptionBudget', 'kong')).toHaveLength(0);
    expect(find(out.objects, 'Service', 'kong-public')).toHaveLength(0);
  });
});

describe('APISIX (standalone), business gateway behind a Gateway API access gateway', () => {
  let objs: K8sObject[];
  let w: World;
  let bff: arch.Gateway;
  let edge: arch.Gateway;
  beforeAll(() => {
    const x = world();
    w = x.w;
    const keys = arch.GatewayAuth.apiKey({
      headerName: 'x-api-key',
      consumers: [
        { name: 'partner-acme', key: { secretName: 'partner-keys', key: 'acme' }, rateLimitPerMinute: 120 },
        { name: 'partner-globex', key: { secretName: 'partner-keys', key: 'globex' } },
      ],
    });
    bff = new arch.Gateway(w.shop, 'bff', {
      engine: arch.GatewayEngine.apisix(),
      ipDenyList: ['10.9.0.0/16'],
      cors: { allowOrigins: ['https://app.example.com'] },
      maxRequestBodyKibibytes: 256,
      requestTimeout: Duration.seconds(20),
    });
    bff.route({
      path: '/api/trips',
      to: w.trips,
      auth: keys,
      stripPrefix: true,
      rateLimitPerMinute: 300,
      timeout: Duration.seconds(3),
      retries: { attempts: 2, perTryTimeout: Duration.seconds(1) },
      circuitBreaker: { consecutiveErrors: 3, openDuration: Duration.seconds(10) },
      requestHeaders: { set: { 'x-gateway': 'bff' } },
      responseHeaders: { remove: ['server'] },
      headers: { 'X-Api-Version': '2' },
      cacheTtl: Duration.seconds(15),
      methods: [arch.HttpMethod.GET],
    });
    bff.route({ path: '/partner', to: w.trips, auth: JWT });
    bff.route({ to: w.dispatch });
    edge = new arch.Gateway(w.shop, 'edge', { tls: { secretName: 'edge-tls' }, routes: [{ path: '/', to: bff }] });
    objs = synthApp(x.app).objects;
  });

  test('passes every invariant', () => {
    expect(checkAll(objs)).toEqual([]);
  });

  test('config.yaml: data plane reading apisix.yaml, Admin API off, consumer key variables declared to nginx', () => {
    const c = configOf(objs, 'bff-config', 'bff', 'config.yaml');
    expect(c).toEqual({
      deployment: { role: 'data_plane', role_data_plane: { config_provider: 'yaml' } },
      apisix: { node_listen: [9080], enable_admin: false, status: { ip: '0.0.0.0', port: 7085 } },
      nginx_config: {
        envs: ['APISIX_CONSUMER_PARTNER_ACME_KEY', 'APISIX_CONSUMER_PARTNER_GLOBEX_KEY'],
        http: { client_header_timeout: '20s', client_body_timeout: '20s' },
      },
    });
  });

  test('apisix.yaml ends with #END; routes, upstreams, consumers with keys read from Secrets, global rules', () => {
    const text: string = one(objs, 'ConfigMap', 'bff-config', 'bff').data['apisix.yaml'];
    expect(text.endsWith('\n#END\n')).toBe(true);
    const a: any = yaml.load(text);
    const [trips, partner, dispatch] = a.routes;
    expect(trips).toMatchObject({ id: 'trips', uris: ['/api/trips', '/api/trips/*'], methods: ['GET'], vars: [['http_x_api_version', '==', '2']], upstream_id: 'trips' });
    expect(trips.plugins['key-auth']).toEqual({ header: 'x-api-key', hide_credentials: true });
    expect(trips.plugins['limit-count']).toEqual({ count: 300, time_window: 60, rejected_code: 429, key_type: 'constant', key: 'trips', policy: 'local' });
    expect(trips.plugins['api-breaker']).toEqual({ break_response_code: 503, max_breaker_sec: 10, unhealthy: { http_statuses: [500, 502, 503, 504], failures: 3 }, healthy: { http_statuses: [200], successes: 1 } });
    expect(trips.plugins['proxy-rewrite']).toEqual({ regex_uri: ['^/api/trips(/|$)(.*)', '/$2'], headers: { set: { 'x-gateway': 'bff' } } });
    expect(trips.plugins['response-rewrite']).toEqual({ headers: { remove: ['server'] } });
    expect(trips.plugins['proxy-cache']).toEqual({
      cache_strategy: 'memory', cache_zone: 'memory_cache', cache_ttl: 15, cache_method: ['GET', 'HEAD'], cache_http_status: [200],
    });
    expect(partner.plugins['jwt-auth']).toEqual({ key_claim_name: 'iss' });
    expect(dispatch).toMatchObject({ uris: ['/*'], upstream_id: 'dispatch' });
    expect(a.upstreams[0]).toEqual({
      id: 'trips',
      type: 'roundrobin',
      scheme: 'http',
      pass_host: 'pass',
      nodes: { 'trips.rides.svc.cluster.local:8080': 1 },
      retries: 2,
      retry_timeout: 1,
      timeout: { connect: 3, send: 3, read: 3 },
    });
    expect(a.upstreams[2]).toMatchObject({ scheme: 'grpc', nodes: { 'dispatch.rides.svc.cluster.local:9090': 1 } });
    expect(a.consumers).toEqual([
      { username: 'jwt_issuer_3', plugins: { 'jwt-auth': { key: 'https://id.example.com', public_key: PEM, algorithm: 'RS256' } } },
      { username: 'partner_acme', plugins: { 'key-auth': { key: '$ENV://APISIX_CONSUMER_PARTNER_ACME_KEY' }, 'limit-count': { count: 120, time_window: 60, rejected_code: 429, key_type: 'var', key: 'consumer_name' } } },
      { username: 'partner_globex', plugins: { 'key-auth': { key: '$ENV://APISIX_CONSUMER_PARTNER_GLOBEX_KEY' } } },
    ]);
    expect(a.global_rules).toEqual([{
      id: 'global',
      plugins: {
        'ip-restriction': { blacklist: ['10.9.0.0/16'] },
        'cors': { allow_origins: 'https://app.example.com', allow_methods: 'DELETE,GET,OPTIONS,PATCH,POST,PUT', allow_headers: 'Authorization,Content-Type', max_age: 600, allow_credential: false },
        'client-control': { max_body_size: 256 * 1024 },
      },
    }]);
  });

  test('pod: uid 636, read-only root with conf/ copied into an emptyDir, keys from the external Secret', () => {
    const d = one(objs, 'Deployment', 'bff', 'bff');
    const t = d.spec.template;
    expect(t.spec.securityContext.runAsUser).toBe(636);
    expect(t.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('partner-keys');
    expect(envOf(d).APISIX_CONSUMER_PARTNER_ACME_KEY).toEqual({ secretKeyRef: { name: 'partner-keys', key: 'acme' } });
    expect(envOf(d).APISIX_STAND_ALONE).toBe('true');
    const init = t.spec.initContainers[0];
    expect(init.command[2]).toBe('cp -R /usr/local/apisix/conf/. /work-conf/ && cp /apisix-config/config.yaml /apisix-config/apisix.yaml /work-conf/');
    expect(t.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/usr/local/apisix/conf', '/usr/local/apisix/logs', '/usr/local/apisix/client_body_temp', '/usr/local/apisix/proxy_temp',
      '/usr/local/apisix/fastcgi_temp', '/usr/local/apisix/uwsgi_temp', '/usr/local/apisix/scgi_temp', '/tmp',
    ]);
    expect(t.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(t.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/status/ready', port: 7085 });
  });

  test('chained: the access gateway\'s proxies reach APISIX on 9080, APISIX reaches the services', () => {
    const envoy = edge.workload.podSelector;
    expect(admitted(objs, 'bff', 'bff', envoy)).toEqual([[{ port: 9080, protocol: 'TCP' }]]);
    expect(admitted(objs, 'trips', 'rides', bff.workload.podSelector)).toEqual([[{ port: 8080, protocol: 'TCP' }]]);
    expect(one(objs, 'HTTPRoute', 'edge-bff', 'edge').spec.rules[0].backendRefs).toEqual([{ name: 'bff', namespace: 'bff', port: 9080 }]);
    const chain = w.shop.edges.filter((e) => e.consumer === edge.workload || e.consumer === bff.workload).map((e) => `${e.consumer.componentName}->${e.provider.componentName}:${e.ports[0].port}`);
    expect(chain).toEqual(['bff->trips:8080', 'bff->dispatch:9090', 'edge->bff:9080']);
  });

  test('what APISIX cannot express is a synth error naming the option', () => {
    const x = world();
    expect(() => new arch.Gateway(x.w.shop, 'a', { engine: arch.GatewayEngine.apisix(), tls: { secretName: 'a-tls' } }))
      .toThrow(/\[shop\/a\] tls cannot be expressed by the APISIX engine.*Fix: terminate TLS at an access gateway/);
    expect(() => new arch.Gateway(x.w.shop, 'b', { engine: arch.GatewayEngine.apisix(), ipAllowList: ['10.0.0.0/8'], ipDenyList: ['10.9.0.0/16'] }))
      .toThrow(/ipAllowList together with ipDenyList cannot be expressed by the APISIX engine/);
    const c = new arch.Gateway(x.w.shop, 'c', { engine: arch.GatewayEngine.apisix() });
    expect(() => c.route({ path: '/x', to: x.w.trips, circuitBreaker: { maxPendingRequests: 5 } }))
      .toThrow(/: circuitBreaker.maxConnections\/maxPendingRequests cannot be expressed by the APISIX engine/);
  });
});

describe('Spring Cloud Gateway', () => {
  let objs: K8sObject[];
  let w: World;
  let scg: arch.Gateway;
  beforeAll(() => {
    const x = world();
    w = x.w;
    const cache = new arch.MessageQueue(w.shop, 'cache', { engine: arch.MessageQueueEngine.redis() });
    scg = new arch.Gateway(w.shop, 'scg', {
      engine: arch.GatewayEngine.springCloudGateway({
        image: 'ghcr.io/acme/edge-gateway:2.0.0', rateLimiterRedis: cache, rateLimitKeyResolver: '#{@clientAddressKeyResolver}', runAsUser: 1002,
      }),
      cors: { allowOrigins: ['https://app.example.com'] },
      maxRequestBodyKibibytes: 1024,
    });
    scg.route({
      path: '/api/trips',
      to: w.trips,
      host: 'api.example.com',
      headers: { 'x-api-version': '2.0' },
      methods: [arch.HttpMethod.GET, arch.HttpMethod.POST],
      stripPrefix: true,
      rateLimitPerMinute: 120,
      circuitBreaker: { consecutiveErrors: 5, openDuration: Duration.seconds(30) },
      retries: { attempts: 2 },
      timeout: Duration.seconds(4),
      requestHeaders: { set: { 'x-gateway': 'scg' }, remove: ['x-internal'] },
      responseHeaders: { set: { 'x-served-by': 'scg' }, remove: ['server'] },
    });
    objs = synthApp(x.app).objects;
  });

  test('passes every invariant', () => {
    expect(checkAll(objs)).toEqual([]);
  });

  test('application.yml with the 4.3 property names: routes, predicates and filters', () => {
    const c = configOf(objs, 'scg-config', 'scg', 'application.yml');
    const g = c.spring.cloud.gateway.server.webflux;
    expect(g.routes).toEqual([{
      id: 'trips',
      uri: 'http://trips.rides.svc.cluster.local:8080',
      predicates: ['Path=/api/trips,/api/trips/**', 'Host=api.example.com', 'Method=GET,POST', 'Header=x-api-version, 2\\.0'],
      filters: [
        'StripPrefix=2', 'SetRequestHeader=x-gateway, scg', 'RemoveRequestHeader=x-internal', 'SetResponseHeader=x-served-by, scg', 'RemoveResponseHeader=server',
        { name: 'RequestRateLimiter', args: { 'key-resolver': '#{@clientAddressKeyResolver}', 'redis-rate-limiter.replenishRate': 120, 'redis-rate-limiter.burstCapacity': 7200, 'redis-rate-limiter.requestedTokens': 60 } },
        { name: 'CircuitBreaker', args: { name: 'trips', statusCodes: ['500', '502', '503', '504'] } },
        { name: 'Retry', args: { retries: 2, statuses: 'BAD_GATEWAY,SERVICE_UNAVAILABLE,GATEWAY_TIMEOUT', methods: 'GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS', series: '' } },
      ],
      metadata: { 'response-timeout': 4000 },
    }]);
    expect(g['default-filters']).toEqual([{ name: 'RequestSize', args: { maxSize: '1024KB' } }]);
    expect(g.globalcors['cors-configurations']['[/**]'].allowedOrigins).toEqual(['https://app.example.com']);
    expect(c.resilience4j.timelimiter.instances.trips).toEqual({ timeoutDuration: '4000ms' });
    expect(c.resilience4j.circuitbreaker.instances.trips).toEqual({
      slidingWindowType: 'COUNT_BASED', slidingWindowSize: 5, minimumNumberOfCalls: 5, failureRateThreshold: 100, waitDurationInOpenState: '30s', permittedNumberOfCallsInHalfOpenState: 1,
    });
    expect(c.management.endpoint.health.probes.enabled).toBe(true);
  });

  test('the RequestRateLimiter\'s Redis is bound through the graph: address, password Secret, edge', () => {
    const c = configOf(objs, 'scg-config', 'scg', 'application.yml');
    expect(c.spring.data.redis).toEqual({
      password: '${CACHE_PASSWORD}',
      sentinel: { master: 'mymaster', nodes: expect.stringMatching(/^cache-sentinel-0\..*:26379,/), password: '${CACHE_PASSWORD}' },
    });
    const d = one(objs, 'Deployment', 'scg', 'scg');
    expect(envOf(d)).toMatchObject({ SPRING_CONFIG_ADDITIONAL_LOCATION: 'file:/etc/spring-cloud-gateway/application.yml', CACHE_PASSWORD: { secretKeyRef: { name: 'cache-client', key: 'password' } } });
    expect(d.spec.template.spec.securityContext.runAsUser).toBe(1002);
    expect(w.shop.edges.filter((e) => e.consumer === scg.workload).map((e) => `${e.provider.componentName}:${e.ports.map((p) => p.port).join(',')}`)).toEqual(['cache:6379', 'cache:26379', 'trips:8080']);
  });

  test('a rate limit without Redis, and options Spring Cloud Gateway cannot express, are synth errors', () => {
    const x = world();
    const s = new arch.Gateway(x.w.shop, 's', { engine: arch.GatewayEngine.springCloudGateway({ image: 'ghcr.io/acme/gw:1.0.0' }) });
    expect(() => s.route({ path: '/a', to: x.w.trips, rateLimitPerMinute: 10 })).toThrow(/\[shop\/s\] route "\/a" .*: rateLimitPerMinute needs the RequestRateLimiter's Redis and a KeyResolver.*Fix: set rateLimiterRedis/);
    expect(() => s.route({ to: x.w.dispatch })).toThrow(/: gRPC backend cannot be expressed by the Spring Cloud Gateway engine/);
    expect(() => s.route({ path: '/b', to: x.w.trips, auth: JWT })).toThrow(/: auth cannot be expressed by the Spring Cloud Gateway engine/);
    expect(() => s.route({ path: '/c', to: x.w.trips, circuitBreaker: {} })).toThrow(/: circuitBreaker needs a timeout on Spring Cloud Gateway .*Fix: set the route's timeout/);
    expect(() => new arch.Gateway(x.w.shop, 't', { engine: arch.GatewayEngine.springCloudGateway({ image: 'ghcr.io/acme/gw:1.0.0' }), ipDenyList: ['10.0.0.0/8'] }))
      .toThrow(/\[shop\/t\] ipDenyList cannot be expressed by the Spring Cloud Gateway engine/);
  });
});

describe('gRPC-Gateway', () => {
  test('the proxy gets each upstream\'s address and edge; the access gateway routes REST to it', () => {
    const x = world();
    const rest = new arch.Gateway(x.w.shop, 'rest', { engine: arch.GatewayEngine.grpcGateway({ image: 'ghcr.io/acme/rides-rest:1.0.0', healthCheckPath: '/healthz' }) });
    const fares = new arch.Microservice(x.w.shop, 'fares', { image: 'ghcr.io/acme/fares:1.0.0', context: 'rides', port: 9090, protocol: arch.AppProtocol.GRPC });
    rest.route({ to: x.w.dispatch });
    rest.route({ to: fares });
    const edge = new arch.Gateway(x.w.shop, 'edge', { routes: [{ path: '/v1', to: rest }] });
    const objs = synthApp(x.app).objects;
    expect(checkAll(objs)).toEqual([]);
    const d = one(objs, 'Deployment', 'rest', 'rest');
    expect(envOf(d)).toEqual({ DISPATCH_GRPC_ADDR: 'dispatch.rides.svc.cluster.local:9090', FARES_GRPC_ADDR: 'fares.rides.svc.cluster.local:9090' });
    expect(d.spec.template.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(admitted(objs, 'dispatch', 'rides', rest.workload.podSelector)).toEqual([[{ port: 9090, protocol: 'TCP' }]]);
    expect(admitted(objs, 'rest', 'rest', edge.workload.podSelector)).toEqual([[{ port: 8080, protocol: 'TCP' }]]);
  });

  test('an HTTP service or a policy on a gRPC-Gateway route is a synth error', () => {
    const x = world();
    const rest = new arch.Gateway(x.w.shop, 'rest', { engine: arch.GatewayEngine.grpcGateway({ image: 'ghcr.io/acme/rides-rest:1.0.0' }) });
    expect(() => rest.route({ to: x.w.trips })).toThrow(/\[shop\/rest\] route "\/" to microservice "trips" .*: the target speaks "http", but a gRPC-Gateway proxy only calls gRPC services.*Fix:/);
    expect(() => rest.route({ to: x.w.dispatch, retries: { attempts: 1 } })).toThrow(/: retries cannot be expressed by the gRPC-Gateway engine/);
    expect(() => new arch.Gateway(x.w.shop, 'r2', { engine: arch.GatewayEngine.grpcGateway({ image: 'ghcr.io/acme/r:1.0.0' }), tls: { secretName: 'x' } }))
      .toThrow(/\[shop\/r2\] tls cannot be expressed by the gRPC-Gateway engine/);
  });
});
