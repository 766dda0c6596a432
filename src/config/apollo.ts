import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ApolloDatabase, ApolloEnvironment, ApolloOptions } from './apollo-options';
import { APOLLO_CONFIG_DB_SQL, APOLLO_PORTAL_DB_SQL } from './apollo-schema';
import type { ConfigCenter } from './config-center';
import { ConfigCenterKind } from './engine';
import { ConfigCenterEngineImpl, DeployedConfigCenter } from './engine-impl';
import { EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol, SecretKeyReference } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, LABEL_COMPONENT, LABEL_NAME, LABEL_PART_OF, recommendedLabels } from '../internal/labels';
import { MYSQL_DEFAULT_IMAGE, MYSQL_PORT, MySqlDatabase, resolveMySqlBackup } from '../internal/mysql';
import { objectName, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatelessWorkload } from '../internal/stateless-workload';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/** The Apollo release whose images (and whose schema, see apollo-schema.ts) the engine uses by default. */
export const APOLLO_DEFAULT_VERSION = '2.5.2';
/** Ports of the three servers (the images' SERVER_PORT defaults; startup.sh reads SERVER_PORT). */
export const APOLLO_CONFIG_SERVICE_PORT = 8080;
export const APOLLO_ADMIN_SERVICE_PORT = 8090;
export const APOLLO_PORTAL_PORT = 8070;

/**
 * The images have no USER (they run as root). Any numeric non-root user works for what the image
 * needs to read: the unpacked service directory (/apollo-<service>, files 644/755 from unzip) and
 * the JRE. The user has no /etc/passwd entry, so HOME and user.home point at /tmp.
 */
const APOLLO_UID = 10001;
/** The `mysql` user of the official MySQL image (the portal-admin Job runs its client). */
const MYSQL_CLIENT_UID = 999;
/** The generated MySQL's application user. */
const MYSQL_APP_USER = 'apollo';
/**
 * Where startup.sh writes: it hard-codes LOG_DIR (/opt/logs in 2.4+, /opt/logs/1000031xx before;
 * a LOG_DIR variable is overwritten, so none is set), creates it with `mkdir -p`, and points
 * `logging.file.name`, the GC log (-Xlog:gc*) and -XX:HeapDumpPath into it.
 */
const LOG_DIR = '/opt/logs';
/** Apollo's cluster-name rule (InputValidator CLUSTER_NAME_PATTERN); `Cluster.Name` is varchar(32). */
const CLUSTER_NAME = /^[0-9a-zA-Z_.-]{1,32}$/;
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const HOST_NAME = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;
const JVM_MIN_MEMORY_MEBIBYTES = 512;
const ENVIRONMENTS = new Set<string>(Object.values(ApolloEnvironment));

type ServiceId = 'configservice' | 'adminservice' | 'portal';

interface ResolvedDatabase {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: SecretKeyReference;
  readonly configDatabase: string;
  readonly portalDatabase: string;
  /** The generated MySQL's pods; undefined for an external server. */
  readonly workload?: IWorkload;
}

function connect(from: IWorkload, to: IWorkload, ports: NetworkPort[]): void {
  from.allowEgressTo(to, ports);
  to.allowIngressFrom(from, ports);
}

function tcp(port: number): NetworkPort[] {
  return [{ port, protocol: Protocol.TCP }];
}

/**
 * Apollo (config service, admin service, portal) as three Deployments with a MySQL: the
 * `kubernetes` Spring profile (no Eureka; the meta server hands out the Service URLs set below),
 * datasources from environment variables with the password from a Secret, Pod Security
 * "restricted" with a read-only root filesystem, and NetworkPolicies for every edge.
 *
 * Verified in the sources (apolloconfig/apollo, apollo-helm-chart, apollo-java):
 * - images, ports and SERVER_PORT (Dockerfiles; startup.sh reads SERVER_PORT, prepends JAVA_OPTS,
 *   and with APOLLO_RUN_MODE=Docker execs java in the foreground);
 * - SPRING_DATASOURCE_URL/USERNAME/PASSWORD (the Dockerfiles' run examples; application.yml
 *   reads `${spring_datasource_url}` and friends);
 * - the writes of startup.sh (LOG_DIR hard-coded, `mkdir -p`, logging.file.name, GC log, heap dumps);
 * - profiles `github,kubernetes` / `github,auth`, readiness GET /health and liveness TCP (chart);
 * - apollo.config-service.url / apollo.admin-service.url: set on the config service only, read
 *   by KubernetesDiscoveryService through `environment.getProperty` (RefreshableConfig, which adds
 *   the database's ServerConfig source last, so the environment wins);
 * - the portal's APOLLO_PORTAL_ENVS and `<ENV>_META` (Dockerfile; DefaultPortalMetaServerProvider);
 * - the client's APOLLO_META, APP_ID, ENV, IDC, APOLLO_CACHE_DIR, APOLLO_ACCESS_KEY_SECRET.
 * Assumed (not run here): the upper-case variables APOLLO_CONFIG_SERVICE_URL and
 * APOLLO_ADMIN_SERVICE_URL reach those properties through Spring's standard relaxed lookup of
 * environment variables (third-party Docker guides for the same images use them); the services write nothing outside /opt/logs and /tmp; a numeric user
 * without an /etc/passwd entry can read the unpacked service (unzip's default modes); a 60 % heap
 * leaves enough for metaspace and threads; Apollo's MySQL driver works with the MySQL 8.4 image.
 */
export class ApolloConfigEngine implements ConfigCenterEngineImpl {
  public readonly kind = ConfigCenterKind.APOLLO;

  constructor(private readonly options: ApolloOptions) {}

  public _deploy(center: ConfigCenter): DeployedConfigCenter {
    const o = this.options;
    const arch = center.architecture;
    const production = arch.profile === Profile.PRODUCTION;
    const name = center.componentName;
    const ns = center.namespace;

    const version = o.version ?? APOLLO_DEFAULT_VERSION;
    const image = (service: ServiceId) => `apolloconfig/apollo-${service}:${version}`;
    for (const service of ['configservice', 'adminservice', 'portal'] as ServiceId[]) validateImage(center, image(service));
    const environment = o.environment ?? (production ? ApolloEnvironment.PRO : ApolloEnvironment.DEV);
    if (!ENVIRONMENTS.has(environment)) {
      fail(center, `environment ${show(environment)} is not an Apollo environment`, `use ${[...ENVIRONMENTS].map((e) => show(e)).join(', ')} (ApolloEnvironment)`);
    }
    const clusters = this.validateClusters(center, o.clusters ?? []);
    const replicas = o.replicas ?? (production ? 2 : 1);
    validateInteger(center, 'replicas', replicas, 1, 100, 'use at least 1 replica of the config and admin services (2 or more in production)');
    const portalReplicas = o.portalReplicas ?? 1;
    validateInteger(center, 'portalReplicas', portalReplicas, 1, 10, 'use 1 to 10 portal replicas');
    const resources = resolveResources(center, arch.profile, o.resources, production
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 768 });
    if (resources.memoryLimitMebibytes < JVM_MIN_MEMORY_MEBIBYTES) {
      fail(center, `resources.memoryLimitMebibytes ${resources.memoryLimitMebibytes} is too small for an Apollo server (a Spring Boot JVM)`,
        `give each Apollo container at least ${JVM_MIN_MEMORY_MEBIBYTES} MiB (1024 in production)`);
    }
    if (o.portalAdminSecret) this.validateSecretRef(center, 'portalAdminSecret', o.portalAdminSecret);
    if (o.accessKeySecret) this.validateSecretRef(center, 'accessKeySecret', o.accessKeySecret);

    const chart = deployPlatformComponent(center, center);
    const db = this.database(center, chart, production);

    // JVM heap: 60 % of the memory limit; the rest is metaspace, threads, code cache and buffers.
    // startup.sh prepends the variable JAVA_OPTS to its own options (verified), so these apply.
    const heap = Math.floor(resources.memoryLimitMebibytes * 0.6);
    const javaOpts = `-Xms${heap}m -Xmx${heap}m -Duser.home=/tmp`;
    const logs = writableVolumes(center, [LOG_DIR], resources.memoryLimitMebibytes + 512); // logs + one heap dump
    const tmp = writableVolumes(center, ['/tmp'], 256); // JVM perf data, Tomcat's work directories
    const host = (service: ServiceId) => arch.serviceHost(objectName(center, name, service), ns);
    const configServiceUrl = `http://${host('configservice')}:${APOLLO_CONFIG_SERVICE_PORT}`;
    const adminServiceUrl = `http://${host('adminservice')}:${APOLLO_ADMIN_SERVICE_PORT}`;
    const jdbcUrl = (database: string) => `jdbc:mysql://${db.host}:${db.port}/${database}?characterEncoding=utf8`;

    // The datasource variables are the ones the images' Dockerfiles document (SPRING_DATASOURCE_*);
    // application.yml reads ${spring_datasource_url} etc., which Spring resolves from them.
    const serverEnv = (port: number, profiles: string, database: string): kplus.k8s.EnvVar[] => [
      { name: 'SPRING_PROFILES_ACTIVE', value: profiles },
      { name: 'SERVER_PORT', value: String(port) },
      { name: 'SPRING_DATASOURCE_URL', value: jdbcUrl(database) },
      { name: 'SPRING_DATASOURCE_USERNAME', value: db.user },
      { name: 'SPRING_DATASOURCE_PASSWORD', valueFrom: { secretKeyRef: { name: db.password.secretName, key: db.password.key } } },
      { name: 'JAVA_OPTS', value: javaOpts },
      { name: 'HOME', value: '/tmp' },
    ];

    const server = (service: ServiceId, port: number, count: number, env: kplus.k8s.EnvVar[], sessionAffinity?: 'ClientIP') => {
      const portNumber = k8s.IntOrString.fromNumber(port);
      return new StatelessWorkload(center, service, {
        architecture: arch,
        chart,
        name: objectName(center, name, service),
        namespace: ns,
        identity: { name, instance: `${arch.name}-${name}-${service}`, component: service, partOf: arch.name },
        version,
        replicas: count,
        ports: [{ name: 'http', port, appProtocol: 'http' }],
        uid: APOLLO_UID,
        volumes: [...logs.volumes, ...tmp.volumes],
        podAnnotations: { [ANNOTATION_EXTERNAL_SECRETS]: db.password.secretName },
        sessionAffinity,
        terminationGracePeriodSeconds: 60,
        containers: (w) => [secureContainer({
          name: service,
          image: image(service),
          ports: w.containerPorts,
          env,
          resources,
          // The chart probes: readiness GET /health (startup.sh also polls /health), liveness TCP.
          // Spring Boot with a database takes minutes on a small CPU share: 5 minutes to start.
          startupProbe: { tcpSocket: { port: portNumber }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 30 },
          readinessProbe: { httpGet: { path: '/health', port: portNumber, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: portNumber }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
          volumeMounts: [...logs.mounts, ...tmp.mounts],
        })],
      });
    };

    // Config service: the meta server and config API. With the `kubernetes` profile it skips
    // Eureka and its KubernetesDiscoveryService answers with apollo.config-service.url and
    // apollo.admin-service.url, read through the Spring environment (RefreshableConfig), where
    // APOLLO_CONFIG_SERVICE_URL / APOLLO_ADMIN_SERVICE_URL are those properties.
    const configService = server('configservice', APOLLO_CONFIG_SERVICE_PORT, replicas, [
      ...serverEnv(APOLLO_CONFIG_SERVICE_PORT, 'github,kubernetes', db.configDatabase),
      { name: 'APOLLO_CONFIG_SERVICE_URL', value: configServiceUrl },
      { name: 'APOLLO_ADMIN_SERVICE_URL', value: adminServiceUrl },
    ]);
    const adminService = server('adminservice', APOLLO_ADMIN_SERVICE_PORT, replicas,
      serverEnv(APOLLO_ADMIN_SERVICE_PORT, 'github,kubernetes', db.configDatabase));
    // Portal: APOLLO_PORTAL_ENVS and <ENV>_META are the variables its Dockerfile documents
    // (DefaultPortalMetaServerProvider reads any OS variable ending in _META); they take
    // precedence over the PortalDB ServerConfig rows, which Apollo adds last.
    const portal = server('portal', APOLLO_PORTAL_PORT, portalReplicas, [
      ...serverEnv(APOLLO_PORTAL_PORT, 'github,auth', db.portalDatabase),
      { name: 'APOLLO_PORTAL_ENVS', value: environment.toLowerCase() },
      { name: `${environment}_META`, value: configServiceUrl },
    ], 'ClientIP');

    if (db.workload) {
      for (const w of [configService, adminService, portal]) connect(w, db.workload, tcp(db.port));
    }
    connect(portal, configService, tcp(APOLLO_CONFIG_SERVICE_PORT));
    connect(portal, adminService, tcp(APOLLO_ADMIN_SERVICE_PORT));

    const components: string[] = ['configservice', 'adminservice', 'portal'];
    if (o.portalAdminSecret) {
      this.portalAdminJob(center, chart, db, o.portalAdminSecret);
      components.push('portal-admin');
    }
    if (!db.workload) {
      // An external server has no pods to select: allow its port to any address.
      new k8s.KubeNetworkPolicy(chart, 'database-egress', {
        metadata: {
          name: objectName(center, name, 'database-egress'),
          namespace: ns,
          labels: recommendedLabels({ name, instance: `${arch.name}-${name}`, component: 'apollo', partOf: arch.name }),
        },
        spec: {
          podSelector: {
            matchLabels: { [LABEL_NAME]: name, [LABEL_PART_OF]: arch.name },
            matchExpressions: [{ key: LABEL_COMPONENT, operator: 'In', values: components }],
          },
          policyTypes: ['Egress'],
          egress: [{ ports: [{ port: k8s.IntOrString.fromNumber(db.port), protocol: 'TCP' }] }],
        },
      });
    }

    const cluster = clusters[0] ?? 'default';
    return {
      address: configServiceUrl,
      uiUrl: `http://${host('portal')}:${APOLLO_PORTAL_PORT}`,
      // the portal's own login (profile `auth`)
      console: new PlatformConsole('apollo-portal', portal, portal.name, APOLLO_PORTAL_PORT, true, '/health'),
      bind: (consumer: IWorkload) => {
        // What the Apollo Java client reads (apollo-java: DefaultMetaServerProvider,
        // DefaultApplicationProvider, DefaultServerProvider, ConfigUtil). APOLLO_CLUSTER reaches
        // Spring Boot applications (ApolloApplicationContextInitializer copies apollo.cluster into
        // a system property); plain Java clients take the cluster from IDC (the data center).
        // Applications are created in the portal under this APP_ID.
        const env: EnvVariable[] = [
          { name: 'APOLLO_META', value: EnvValue.fromValue(configServiceUrl) },
          { name: 'APP_ID', value: EnvValue.fromValue(consumer.componentName) },
          { name: 'APOLLO_CLUSTER', value: EnvValue.fromValue(cluster) },
          { name: 'IDC', value: EnvValue.fromValue(cluster) },
          { name: 'ENV', value: EnvValue.fromValue(environment) },
          // The client's default cache (/opt/data/<app id>) is on the read-only root filesystem.
          { name: 'APOLLO_CACHE_DIR', value: EnvValue.fromValue('/tmp/apollo-cache') },
        ];
        if (o.accessKeySecret) env.push({ name: 'APOLLO_ACCESS_KEY_SECRET', value: EnvValue.fromSecret(o.accessKeySecret) });
        return { env, endpoints: [{ workload: configService, ports: tcp(APOLLO_CONFIG_SERVICE_PORT) }] };
      },
    };
  }

  private validateClusters(center: ConfigCenter, clusters: string[]): string[] {
    const seen = new Set<string>(['default']);
    for (const c of clusters) {
      if (!CLUSTER_NAME.test(c)) {
        fail(center, `cluster ${show(c)} is not a valid Apollo cluster name`, 'use 1-32 letters, digits, "_", "." or "-" (e.g. "shanghai-az1")');
      }
      if (seen.has(c)) {
        fail(center, `cluster ${show(c)} is listed twice or is "default"`, 'list each cluster once; "default" always exists and is not listed');
      }
      seen.add(c);
    }
    return clusters;
  }

  private validateSecretRef(center: ConfigCenter, what: string, ref: SecretKeyReference): void {
    validateDnsLabel(center, `${what}.secretName`, ref.secretName);
    if (!SECRET_KEY.test(ref.key)) {
      fail(center, `${what}.key ${show(ref.key)} is not a valid Secret key`, 'use letters, digits, "-", "_" or "." (e.g. "password")');
    }
  }

  private database(center: ConfigCenter, chart: Chart, production: boolean): ResolvedDatabase {
    const o = this.options;
    const arch = center.architecture;
    const name = center.componentName;
    if (o.database) {
      for (const [what, set] of [
        ['mysqlRootPasswordSecret', o.mysqlRootPasswordSecret], ['mysqlPasswordSecret', o.mysqlPasswordSecret],
        ['mysqlStorageGibibytes', o.mysqlStorageGibibytes], ['mysqlStorageClassName', o.mysqlStorageClassName],
        ['mysqlBackup', o.mysqlBackup],
      ] as Array<[string, unknown]>) {
        if (set !== undefined) {
          fail(center, `${what} is set, but database points to the external MySQL ${show(o.database.host)}`, `remove ${what} (it configures the generated MySQL only)`);
        }
      }
      return this.externalDatabase(center, o.database);
    }
    const rootPassword = o.mysqlRootPasswordSecret ?? { secretName: objectName(center, name, 'mysql'), key: 'root-password' };
    const password = o.mysqlPasswordSecret ?? { secretName: objectName(center, name, 'mysql'), key: 'password' };
    this.validateSecretRef(center, 'mysqlRootPasswordSecret', rootPassword);
    this.validateSecretRef(center, 'mysqlPasswordSecret', password);
    const storage = validateInteger(center, 'mysqlStorageGibibytes', o.mysqlStorageGibibytes ?? 10, 1, 65536, 'use a whole number of GiB');
    if (o.mysqlStorageClassName !== undefined) validateDnsLabel(center, 'mysqlStorageClassName', o.mysqlStorageClassName);
    const mysql = new MySqlDatabase(center, 'mysql', {
      architecture: arch,
      chart,
      name: objectName(center, name, 'mysql'),
      namespace: center.namespace,
      componentName: name,
      rootPassword,
      user: MYSQL_APP_USER,
      userPassword: password,
      // Run once, on the first start with an empty data directory, in file-name order (the
      // schemas create their databases). The services only read and write rows: schema upgrades
      // (Apollo's delta scripts) run as root.
      initScripts: {
        '01-apolloconfigdb.sql': APOLLO_CONFIG_DB_SQL,
        '02-apolloportaldb.sql': APOLLO_PORTAL_DB_SQL,
        '03-grants.sql': [
          `GRANT SELECT, INSERT, UPDATE, DELETE ON \`ApolloConfigDB\`.* TO '${MYSQL_APP_USER}'@'%';`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON \`ApolloPortalDB\`.* TO '${MYSQL_APP_USER}'@'%';`,
          '',
        ].join('\n'),
      },
      storageGibibytes: storage,
      storageClassName: o.mysqlStorageClassName,
      backup: resolveMySqlBackup(center, 'mysqlBackup', arch, o.mysqlBackup, storage),
      resources: resolveResources(center, arch.profile, undefined, production
        ? { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 }
        : { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 }),
    });
    return {
      host: mysql.host,
      port: MYSQL_PORT,
      user: MYSQL_APP_USER,
      password,
      configDatabase: 'ApolloConfigDB',
      portalDatabase: 'ApolloPortalDB',
      workload: mysql.cluster,
    };
  }

  private externalDatabase(center: ConfigCenter, d: ApolloDatabase): ResolvedDatabase {
    if (d.host.length > 253 || !HOST_NAME.test(d.host)) {
      fail(center, `database.host ${show(d.host)} is not a host name or IP address`, 'use the MySQL server\'s DNS name or IP address, without scheme or port (e.g. "mysql.example.internal")');
    }
    const port = validateInteger(center, 'database.port', d.port ?? MYSQL_PORT, 1, 65535, 'use the MySQL server\'s port (3306 by default)');
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(d.user)) {
      fail(center, `database.user ${show(d.user)} is not a MySQL user name this engine accepts`, 'use 1-32 letters, digits, "_", "." or "-"');
    }
    this.validateSecretRef(center, 'database.passwordSecret', d.passwordSecret);
    const configDatabase = d.configDatabase ?? 'ApolloConfigDB';
    const portalDatabase = d.portalDatabase ?? 'ApolloPortalDB';
    for (const [what, value] of [['database.configDatabase', configDatabase], ['database.portalDatabase', portalDatabase]]) {
      if (!DATABASE_NAME.test(value)) {
        fail(center, `${what} ${show(value)} is not a database name this engine accepts`, 'use 1-64 letters, digits or "_" (e.g. "ApolloConfigDB")');
      }
    }
    if (configDatabase === portalDatabase) {
      fail(center, `database.configDatabase and database.portalDatabase are both ${show(configDatabase)}`, 'use two databases (their tables share names such as App and ServerConfig)');
    }
    return { host: d.host, port, user: d.user, password: d.passwordSecret, configDatabase, portalDatabase };
  }

  /**
   * A Job that writes the administrator's BCrypt hash into ApolloPortalDB.Users (the seeded user
   * "apollo", whose initial password is "admin"). It waits for the schema, validates the hash's
   * shape before it goes into SQL, and runs once; to rotate, change the password in the portal.
   */
  private portalAdminJob(center: ConfigCenter, chart: Chart, db: ResolvedDatabase, secret: SecretKeyReference): void {
    const arch = center.architecture;
    const name = center.componentName;
    const jobName = objectName(center, name, 'portal-admin');
    const task = new TaskPods(center, 'portal-admin', {
      architecture: arch,
      chart,
      name: jobName,
      namespace: center.namespace,
      identity: { name, instance: `${arch.name}-${name}-portal-admin`, component: 'portal-admin', partOf: arch.name },
    });
    if (db.workload) connect(task, db.workload, tcp(db.port));
    const mysql = 'mysql --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASSWORD"';
    const script = [
      'set -eu',
      'case "$ADMIN_PASSWORD_HASH" in',
      "  '$2a$'[0-9][0-9]'$'*|'$2b$'[0-9][0-9]'$'*|'$2y$'[0-9][0-9]'$'*) ;;",
      "  *) echo 'the portal admin Secret does not hold a BCrypt hash ($2a$10$...)' >&2; exit 1 ;;",
      'esac',
      'case "$ADMIN_PASSWORD_HASH" in',
      "  *[!./0-9A-Za-z$]*) echo 'the BCrypt hash has characters outside [./0-9A-Za-z$]' >&2; exit 1 ;;",
      'esac',
      `until ${mysql} -N -e "SELECT COUNT(*) FROM \\\`$PORTAL_DATABASE\\\`.Users" >/dev/null 2>&1; do`,
      "  echo 'waiting for the portal database schema'; sleep 5",
      'done',
      `${mysql} -e "UPDATE \\\`$PORTAL_DATABASE\\\`.Users SET Password = '$ADMIN_PASSWORD_HASH' WHERE Username = 'apollo'"`,
      "echo 'portal administrator password set'",
    ].join('\n');
    const tmp = writableVolumes(center, ['/tmp'], 64);
    const secrets = [...new Set([db.password.secretName, secret.secretName])].sort();
    const container = secureContainer({
      name: 'set-admin-password',
      image: MYSQL_DEFAULT_IMAGE,
      command: ['sh', '-c', script],
      env: [
        { name: 'DB_HOST', value: db.host },
        { name: 'DB_PORT', value: String(db.port) },
        { name: 'DB_USER', value: db.user },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: db.password.secretName, key: db.password.key } } },
        { name: 'PORTAL_DATABASE', value: db.portalDatabase },
        { name: 'ADMIN_PASSWORD_HASH', valueFrom: { secretKeyRef: { name: secret.secretName, key: secret.key } } },
      ],
      resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 32, memoryLimitMebibytes: 128 },
      volumeMounts: tmp.mounts,
    });
    // A Job's pod template is immutable: its name carries a hash of the container, so a change
    // (another database, image or Secret) creates a new Job instead of failing to apply.
    const hash = createHash('sha256').update(JSON.stringify(container)).digest('hex').slice(0, 10);
    task.job(task.podTemplate([container], MYSQL_CLIENT_UID, tmp.volumes, { [ANNOTATION_EXTERNAL_SECRETS]: secrets.join(',') }),
      { name: objectName(center, jobName, hash) });
  }
}
