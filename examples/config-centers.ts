/**
 * The seed's configuration centers, each in its own architecture, with a service that reads it:
 *
 * - `nacos`: a 3-member Nacos 2.x cluster on a generated MySQL (schema loaded on first start),
 *   auth on, two Nacos namespaces, and a provisioning Job that gives each consumer its own user
 *   with read permission;
 * - `apollo`: Apollo's config service, admin service and portal (the UI) for the PRO environment
 *   and an extra cluster, on an external MySQL, portal admin password and client access key from
 *   Secrets;
 * - `managed`: a 5-member Nacos cluster on an external (managed) MySQL;
 * - `apollo-dev`: Apollo's DEV environment on a generated MySQL, development profile;
 * - `sandbox`: Nacos standalone (embedded storage) in the development profile;
 * - `native`: the zero-dependency Kubernetes engine with overlays and per-application entries.
 *
 * Output in dist/config-centers/.
 */
import { App } from 'cdk8s';
import * as arch from 'cdk8s-architect';

function service(scope: arch.BackendArchitecture, config: arch.ConfigCenter): void {
  const pricing = new arch.Microservice(scope, 'pricing', {
    image: 'ghcr.io/acme/pricing:3.0.4',
    context: `${scope.name}-pricing`,
    team: 'pricing',
  });
  pricing.uses(config);
}

export function build(app: App): void {
  const nacos = new arch.BackendArchitecture(app, 'nacos', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },
      ],
    },
  });
  service(nacos, new arch.ConfigCenter(nacos, 'config', {
    namespace: 'nacos',
    engine: arch.ConfigCenterEngine.nacos({
      members: 3,
      storageGibibytes: 10,
      resources: { cpuRequestMillis: 500, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
      storageClassName: 'fast-ssd',
      image: 'nacos/nacos-server:v2.5.3',
      namespaces: [
        { id: 'shop-prod', name: 'Shop production', description: 'configuration of the shop services' },
        { id: 'shop-canary', name: 'Shop canary' },
      ],
      group: 'SHOP_GROUP',
      authTokenSecret: { secretName: 'nacos-auth', key: 'token' },
      identitySecretName: 'nacos-auth',
      adminPasswordSecret: { secretName: 'nacos-admin', key: 'password' },
      consumerCredentialsSecret: 'nacos-client',
      consumerPasswordsSecret: 'nacos-consumers',
    }),
  }));

  // Nacos on the company's managed MySQL (schema loaded by the DBA from Nacos's mysql-schema.sql)
  const managed = new arch.BackendArchitecture(app, 'managed', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },
      ],
    },
  });
  service(managed, new arch.ConfigCenter(managed, 'config', {
    namespace: 'managed-nacos',
    engine: arch.ConfigCenterEngine.nacos({
      members: 5,
      database: {
        host: 'mysql.databases.example.internal',
        port: 3306,
        database: 'nacos_config',
        user: 'nacos',
        passwordSecret: { secretName: 'nacos-db', key: 'password' },
      },
    }),
  }));

  const apollo = new arch.BackendArchitecture(app, 'apollo', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  service(apollo, new arch.ConfigCenter(apollo, 'config', {
    namespace: 'apollo',
    engine: arch.ConfigCenterEngine.apollo({
      version: '2.5.2',
      environment: arch.ApolloEnvironment.PRO,
      clusters: ['eu-west'],
      replicas: 3,
      portalReplicas: 2,
      resources: { cpuRequestMillis: 250, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1536 },
      database: {
        host: 'mysql.databases.example.internal',
        port: 3306,
        user: 'apollo',
        passwordSecret: { secretName: 'apollo-db', key: 'password' },
        configDatabase: 'ApolloConfigDB_PRO',
        portalDatabase: 'ApolloPortalDB',
      },
      portalAdminSecret: { secretName: 'apollo-portal-admin', key: 'bcrypt-hash' },
      accessKeySecret: { secretName: 'apollo-access-key', key: 'secret' },
    }),
  }));

  // Apollo for developers: DEV environment on a generated MySQL
  const apolloDev = new arch.BackendArchitecture(app, 'apollo-dev', { profile: arch.Profile.DEVELOPMENT });
  service(apolloDev, new arch.ConfigCenter(apolloDev, 'config', {
    namespace: 'apollo-dev',
    engine: arch.ConfigCenterEngine.apollo({
      environment: arch.ApolloEnvironment.DEV,
      mysqlRootPasswordSecret: { secretName: 'apollo-mysql', key: 'root-password' },
      mysqlPasswordSecret: { secretName: 'apollo-mysql', key: 'password' },
      mysqlStorageGibibytes: 5,
      mysqlStorageClassName: 'standard',
    }),
  }));

  const sandbox = new arch.BackendArchitecture(app, 'sandbox', { profile: arch.Profile.DEVELOPMENT });
  service(sandbox, new arch.ConfigCenter(sandbox, 'config', { namespace: 'sandbox-nacos', engine: arch.ConfigCenterEngine.nacos() }));

  const native = new arch.BackendArchitecture(app, 'native', { profile: arch.Profile.PRODUCTION });
  service(native, new arch.ConfigCenter(native, 'config', {
    namespace: 'native-config',
    engine: arch.ConfigCenterEngine.kubernetes({
      entries: {
        'pricing.currency': arch.ConfigValue.string('EUR'),
        'pricing.cache-ttl-seconds': arch.ConfigValue.number(30),
        'pricing.rules': arch.ConfigValue.json({ rounding: 'half-even', minimum: 0.5 }),
        'pricing.discounts-enabled': arch.ConfigValue.bool(true),
      },
      overlays: { development: { 'pricing.cache-ttl-seconds': arch.ConfigValue.number(1) } },
      applications: { pricing: { 'pricing.fx-api-token': arch.ConfigValue.secret({ secretName: 'fx-api', key: 'token' }) } },
    }),
  }));
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/config-centers' });
  build(app);
  app.synth();
}
