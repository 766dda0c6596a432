/**
 * The seed's architecture as an online shop, production profile:
 *
 *   edge gateway -> bff -> orders -> payments
 *                   \-> catalog  <- orders
 *                   \-> users    <- payments
 *
 * Each service lives in the namespace of its bounded context and is owned by a team. Every
 * `uses` edge below becomes env vars on the caller, NetworkPolicy egress on the caller and ingress
 * on the callee. The services register with a client-side registry (etcd), read their
 * configuration from the Kubernetes-native config center, publish domain events to Kafka
 * (orders → payments, catalog; payments → orders) and cache in Redis. The observability stack
 * (OpenTelemetry + Jaeger, Fluent Bit + Elasticsearch + Kibana, Prometheus + Alertmanager +
 * Grafana) instruments every service without extra code. A Kubernetes Gateway API access gateway
 * (Envoy Gateway: TLS, HTTP→HTTPS redirect, CORS, rate limit) is the way in to the BFF and to the
 * consoles (Grafana and Kibana with their own logins, Jaeger, Prometheus and Alertmanager behind
 * single sign-on). An Istio mesh (sidecars) encrypts and authenticates every call between
 * services, admits exactly the calls declared below (the gateway's routes included), and gives
 * the catalog timeouts, GET retries and circuit breaking.
 *
 * Run: `npx ts-node -r tsconfig-paths/register --project tsconfig.dev.json examples/reference-architecture.ts`
 * (or `npm run synth` for every example); output in dist/reference-architecture/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

/**
 * Builds the reference architecture into `app`; returns it and its services (the benchmark extends
 * it). `namespacePrefix` is for the tests (the same architecture twice in one cluster).
 */
export function build(
  app: App,
  profile: arch.Profile = arch.Profile.PRODUCTION,
  meshEngine: arch.IMeshEngine = arch.MeshEngine.istio(),
  namespacePrefix?: string,
): { shop: arch.BackendArchitecture; services: arch.Microservice[] } {
  const shop = new arch.BackendArchitecture(app, 'shop', {
    profile,
    ...(namespacePrefix !== undefined ? { namespacePrefix } : {}),
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'shop/bff', reason: 'the storefront API is public: shoppers browse without signing in, and the BFF checks the session for checkout' },
      ],
    },
  });

  // platform: client-side service registry and configuration center
  const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
  const config = new arch.ConfigCenter(shop, 'config', {
    engine: arch.ConfigCenterEngine.kubernetes({
      entries: {
        'log.format': arch.ConfigValue.string('json'),
        'http.client-timeout-ms': arch.ConfigValue.number(2000),
      },
      overlays: { development: { 'log.format': arch.ConfigValue.string('text') } },
      applications: {
        orders: { 'orders.max-items': arch.ConfigValue.number(100) },
        payments: {
          'payments.currencies': arch.ConfigValue.json(['EUR', 'USD']),
          'payments.psp-api-key': arch.ConfigValue.secret({ secretName: 'psp-credentials', key: 'api-key' }),
        },
      },
    }),
  });

  // asynchronous domain events (Kafka, KRaft) and a cache (Redis with Sentinel)
  const events = new arch.MessageQueue(shop, 'events', {
    engine: arch.MessageQueueEngine.kafka(),
    topics: [
      { name: 'order-placed', partitions: profile === arch.Profile.PRODUCTION ? 12 : 1 },
      { name: 'payment-settled', partitions: profile === arch.Profile.PRODUCTION ? 6 : 1 },
      { name: 'catalog-snapshots', cleanupPolicy: arch.CleanupPolicy.COMPACT },
    ],
  });
  // the three pillars of observability; every microservice below is traced, scraped and shipped
  const observability = new arch.ObservabilityStack(shop, 'observability', {
    tracing: arch.Tracing.jaeger(),
    logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch() }),
    metrics: arch.Metrics.prometheus({
      alertmanager: { receivers: [{}, { team: 'checkout' }, { team: 'catalog' }] },
    }),
  });
  const cache = new arch.MessageQueue(shop, 'cache', {
    engine: arch.MessageQueueEngine.redis({ persistence: arch.RedisPersistence.RDB, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.ALLKEYS_LRU }),
  });

  const bff = new arch.Microservice(shop, 'bff', {
    image: 'ghcr.io/acme/shop-bff:3.2.0',
    context: 'storefront',
    team: 'storefront',
    autoscaling: profile === arch.Profile.PRODUCTION ? { minReplicas: 3, maxReplicas: 12 } : undefined,
  });
  const orders = new arch.Microservice(shop, 'orders', {
    image: 'ghcr.io/acme/orders:1.4.2',
    context: 'ordering',
    team: 'checkout',
    env: {
      ORDERS_DB_URL: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'url' }),
      ORDERS_DB_PASSWORD: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'password' }),
    },
  });
  const payments = new arch.Microservice(shop, 'payments', {
    image: 'ghcr.io/acme/payments:2.0.1',
    context: 'payments',
    team: 'checkout',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
    additionalPorts: [{ name: 'http', port: 8080, protocol: arch.AppProtocol.HTTP }],
  });
  const catalog = new arch.Microservice(shop, 'catalog', {
    image: 'ghcr.io/acme/catalog:5.1.0',
    context: 'catalog',
    team: 'catalog',
  });
  const users = new arch.Microservice(shop, 'users', {
    image: 'ghcr.io/acme/users:1.9.3',
    context: 'identity',
    team: 'identity',
    resources: { memoryRequestMebibytes: 384, memoryLimitMebibytes: 768 },
  });

  // every service registers with the registry and reads the config center
  for (const svc of [bff, orders, payments, catalog, users]) {
    svc.uses(registry);
    svc.uses(config);
  }

  // domain events
  orders.uses(events.topic('order-placed').producer());
  payments.uses(events.topic('order-placed').consumer('payments'));
  catalog.uses(events.topic('order-placed').consumer('catalog'));
  payments.uses(events.topic('payment-settled').producer());
  orders.uses(events.topic('payment-settled').consumer('orders'));
  catalog.uses(events.topic('catalog-snapshots').producer());
  bff.uses(events.topic('catalog-snapshots').consumer('bff'));

  // caching
  bff.uses(cache);
  catalog.uses(cache);

  // the synchronous call graph
  bff.uses(orders);
  bff.uses(catalog);
  bff.uses(users);
  orders.uses(payments);
  orders.uses(catalog);
  payments.uses(users);

  // the way in: the access gateway in front of the BFF and the consoles
  const sso = arch.GatewayAuth.jwt({ issuer: 'https://login.acme.example', jwksUri: 'https://login.acme.example/.well-known/jwks.json' });
  const edge = new arch.Gateway(shop, 'edge', {
    // Envoy Gateway; the platform team enrols its proxies in the mesh (see the README)
    engine: arch.GatewayEngine.gatewayApi({ dataPlaneInMesh: true }),
    tls: { secretName: 'shop-edge-tls' },
    cors: { allowOrigins: ['https://shop.acme.example'] },
    requestTimeout: Duration.seconds(30),
    rateLimitPerMinute: 30000,
  });
  edge.route({ host: 'api.shop.acme.example', to: bff, timeout: Duration.seconds(15), retries: { attempts: 2 }, circuitBreaker: {} });
  edge.expose(observability.grafana!, { host: 'grafana.ops.acme.example', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN });
  edge.expose(observability.kibana!, { host: 'kibana.ops.acme.example', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN });
  for (const console of [observability.tracingUi!, observability.prometheus!, observability.alertmanager!]) {
    edge.expose(console, { host: `${console.consoleName}.ops.acme.example`, authentication: arch.ConsoleAuthentication.GATEWAY, auth: sso });
  }

  // the service mesh: mutual TLS, authorization and traffic policy derived from the graph above
  const mesh = new arch.Mesh(shop, 'mesh', { engine: meshEngine });
  mesh.setTrafficPolicy(catalog, {
    timeout: Duration.seconds(2),
    retries: { attempts: 2, methods: [arch.HttpMethod.GET] },
    outlierDetection: { consecutiveErrors: 5 },
  });

  return { shop, services: [bff, orders, payments, catalog, users] };
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/reference-architecture' });
  build(app);
  app.synth();
}
