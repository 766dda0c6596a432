/**
 * Every gateway engine and option, in three architectures:
 *
 * - `rides` (production): a Kubernetes Gateway API access gateway (Envoy Gateway: TLS from a
 *   Secret, HTTP→HTTPS redirect, IP allow/deny lists, CORS, client request timeout, global rate
 *   limit, JWT from a JWKS URI) in front of four business gateways — Kong (DB-less) for the
 *   mobile API, APISIX (standalone) for partners with API keys and per-consumer limits, Spring
 *   Cloud Gateway with its Redis rate limiter, and a gRPC-Gateway REST proxy for the gRPC
 *   services — plus a gRPC route, a BFF and the observability consoles;
 * - `kiosk` (development): Kong as the access gateway itself, behind a LoadBalancer, with TLS,
 *   redirect, IP lists, body size and client timeouts;
 * - `ops` (development): the consoles of the registry (Consul UI), config center (Nacos console),
 *   message broker (RabbitMQ management) and Apollo portal behind a Gateway API gateway of
 *   another implementation (standard objects only).
 *
 * Output in dist/gateways/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

const SSO = arch.GatewayAuth.jwt({
  issuer: 'https://login.rides.example',
  jwksUri: 'https://login.rides.example/.well-known/jwks.json',
  audiences: ['rides-api'],
});
// Kong's and APISIX's JWT plugins verify against the issuer's public key (a public key is no secret)
const SSO_KEY = arch.GatewayAuth.jwt({
  issuer: 'https://login.rides.example',
  publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END PUBLIC KEY-----\n',
});

function rides(app: App): void {
  const shop = new arch.BackendArchitecture(app, 'rides', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'rides/dispatch', reason: 'the rider API authenticates riders itself (session tokens checked by dispatch); the gateway only rate-limits' },
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'rides/fares', reason: 'fare quotes are public, shown before a rider signs in' },
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'rides/web-bff', reason: 'the web BFF serves the public site and authenticates sessions itself' },
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, path: 'rides/mobile', reason: 'the library runs no Kong exporter yet (README, Architecture lint); the platform team scrapes it with its own exporter' },
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, path: 'rides/partners', reason: 'the library runs no APISIX exporter yet (README, Architecture lint); the platform team scrapes it with its own exporter' },
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, path: 'rides/rest', reason: 'the library runs no gRPC-Gateway exporter yet (README, Architecture lint); the platform team scrapes it with its own exporter' },
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, path: 'rides/web', reason: 'the library runs no Spring Cloud Gateway exporter yet (README, Architecture lint); the platform team scrapes it with its own exporter' },
      ],
    },
  });
  const obs = new arch.ObservabilityStack(shop, 'observability', {
    tracing: arch.Tracing.jaeger({ storage: arch.TracingStorage.MEMORY, backendReplicas: 1 }),
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }),
  });
  const limiter = new arch.MessageQueue(shop, 'limiter', { engine: arch.MessageQueueEngine.redis() });

  const trips = new arch.Microservice(shop, 'trips', { image: 'ghcr.io/acme/trips:4.1.0', context: 'trips', team: 'trips' });
  const drivers = new arch.Microservice(shop, 'drivers', { image: 'ghcr.io/acme/drivers:2.3.1', context: 'fleet', team: 'fleet' });
  const dispatch = new arch.Microservice(shop, 'dispatch', {
    image: 'ghcr.io/acme/dispatch:1.7.0', context: 'trips', team: 'trips', port: 9090, protocol: arch.AppProtocol.GRPC,
  });
  const fares = new arch.Microservice(shop, 'fares', {
    image: 'ghcr.io/acme/fares:3.0.2', context: 'pricing', team: 'pricing', port: 9090, protocol: arch.AppProtocol.GRPC,
  });
  // a BFF aggregates by using the services it calls
  const web = new arch.Microservice(shop, 'web-bff', { image: 'ghcr.io/acme/web-bff:5.0.0', context: 'web', team: 'web' });
  web.uses(trips);
  web.uses(drivers);
  web.uses(fares);

  // business gateway: Kong OSS, DB-less
  const mobile = new arch.Gateway(shop, 'mobile', {
    engine: arch.GatewayEngine.kong({ replicas: 3, maxReplicas: 10, resources: { cpuRequestMillis: 500, memoryRequestMebibytes: 512 } }),
    maxRequestBodyKibibytes: 1024,
    auth: SSO_KEY,
  });
  mobile.route({
    path: '/trips',
    to: trips,
    methods: [arch.HttpMethod.GET, arch.HttpMethod.POST],
    headers: { 'x-app-version': '5' },
    stripPrefix: true,
    rateLimitPerMinute: 1200,
    retries: { attempts: 2, perTryTimeout: Duration.seconds(2) },
    circuitBreaker: { consecutiveErrors: 5, openDuration: Duration.seconds(30) },
    requestHeaders: { set: { 'x-channel': 'mobile' }, remove: ['x-debug'] },
    responseHeaders: { set: { 'cache-control': 'no-store' } },
  });
  mobile.route({ path: '/drivers/nearby', pathMatch: arch.PathMatch.EXACT, to: drivers, cacheTtl: Duration.seconds(5), timeout: Duration.seconds(1) });
  mobile.route({ to: dispatch, grpcService: 'rides.dispatch.v1.Dispatch', auth: arch.GatewayAuth.none() });

  // business gateway: APISIX standalone, partners with API keys
  const partners = new arch.Gateway(shop, 'partners', {
    engine: arch.GatewayEngine.apisix({ replicas: 2, maxReplicas: 4 }),
    ipDenyList: ['198.51.100.0/24'],
    maxRequestBodyKibibytes: 256,
    requestTimeout: Duration.seconds(20),
    cors: { allowOrigins: ['https://partners.rides.example'], allowHeaders: ['x-api-key', 'Content-Type'], maxAge: Duration.hours(1) },
  });
  partners.route({
    path: '/partners/trips',
    to: trips,
    auth: arch.GatewayAuth.apiKey({
      headerName: 'x-api-key',
      consumers: [
        { name: 'hotel-group', key: { secretName: 'partner-api-keys', key: 'hotel-group' }, rateLimitPerMinute: 600 },
        { name: 'airline', key: { secretName: 'partner-api-keys', key: 'airline' }, rateLimitPerMinute: 120 },
      ],
    }),
    stripPrefix: true,
    rateLimitPerMinute: 3000,
    timeout: Duration.seconds(5),
    retries: { attempts: 1, perTryTimeout: Duration.seconds(2) },
    circuitBreaker: { consecutiveErrors: 3, openDuration: Duration.seconds(20) },
    requestHeaders: { set: { 'x-channel': 'partner' } },
    responseHeaders: { remove: ['server'] },
  });
  partners.route({ path: '/partners/drivers', to: drivers, auth: SSO_KEY, methods: [arch.HttpMethod.GET], cacheTtl: Duration.seconds(10) });

  // business gateway: Spring Cloud Gateway, rate limiter state in Redis
  const web2 = new arch.Gateway(shop, 'web', {
    engine: arch.GatewayEngine.springCloudGateway({
      image: 'ghcr.io/acme/web-gateway:1.2.0',
      port: 8080,
      runAsUser: 1002,
      rateLimiterRedis: limiter,
      rateLimitKeyResolver: '#{@clientAddressKeyResolver}',
    }),
    maxRequestBodyKibibytes: 2048,
    cors: { allowOrigins: ['https://www.rides.example'], allowCredentials: true, allowMethods: [arch.HttpMethod.GET, arch.HttpMethod.POST] },
  });
  web2.route({
    path: '/web',
    to: web,
    stripPrefix: true,
    host: 'www.rides.example',
    rateLimitPerMinute: 600,
    timeout: Duration.seconds(8),
    retries: { attempts: 2 },
    circuitBreaker: { consecutiveErrors: 10, openDuration: Duration.minutes(1) },
    requestHeaders: { set: { 'x-channel': 'web' } },
  });

  // REST/JSON for the gRPC services through the generated gRPC-Gateway proxy
  const rest = new arch.Gateway(shop, 'rest', {
    engine: arch.GatewayEngine.grpcGateway({ image: 'ghcr.io/acme/rides-rest-proxy:1.7.0', healthCheckPath: '/healthz', port: 8081 }),
  });
  rest.route({ to: dispatch });
  rest.route({ to: fares });

  // access gateway: Kubernetes Gateway API with Envoy Gateway policies
  const edge = new arch.Gateway(shop, 'edge', {
    // the platform team runs Envoy Gateway's proxies in the mesh, when the architecture has one
    engine: arch.GatewayEngine.gatewayApi({ gatewayClassName: 'eg', httpPort: 80, httpsPort: 443, dataPlaneInMesh: true }),
    tls: { secretName: 'rides-edge-tls', redirectHttp: true },
    ipAllowList: ['0.0.0.0/0'],
    ipDenyList: ['203.0.113.0/24'],
    cors: { allowOrigins: ['https://app.rides.example'] },
    requestTimeout: Duration.seconds(30),
    rateLimitPerMinute: 60000,
  });
  edge.route({ host: 'api.rides.example', path: '/mobile', to: mobile, stripPrefix: true });
  edge.route({ host: 'api.rides.example', path: '/partners', to: partners });
  edge.route({ host: 'api.rides.example', path: '/v1', to: rest, auth: SSO, timeout: Duration.seconds(10) });
  edge.route({ host: 'www.rides.example', to: web2 });
  edge.route({
    host: 'grpc.rides.example',
    to: fares,
    grpcService: 'rides.fares.v1.Fares',
    auth: SSO,
    rateLimitPerMinute: 6000,
    timeout: Duration.seconds(3),
    retries: { attempts: 2, perTryTimeout: Duration.seconds(1) },
    circuitBreaker: { consecutiveErrors: 5, openDuration: Duration.seconds(30), maxConnections: 1000, maxPendingRequests: 200 },
    requestHeaders: { set: { 'x-edge': 'eg' } },
  });
  edge.expose(obs.grafana!, { host: 'grafana.ops.rides.example', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN });
  edge.expose(obs.tracingUi!, { host: 'jaeger.ops.rides.example', authentication: arch.ConsoleAuthentication.GATEWAY, auth: SSO });
  edge.expose(obs.prometheus!, { host: 'prometheus.ops.rides.example', authentication: arch.ConsoleAuthentication.GATEWAY, auth: SSO });
  edge.expose(obs.alertmanager!, { host: 'alertmanager.ops.rides.example', authentication: arch.ConsoleAuthentication.GATEWAY, auth: SSO });
}

function kiosk(app: App): void {
  const shop = new arch.BackendArchitecture(app, 'kiosk', {
    profile: arch.Profile.DEVELOPMENT,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'kiosk/menu', reason: 'the kiosk menu is public' },
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'kiosk/stock', reason: 'a development kiosk on a private network; stock levels are public' },
      ],
    },
  });
  const menu = new arch.Microservice(shop, 'menu', { image: 'ghcr.io/acme/menu:0.9.0' });
  const stock = new arch.Microservice(shop, 'stock', { image: 'ghcr.io/acme/stock:0.4.0', port: 9090, protocol: arch.AppProtocol.GRPC });
  new arch.Gateway(shop, 'entry', {
    engine: arch.GatewayEngine.kong({ image: 'kong:3.9.3', exposure: arch.GatewayExposure.LOAD_BALANCER, clientCidrs: ['192.0.2.0/24', '198.51.100.0/24'] }),
    tls: { secretName: 'kiosk-tls' },
    ipAllowList: ['192.0.2.0/24', '198.51.100.0/24'],
    ipDenyList: ['198.51.100.7/32'],
    maxRequestBodyKibibytes: 64,
    requestTimeout: Duration.seconds(15),
    cors: { allowOrigins: ['https://kiosk.example'] },
    rateLimitPerMinute: 600,
    routes: [
      { path: '/menu', to: menu, host: 'kiosk.example', timeout: Duration.seconds(2) },
      { to: stock, host: 'kiosk.example' },
    ],
  });
}

function ops(app: App): void {
  const shop = new arch.BackendArchitecture(app, 'ops', { profile: arch.Profile.DEVELOPMENT });
  const registry = new arch.Registry(shop, 'registry', {
    engine: arch.RegistryEngine.consul({
      acl: { enabled: true, defaultPolicy: arch.ConsulAclPolicy.DENY, tokenSecretName: 'consul-bootstrap-token' },
    }),
  });
  const nacos = new arch.ConfigCenter(shop, 'nacos', { engine: arch.ConfigCenterEngine.nacos() });
  const apollo = new arch.ConfigCenter(shop, 'apollo', {
    engine: arch.ConfigCenterEngine.apollo({
      environment: arch.ApolloEnvironment.DEV,
      mysqlRootPasswordSecret: { secretName: 'apollo-mysql', key: 'root-password' },
      mysqlPasswordSecret: { secretName: 'apollo-mysql', key: 'password' },
    }),
  });
  const broker = new arch.MessageQueue(shop, 'broker', { engine: arch.MessageQueueEngine.rabbitmq() });
  const gw = new arch.Gateway(shop, 'consoles', {
    engine: arch.GatewayEngine.gatewayApi({
      implementation: arch.GatewayApiImplementation.OTHER,
      gatewayClassName: 'cilium',
      dataPlaneNamespace: 'kube-system-gateway',
      dataPlaneLabels: { 'app.kubernetes.io/name': 'cilium-envoy' },
      dataPlaneServiceAccountName: 'cilium-envoy',
      // Cilium's proxies stay out of a mesh: the consoles they reach leave it too
      dataPlaneInMesh: false,
    }),
    tls: { secretName: 'ops-consoles-tls', redirectHttp: false },
  });
  for (const c of [registry.console!, nacos.console!, apollo.console!, broker.console!]) {
    gw.expose(c, { host: `${c.consoleName}.ops.example`, authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN, timeout: Duration.seconds(30) });
  }
}

export function build(app: App): void {
  rides(app);
  kiosk(app);
  ops(app);
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/gateways' });
  build(app);
  app.synth();
}
