/**
 * The seed's two discovery modes, side by side, each in its own architecture:
 *
 * - `dns`: server-side discovery, Kubernetes Services and cluster DNS (nothing to run);
 * - `zk`: a five-member ZooKeeper ensemble with tuned timing and purge settings;
 * - `mesh-ready`: a Consul datacenter with gossip encryption, TLS and deny-by-default ACLs: the
 *   servers read their key and tokens from Secrets as files, a bootstrap Job gives every service
 *   its own token in a Secret of its own, and services register with TTL checks on their agent;
 *   Prometheus scrapes every server's agent metrics over HTTPS with a read-only token of its own;
 * - `tls`: an etcd cluster with TLS and client-certificate authentication, weekly
 *   defragmentation moved to Saturday night, a larger backend quota.
 *
 * Output in dist/service-discovery/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

function catalogService(scope: arch.BackendArchitecture, registry: arch.Registry): void {
  const catalog = new arch.Microservice(scope, 'catalog', {
    image: 'ghcr.io/acme/catalog:5.1.0',
    context: `${scope.name}-catalog`,
    team: 'catalog',
  });
  const search = new arch.Microservice(scope, 'search', {
    image: 'ghcr.io/acme/search:2.3.0',
    context: `${scope.name}-catalog`,
    team: 'catalog',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
  });
  catalog.uses(registry);
  search.uses(registry);
  catalog.uses(search);
}

export function build(app: App): void {
  const dns = new arch.BackendArchitecture(app, 'dns', { profile: arch.Profile.PRODUCTION });
  catalogService(dns, new arch.Registry(dns, 'registry', { engine: arch.RegistryEngine.dns() }));

  const zk = new arch.BackendArchitecture(app, 'zk', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  catalogService(zk, new arch.Registry(zk, 'registry', {
    namespace: 'zk-registry',
    engine: arch.RegistryEngine.zookeeper({
      members: 5,
      storageGibibytes: 20,
      tickTimeMillis: 2000,
      initLimitTicks: 15,
      syncLimitTicks: 5,
      autopurgeIntervalHours: 12,
      snapRetainCount: 5,
      maxClientConnections: 120,
      resources: { cpuRequestMillis: 250, memoryRequestMebibytes: 1536, memoryLimitMebibytes: 1536 },
    }),
  }));

  const consul = new arch.BackendArchitecture(app, 'mesh-ready', { profile: arch.Profile.PRODUCTION });
  // Prometheus scrapes every Consul server over HTTPS with a token of its own, which the bootstrap
  // Job writes into the observability namespace (and the services, as everywhere)
  new arch.ObservabilityStack(consul, 'observability', {
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }),
  });
  catalogService(consul, new arch.Registry(consul, 'registry', {
    namespace: 'consul',
    engine: arch.RegistryEngine.consul({
      datacenter: 'eu-west-1',
      ui: true,
      gossipEncryption: { secretName: 'consul-gossip', key: 'key' },
      acl: { enabled: true, defaultPolicy: arch.ConsulAclPolicy.DENY, tokenSecretName: 'consul-bootstrap-token' },
      tls: { serverSecretName: 'consul-server-tls' },
      registrationTtl: Duration.seconds(10),
    }),
  }));

  const tls = new arch.BackendArchitecture(app, 'tls', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  catalogService(tls, new arch.Registry(tls, 'registry', {
    namespace: 'etcd',
    engine: arch.RegistryEngine.etcd({
      members: 5,
      image: 'gcr.io/etcd-development/etcd:v3.5.33',
      storageGibibytes: 16,
      storageClassName: 'fast-ssd',
      quotaBackendGibibytes: 4,
      compactionRetention: Duration.minutes(30),
      defragmentationSchedule: '30 2 * * 6',
      tls: { serverSecretName: 'etcd-server-tls', clientSecretName: 'etcd-client-tls' },
    }),
  }));
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/service-discovery' });
  build(app);
  app.synth();
}
