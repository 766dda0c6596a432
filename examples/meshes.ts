/**
 * The service mesh with every engine and option, one architecture each:
 *
 * - `istio-shop`: Istio with sidecars (revision tag "stable", namespaces enrolled), a service
 *   traffic policy with timeouts, GET-only retries, outlier detection, connection pools and a
 *   90/10 canary, a per-binding policy, an excluded service, Apollo on a generated MySQL (its
 *   meshed servers skip the server-first MySQL port) and an etcd registry (its defrag CronJob
 *   calls only etcd, outside the mesh, so it stays out too);
 * - `ambient-shop`: Istio ambient, enrolment per workload, a custom control-plane namespace,
 *   Kafka with its topic Job, a traffic policy served by a waypoint;
 * - `linkerd-shop`: Linkerd, failure accrual, retries opted in for a gRPC service, an HTTP canary,
 *   custom probe networks, Redis.
 *
 * Each has Prometheus, so scraping under strict mutual TLS is visible: merged metrics on 15020
 * under Istio sidecars, a meshed scraper under ambient and Linkerd.
 *
 * Run: `npx ts-node -r tsconfig-paths/register --project tsconfig.dev.json examples/meshes.ts`.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

function metrics(a: arch.BackendArchitecture): void {
  new arch.ObservabilityStack(a, 'observability', { namespace: `${a.name}-observability`, metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
}

export function build(app: App): void {
  // ---- Istio, sidecar data plane
  const istio = new arch.BackendArchitecture(app, 'istio-shop', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, path: 'istio-shop/config', reason: 'the library runs no Apollo exporter yet (README, Architecture lint); the platform team scrapes it with its own exporter' },
      ],
    },
  });
  metrics(istio);
  const registry = new arch.Registry(istio, 'registry', { namespace: 'istio-registry', engine: arch.RegistryEngine.etcd() });
  const config = new arch.ConfigCenter(istio, 'config', {
    namespace: 'istio-config',
    engine: arch.ConfigCenterEngine.apollo({
      environment: arch.ApolloEnvironment.PRO,
      mysqlRootPasswordSecret: { secretName: 'apollo-mysql', key: 'root-password' },
      mysqlPasswordSecret: { secretName: 'apollo-mysql', key: 'password' },
      portalAdminSecret: { secretName: 'apollo-portal-admin', key: 'bcrypt-hash' },
    }),
  });
  const web = new arch.Microservice(istio, 'web', { image: 'ghcr.io/acme/web:2.0.0', context: 'istio-storefront' });
  const orders = new arch.Microservice(istio, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'istio-ordering' });
  const ordersNext = new arch.Microservice(istio, 'orders-next', { image: 'ghcr.io/acme/orders:1.5.0-rc.1', context: 'istio-ordering' });
  const legacy = new arch.Microservice(istio, 'legacy', { image: 'ghcr.io/acme/legacy:7.3.0', context: 'istio-legacy' });
  for (const s of [web, orders, ordersNext]) {
    s.uses(registry);
    s.uses(config);
  }
  web.uses(orders);
  legacy.uses(registry);
  const istioMesh = new arch.Mesh(istio, 'mesh', {
    engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.SIDECAR, revision: 'stable' }),
    enrolment: arch.MeshEnrolment.NAMESPACE,
    exclude: [legacy],
  });
  istioMesh.setTrafficPolicy(orders, {
    timeout: Duration.seconds(3),
    retries: { attempts: 2, perTryTimeout: Duration.millis(800), methods: [arch.HttpMethod.GET, arch.HttpMethod.HEAD] },
    outlierDetection: { consecutiveErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
    connectionPool: { maxConnections: 200, maxPendingRequests: 100, maxRequestsPerConnection: 50 },
    canary: { canary: ordersNext, stableWeight: 90, canaryWeight: 10 },
  });
  istioMesh.setBindingPolicy(web, orders, { timeout: Duration.seconds(1), retries: { attempts: 3, methods: [arch.HttpMethod.GET] } });

  // ---- Istio, ambient data plane, enrolment per workload
  const ambient = new arch.BackendArchitecture(app, 'ambient-shop', {
    profile: arch.Profile.PRODUCTION,
  });
  metrics(ambient);
  const events = new arch.MessageQueue(ambient, 'events', {
    namespace: 'ambient-events',
    engine: arch.MessageQueueEngine.kafka(),
    topics: [{ name: 'order-placed', partitions: 6 }],
  });
  const checkout = new arch.Microservice(ambient, 'checkout', { image: 'ghcr.io/acme/checkout:3.1.0', context: 'ambient-checkout' });
  const billing = new arch.Microservice(ambient, 'billing', {
    image: 'ghcr.io/acme/billing:1.0.0',
    context: 'ambient-billing',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
  });
  checkout.uses(billing);
  checkout.uses(events.topic('order-placed').producer());
  billing.uses(events.topic('order-placed').consumer('billing'));
  const ambientMesh = new arch.Mesh(ambient, 'mesh', {
    engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT, controlPlaneNamespace: 'istio-ambient' }),
    enrolment: arch.MeshEnrolment.WORKLOAD,
  });
  // L7 policy in ambient: the mesh deploys a waypoint for billing's namespace
  ambientMesh.setTrafficPolicy(billing, {
    timeout: Duration.seconds(2),
    retries: { attempts: 2, retryNonIdempotent: true },
    outlierDetection: { consecutiveErrors: 5 },
  });

  // ---- Linkerd
  const linkerd = new arch.BackendArchitecture(app, 'linkerd-shop', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
      ],
    },
  });
  metrics(linkerd);
  const cache = new arch.MessageQueue(linkerd, 'cache', { namespace: 'linkerd-cache', engine: arch.MessageQueueEngine.redis() });
  const catalog = new arch.Microservice(linkerd, 'catalog', { image: 'ghcr.io/acme/catalog:5.1.0', context: 'linkerd-catalog' });
  const catalogNext = new arch.Microservice(linkerd, 'catalog-next', { image: 'ghcr.io/acme/catalog:5.2.0', context: 'linkerd-catalog' });
  const pricing = new arch.Microservice(linkerd, 'pricing', {
    image: 'ghcr.io/acme/pricing:2.2.0',
    context: 'linkerd-pricing',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
    additionalPorts: [{ name: 'http', port: 8080 }],
  });
  const front = new arch.Microservice(linkerd, 'front', { image: 'ghcr.io/acme/front:4.0.0', context: 'linkerd-storefront' });
  for (const s of [catalog, catalogNext]) {
    s.uses(cache);
    s.uses(pricing);
  }
  front.uses(catalog);
  const linkerdMesh = new arch.Mesh(linkerd, 'mesh', {
    engine: arch.MeshEngine.linkerd({ controlPlaneNamespace: 'linkerd', probeNetworks: ['10.0.0.0/8'] }),
  });
  linkerdMesh.setTrafficPolicy(catalog, {
    timeout: Duration.seconds(2),
    retries: { attempts: 2, methods: [arch.HttpMethod.GET] },
    outlierDetection: { consecutiveErrors: 7, baseEjectionTime: Duration.seconds(10) },
    canary: { canary: catalogNext, stableWeight: 80, canaryWeight: 20 },
  });
  linkerdMesh.setTrafficPolicy(pricing, {
    timeout: Duration.millis(500),
    retries: { attempts: 1, retryNonIdempotent: true },
  });
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/meshes' });
  build(app);
  app.synth();
}
