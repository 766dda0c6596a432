import { createHash } from 'crypto';
import * as kplus from 'cdk8s-plus-28';
import type { ConfigCenter } from './config-center';
import { ConfigCenterKind } from './engine';
import { ConfigCenterEngineImpl, DeployedConfigCenter } from './engine-impl';
import { NacosDatabase, NacosNamespace, NacosOptions } from './nacos-options';
import { nacosMysqlInitScript } from './nacos-schema';
import { EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol, SecretKeyReference } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, DOMAIN, recommendedLabels } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { GcLog, LogbackConfig, logVolumeMebibytes, renderLogback } from '../internal/logback';
import { MYSQL_PORT, MySqlDatabase, resolveMySqlBackup } from '../internal/mysql';
import { compareStrings, objectName, validateCronSchedule, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/** The Nacos 2.x server image (nacos-group/nacos-docker, newest 2.x tag in the reference snapshot). */
export const NACOS_DEFAULT_IMAGE = 'nacos/nacos-server:v2.5.3';
/**
 * The provisioning Job's image: curl's official container (curl/curl-container: Alpine, busybox
 * sh, an unprivileged `curl_user`). Used because curl in the Nacos image is not confirmed.
 */
export const NACOS_PROVISION_IMAGE = 'curlimages/curl:8.11.1';

/** HTTP OpenAPI and console (context path /nacos). */
const HTTP_PORT = 8848;
/** Client SDK gRPC (HTTP port + 1000); 2.x SDKs require it. */
const GRPC_PORT = 9848;
/** Member-to-member gRPC (HTTP port + 1001). */
const PEER_GRPC_PORT = 9849;
/** JRaft (HTTP port - 1000): CP consistency, embedded storage, leader election. */
const RAFT_PORT = 7848;
/**
 * The image has no USER (it runs as root by default); any numeric non-root user works once every
 * path the server writes is a volume (see the mounts below).
 */
const UID = 1000;
/** `curl_user`, created by `adduser -S` on Alpine (first system uid). The Job writes nothing. */
const CURL_UID = 100;
const HOME = '/home/nacos';
/** Where the server serves Prometheus metrics (Spring Boot's actuator below the `/nacos` context path). */
export const NACOS_METRICS_PATH = '/nacos/actuator/prometheus';
/** The `kind` label of Nacos's series (selects its alert rules). */
export const NACOS_METRICS_KIND = 'nacos';
/** The generated logback configuration, copied over the image's conf/nacos-logback.xml (docker-startup.sh passes `--logging.config` with that path). */
const LOGBACK_FILE = 'nacos-logback.xml';
/** Where the init container reads the generated configuration from (the ConfigMap). */
const LOGBACK_SOURCE_DIR = '/etc/nacos-logback';
/** Pod annotation with a digest of the generated logback configuration. */
const ANNOTATION_LOGBACK_HASH = `${DOMAIN}/config-hash`;
/**
 * The GC log docker-startup.sh (v2.5.3, Java 8 image) configures after every option the environment
 * can set: `-Xloggc:/home/nacos/logs/nacos_gc.log -XX:+UseGCLogFileRotation -XX:NumberOfGCLogFiles=10
 * -XX:GCLogFileSize=100M`; the log volume is sized for it.
 */
const NACOS_GC_LOG: GcLog = { files: 10, fileMebibytes: 100 };

/**
 * The logback configuration the server loads instead of the image's: upstream's loggers, levels and
 * file names (nacos-logback.xml of 2.5.1, the newest in the reference snapshot), whose rolling
 * policies allow 148 GiB (the totalSizeCap of its 32 file appenders: 20 MB-2 GB files, 7 days, caps
 * of 128 MB-7 GB), with fixed windows of a few tens of MiB per file; the main log and the startup
 * progress on the console too. Plain logback (no Spring extensions): the directory is
 * `${nacos.home}/logs`, which docker-startup.sh sets with `-Dnacos.home`, and the standalone
 * profile's console loggers apply in every mode.
 */
export function nacosLogback(): LogbackConfig {
  const log = (name: string, file: string, loggers: string[], maxFileMebibytes: number, archives: number, level = 'INFO') =>
    ({ name, file, loggers, maxFileMebibytes, archives, level });
  return {
    directory: '${nacos.home}/logs',
    pattern: '%date %level %msg%n%n',
    consolePattern: '%date %level %logger{36} - %msg%n',
    root: 'rootFile',
    logs: [
      { ...log('rootFile', 'nacos.log', [], 64, 3), console: true },
      { ...log('startLog', 'config-server.log', ['com.alibaba.nacos.config.startLog'], 32, 2), console: true },
      { ...log('naming-server', 'naming-server.log', ['com.alibaba.nacos.naming.main'], 32, 2), async: true },
      { ...log('naming-raft', 'naming-raft.log', ['com.alibaba.nacos.naming.raft'], 16, 1), async: true },
      { ...log('naming-distro', 'naming-distro.log', ['com.alibaba.nacos.naming.distro'], 16, 2), async: true },
      { ...log('naming-event', 'naming-event.log', ['com.alibaba.nacos.naming.event'], 16, 2), async: true },
      log('naming-push', 'naming-push.log', ['com.alibaba.nacos.naming.push'], 16, 2),
      log('naming-rt', 'naming-rt.log', ['com.alibaba.nacos.naming.rt'], 16, 2),
      log('naming-performance', 'naming-performance.log', ['com.alibaba.nacos.naming.performance'], 16, 2),
      log('dumpFile', 'config-dump.log', ['com.alibaba.nacos.config.dumpLog'], 16, 2),
      log('pullFile', 'config-pull.log', ['com.alibaba.nacos.config.pullLog'], 16, 1),
      log('fatalFile', 'config-fatal.log', ['com.alibaba.nacos.config.fatal'], 16, 1),
      log('memoryFile', 'config-memory.log', ['com.alibaba.nacos.config.monitorLog'], 16, 1),
      log('pullCheckFile', 'config-pull-check.log', ['com.alibaba.nacos.config.pullCheckLog'], 16, 1),
      log('clientLog', 'config-client-request.log', ['com.alibaba.nacos.config.clientLog'], 16, 2),
      log('traceLog', 'config-trace.log', ['com.alibaba.nacos.config.traceLog'], 16, 2),
      log('notifyLog', 'config-notify.log', ['com.alibaba.nacos.config.notifyLog'], 16, 2),
      log('nacos-address', 'nacos-address.log', ['com.alibaba.nacos.address.main'], 16, 1),
      log('cmdb-main', 'cmdb-main.log', ['com.alibaba.nacos.cmdb.main'], 16, 1),
      log('istio-main', 'istio-main.log', ['com.alibaba.nacos.istio.main'], 16, 1, 'DEBUG'),
      log('core-auth', 'core-auth.log', ['com.alibaba.nacos.core.auth'], 16, 2, 'DEBUG'),
      log('protocol-raft', 'protocol-raft.log', ['com.alibaba.nacos.core.protocol.raft'], 16, 2),
      log('protocol-distro', 'protocol-distro.log', ['com.alibaba.nacos.core.protocol.distro'], 16, 2),
      log('nacos-cluster', 'nacos-cluster.log', ['com.alibaba.nacos.core.cluster'], 16, 2),
      log('alipay-jraft', 'alipay-jraft.log', ['com.alipay.sofa.jraft'], 16, 2),
      log('plugin-control', 'plugin-control.log', ['com.alibaba.nacos.plugin.control'], 16, 1),
      log('plugin-control-tps', 'plugin-control-tps.log', ['com.alibaba.nacos.plugin.control.tps'], 16, 1),
      log('plugin-control-connection', 'plugin-control-connection.log', ['com.alibaba.nacos.plugin.control.connection'], 16, 1),
      log('remote', 'remote.log', ['com.alibaba.nacos.core.remote'], 32, 2, 'DEBUG'),
      log('remote-digest', 'remote-digest.log', ['com.alibaba.nacos.core.remote.digest'], 16, 2, 'DEBUG'),
      log('remote-push', 'remote-push.log', ['com.alibaba.nacos.core.remote.push'], 16, 2, 'DEBUG'),
      log('nacos-persistence', 'nacos-persistence.log', ['com.alibaba.nacos.persistence'], 16, 2),
    ],
    consoleLoggers: [
      'com.alibaba.nacos.core.listener.StartingApplicationListener',
      'com.alibaba.nacos.common.notify.NotifyCenter',
      'com.alibaba.nacos.sys.file.WatchFileCenter',
      'com.alibaba.nacos.common.executor.ThreadPoolManager',
    ],
  };
}

/**
 * The `logs` volume's size in MiB: the generated logback configuration's bound, the GC log and, in
 * cluster mode (docker-startup.sh sets -XX:+HeapDumpOnOutOfMemoryError there only), one heap dump
 * (`java_heapdump.hprof`, a fixed name the JVM does not overwrite). A dump can be larger than the
 * heap (HPROF writes 8-byte object ids where compressed oops take 4), so it is budgeted at the
 * container's memory limit (the heap is 60 % of it).
 */
export function nacosLogVolumeMebibytes(memoryLimitMebibytes: number, standalone: boolean): number {
  return logVolumeMebibytes({ logback: nacosLogback(), gcLog: NACOS_GC_LOG, heapDumpMebibytes: standalone ? 0 : memoryLimitMebibytes });
}
const ADMIN_USER = 'nacos';
const GENERATED_DB = 'nacos';
const GENERATED_DB_USER = 'nacos';
/** nacos-docker's default MYSQL_SERVICE_DB_PARAM plus allowPublicKeyRetrieval (MySQL 8.4 caching_sha2_password without TLS, as nacos-k8s's CI sets it). */
const MYSQL_DB_PARAM = 'characterEncoding=utf8&connectTimeout=1000&socketTimeout=3000&autoReconnect=true&useSSL=false&allowPublicKeyRetrieval=true';

const NAMESPACE_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Characters the 2.x console API refuses in namespace names (assumption: NamespaceController's name check). */
const NAMESPACE_NAME_ILLEGAL = /[@#$%^&*]/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const MYSQL_IDENTIFIER = /^[A-Za-z0-9_]{1,64}$/;
const MYSQL_USER = /^[A-Za-z0-9_]{1,32}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Nacos's `users.username` and `roles.role` columns are varchar(50). */
const MAX_NACOS_NAME = 50;

/** Single-quotes a string for POSIX sh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

function validateSecretRef(center: ConfigCenter, what: string, ref: SecretKeyReference): SecretKeyReference {
  validateDnsLabel(center, `${what}.secretName`, ref.secretName);
  if (!SECRET_KEY.test(ref.key)) {
    fail(center, `${what}.key ${show(ref.key)} is not a valid Secret key`, 'use at most 253 letters, digits, "-", "_" or "."');
  }
  return ref;
}

function validateMembers(center: ConfigCenter, profile: Profile, requested?: number): number {
  const n = requested ?? (profile === Profile.PRODUCTION ? 3 : 1);
  validateInteger(center, 'members', n, 1, 7, 'use 1 (standalone) or an odd number up to 7 (3 or 5 in production)');
  if (n % 2 === 0) {
    fail(center, `members ${n} is even: Nacos's JRaft (CP) group needs a majority, which ${n} members reach no more often than ${n - 1}, and an even split leaves no leader`,
      `use an odd number of members (${n - 1} or ${n + 1})`);
  }
  return n;
}

function validateNamespaces(center: ConfigCenter, namespaces: NacosNamespace[]): void {
  const seen = new Set<string>();
  for (const ns of namespaces) {
    if (!NAMESPACE_ID.test(ns.id)) {
      fail(center, `Nacos namespace id ${show(ns.id)} is not valid`, 'use 1-128 letters, digits, "_" or "-" (e.g. "orders-prod")');
    }
    if (ns.id === 'public') {
      fail(center, 'Nacos namespace id "public" is the default namespace, which always exists', 'leave "public" out of namespaces (consumers read it when no namespace is configured)');
    }
    if (seen.has(ns.id)) {
      fail(center, `Nacos namespace id ${show(ns.id)} is listed twice`, 'list each namespace once');
    }
    seen.add(ns.id);
    const name = ns.name ?? ns.id;
    if (name.trim().length === 0 || name.length > 128 || NAMESPACE_NAME_ILLEGAL.test(name)) {
      fail(center, `Nacos namespace name ${show(name)} (namespace ${show(ns.id)}) is not valid`, 'use 1-128 characters without @ # $ % ^ & *');
    }
    if (ns.description !== undefined && ns.description.length > 256) {
      fail(center, `the description of Nacos namespace ${show(ns.id)} has ${ns.description.length} characters`, 'use at most 256 characters');
    }
  }
}

interface ResolvedDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: SecretKeyReference;
}

function validateDatabase(center: ConfigCenter, db: NacosDatabase): ResolvedDatabase {
  if (!HOST_NAME.test(db.host)) {
    fail(center, `database.host ${show(db.host)} is not a host name or IPv4 address`, 'use the MySQL server\'s DNS name, e.g. "mysql.db.svc.cluster.local"');
  }
  const port = validateInteger(center, 'database.port', db.port ?? MYSQL_PORT, 1, 65535, 'use a port number from 1 to 65535');
  const database = db.database ?? GENERATED_DB;
  if (!MYSQL_IDENTIFIER.test(database)) {
    fail(center, `database.database ${show(database)} is not a plain MySQL identifier`, 'use 1-64 letters, digits or "_" (e.g. "nacos")');
  }
  if (!MYSQL_USER.test(db.user)) {
    fail(center, `database.user ${show(db.user)} is not a valid MySQL user name`, 'use 1-32 letters, digits or "_"');
  }
  return { host: db.host, port, database, user: db.user, password: validateSecretRef(center, 'database.passwordSecret', db.passwordSecret) };
}

/** One consumer's Nacos identity. */
interface Reader {
  /** Nacos user and role name: `<namespace>.<component>`. */
  readonly user: string;
}

/**
 * Nacos 2.x as a StatefulSet cluster (standalone with one member): MySQL (external or generated)
 * or embedded storage, authentication always on, the console on the client Service, and a
 * provisioning Job that creates the namespaces and, per consumer, a user with read permission.
 *
 * Verified against upstream sources (nacos-group/nacos-docker build/bin/docker-startup.sh,
 * build/conf/application.properties and README; nacos-group/nacos-k8s; alibaba/nacos controllers):
 * the environment variables and their mapping to properties; `NACOS_SERVERS` written to
 * `$CLUSTER_CONF` (/home/nacos/conf/cluster.conf) in cluster mode; GC log and heap dumps under
 * /home/nacos/logs; the health endpoints; the auth/namespace OpenAPI used by the Job.
 * Assumptions (not verifiable from the stored sources): the v2.5.3 image's files are world-readable
 * (it is run as uid 1000); Nacos writes nothing outside conf, logs, data and the Tomcat base
 * directory; `server.tomcat.basedir` (application.properties: `file:.`, i.e. below the read-only
 * working directory) is overridden by the SERVER_TOMCAT_BASEDIR variable (Spring Boot gives OS
 * environment variables precedence over configuration files).
 */
export class NacosConfigEngine implements ConfigCenterEngineImpl {
  public readonly kind = ConfigCenterKind.NACOS;

  constructor(private readonly options: NacosOptions) {}

  public _deploy(center: ConfigCenter): DeployedConfigCenter {
    const o = this.options;
    const arch = center.architecture;
    const name = center.componentName;
    const ns = center.namespace;

    // ---- validation (everything before any object is created)
    const members = validateMembers(center, arch.profile, o.members);
    const image = o.image ?? NACOS_DEFAULT_IMAGE;
    validateImage(center, image);
    const resources = resolveResources(center, arch.profile, o.resources, arch.profile === Profile.PRODUCTION
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 768, memoryLimitMebibytes: 1024 });
    if (resources.memoryLimitMebibytes < 768) {
      fail(center, `resources.memoryLimitMebibytes ${resources.memoryLimitMebibytes} is too small for Nacos (the heap is 60 % of it, metaspace up to 320 MiB comes on top)`,
        'give each member at least 768 MiB (2048 in production)');
    }
    const storage = validateInteger(center, 'storageGibibytes', o.storageGibibytes ?? 8, 1, 65536, 'use a whole number of GiB');
    const group = o.group ?? 'DEFAULT_GROUP';
    if (!/^[A-Za-z0-9_.:-]{1,127}$/.test(group)) {
      fail(center, `group ${show(group)} is not a valid Nacos group`, 'use at most 127 letters, digits, "-", "_", "." or ":" (e.g. "SHOP_GROUP")');
    }
    if (o.storageClassName !== undefined && !DNS_SUBDOMAIN.test(o.storageClassName)) {
      fail(center, `storageClassName ${show(o.storageClassName)} is not a valid StorageClass name`, 'use a DNS subdomain name such as "standard" or "gp3"');
    }
    const external = o.database ? validateDatabase(center, o.database) : undefined;
    const authToken = validateSecretRef(center, 'authTokenSecret', o.authTokenSecret ?? { secretName: `${name}-auth`, key: 'token' });
    const identitySecret = validateDnsLabel(center, 'identitySecretName', o.identitySecretName ?? `${name}-auth`);
    const adminPassword = validateSecretRef(center, 'adminPasswordSecret', o.adminPasswordSecret ?? { secretName: `${name}-auth`, key: 'admin-password' });
    const namespaces = o.namespaces ?? [];
    validateNamespaces(center, namespaces);
    const sharedCredentialsSecret = o.consumerCredentialsSecret !== undefined
      ? validateDnsLabel(center, 'consumerCredentialsSecret', o.consumerCredentialsSecret) : undefined;
    /** Consumers by namespace: one Secret name may serve one consumer per namespace only. */
    const secretUsers = new Map<string, string>();
    const passwordsSecret = validateDnsLabel(center, 'consumerPasswordsSecret', o.consumerPasswordsSecret ?? `${name}-consumers`);
    const reprovisionSchedule = validateCronSchedule(center, 'reprovisionSchedule', o.reprovisionSchedule ?? '*/10 * * * *', '*/10 * * * *');

    const generated = !external && arch.profile === Profile.PRODUCTION;
    if (o.databaseBackup !== undefined && !generated) {
      fail(center, `databaseBackup is set, but ${external ? `database points to the external MySQL ${show(external.host)}` : 'development runs on Nacos\'s embedded storage (no generated MySQL)'}`,
        'remove databaseBackup (it configures backups of the MySQL generated in production only)');
    }
    const standalone = members === 1;

    // ---- the cluster
    const chart = deployPlatformComponent(center, center);
    const identity = { name, instance: `${arch.name}-${name}`, component: 'nacos', partOf: arch.name };
    const generatedDbSecret = `${name}-mysql`;
    const db: ResolvedDatabase | undefined = external ?? (generated
      ? { host: '', port: MYSQL_PORT, database: GENERATED_DB, user: GENERATED_DB_USER, password: { secretName: generatedDbSecret, key: 'password' } }
      : undefined);
    const externalSecrets = [...new Set([authToken.secretName, identitySecret, ...(db ? [db.password.secretName] : [])])].sort();

    let mysql: MySqlDatabase | undefined;
    if (generated) {
      mysql = new MySqlDatabase(center, 'mysql', {
        architecture: arch,
        chart,
        name: objectName(center, name, 'mysql'),
        namespace: ns,
        componentName: name,
        rootPassword: { secretName: generatedDbSecret, key: 'root-password' },
        user: GENERATED_DB_USER,
        userPassword: { secretName: generatedDbSecret, key: 'password' },
        initScripts: { '01-nacos-schema.sql': nacosMysqlInitScript(GENERATED_DB, GENERATED_DB_USER) },
        storageGibibytes: Math.max(storage, 10),
        storageClassName: o.storageClassName,
        backup: resolveMySqlBackup(center, 'databaseBackup', arch, o.databaseBackup, Math.max(storage, 10)),
        resources: { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 },
      });
    }
    const dbHost = mysql ? mysql.host : db?.host;

    // JVM sizing from the memory limit (nacos-docker defaults 1g/1g/512m keep Xmn = Xmx / 2).
    const xmx = Math.floor(resources.memoryLimitMebibytes * 0.6);
    const xmn = Math.floor(xmx / 2);
    const secretEnv = (envName: string, ref: SecretKeyReference): kplus.k8s.EnvVar => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
    });
    const tcp = (port: number) => ({ port, protocol: Protocol.TCP });

    const logback = renderLogback(nacosLogback(), `Generated by cdk8s-architect for ${name}: bounded file logs (nacos-logback.xml of Nacos 2.5, fixed windows).`);
    const logbackMap = objectName(center, name, 'logback');
    const cluster = new StatefulCluster(center, 'nacos', {
      architecture: arch,
      chart,
      name,
      namespace: ns,
      identity,
      replicas: members,
      quorum: true,
      uid: UID,
      ports: [
        { name: 'http', port: HTTP_PORT },
        { name: 'grpc', port: GRPC_PORT },
        { name: 'raft', port: RAFT_PORT, peerOnly: true },
        { name: 'peer-grpc', port: PEER_GRPC_PORT, peerOnly: true },
      ],
      storage: { volumeName: 'data', mountPath: `${HOME}/data`, sizeGibibytes: storage, storageClassName: o.storageClassName },
      // Spring Boot's actuator Prometheus endpoint under the servlet context path (micrometer's
      // Prometheus registry is in the distribution; the image exposes only `health` until
      // MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE below). Nacos's AuthFilter checks only its own
      // @Secured controllers, so the endpoint answers without a token.
      metrics: { port: HTTP_PORT, path: NACOS_METRICS_PATH, kind: NACOS_METRICS_KIND },
      volumes: [
        // /home/nacos/conf holds the image's application.properties and nacos-logback.xml, and the
        // startup script writes cluster.conf there: the init container copies the image's files
        // into this emptyDir, which the server mounts over /home/nacos/conf.
        { name: 'conf', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        // the generated logback configuration
        { name: 'logback', configMap: { name: logbackMap } },
        // logback's files, the GC log and a heap dump on OutOfMemoryError: sized from their bounds
        { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString(`${nacosLogVolumeMebibytes(resources.memoryLimitMebibytes, standalone)}Mi`) } },
        // Tomcat's base directory (SERVER_TOMCAT_BASEDIR), java.io.tmpdir, user.home
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
      ],
      podAnnotations: {
        [ANNOTATION_EXTERNAL_SECRETS]: externalSecrets.join(','),
        // a new logback configuration rolls the members (the init container copies it at start)
        [ANNOTATION_LOGBACK_HASH]: createHash('sha256').update(logback).digest('hex').slice(0, 16),
      },
      terminationGracePeriodSeconds: 60,
      initContainers: () => [secureContainer({
        name: 'conf',
        image,
        command: ['/bin/sh', '-c', `cp -R ${HOME}/conf/. /conf-rw/ && cp ${LOGBACK_SOURCE_DIR}/${LOGBACK_FILE} /conf-rw/${LOGBACK_FILE}`],
        resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
        volumeMounts: [{ name: 'conf', mountPath: '/conf-rw' }, { name: 'logback', mountPath: LOGBACK_SOURCE_DIR, readOnly: true }],
      })],
      containers: (c) => {
        const env: kplus.k8s.EnvVar[] = [
          { name: 'MODE', value: standalone ? 'standalone' : 'cluster' },
          { name: 'PREFER_HOST_MODE', value: 'hostname' },
          { name: 'NACOS_APPLICATION_PORT', value: String(HTTP_PORT) },
          // only the Prometheus endpoint (not "*": the other actuator endpoints would answer unauthenticated)
          { name: 'MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE', value: 'prometheus' },
        ];
        if (!standalone) {
          // docker-startup.sh writes one line per entry to cluster.conf; members identify themselves
          // by their canonical host name, the headless Service's per-pod record (as in nacos-k8s).
          env.push({ name: 'NACOS_SERVERS', value: c.memberHosts().map((h) => `${h}:${HTTP_PORT}`).join(' ') });
          if (!db) env.push({ name: 'EMBEDDED_STORAGE', value: 'embedded' });
        }
        if (db) {
          env.push(
            { name: 'SPRING_DATASOURCE_PLATFORM', value: 'mysql' },
            { name: 'MYSQL_SERVICE_HOST', value: dbHost! },
            { name: 'MYSQL_SERVICE_PORT', value: String(db.port) },
            { name: 'MYSQL_SERVICE_DB_NAME', value: db.database },
            { name: 'MYSQL_SERVICE_DB_PARAM', value: MYSQL_DB_PARAM },
            { name: 'MYSQL_SERVICE_USER', value: db.user },
            secretEnv('MYSQL_SERVICE_PASSWORD', db.password),
          );
        }
        env.push(
          { name: 'NACOS_AUTH_ENABLE', value: 'true' },
          secretEnv('NACOS_AUTH_TOKEN', authToken),
          secretEnv('NACOS_AUTH_IDENTITY_KEY', { secretName: identitySecret, key: 'identity-key' }),
          secretEnv('NACOS_AUTH_IDENTITY_VALUE', { secretName: identitySecret, key: 'identity-value' }),
          { name: 'JVM_XMS', value: `${xmx}m` },
          { name: 'JVM_XMX', value: `${xmx}m` },
          { name: 'JVM_XMN', value: `${xmn}m` },
          { name: 'SERVER_TOMCAT_BASEDIR', value: '/tmp/tomcat' },
          // the uid has no passwd entry: give the JVM a writable home
          { name: 'JAVA_TOOL_OPTIONS', value: '-Duser.home=/tmp -Djava.io.tmpdir=/tmp' },
        );
        const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' } });
        return [secureContainer({
          name: 'nacos',
          image,
          env,
          ports: [
            { name: 'http', containerPort: HTTP_PORT },
            { name: 'grpc', containerPort: GRPC_PORT },
            { name: 'raft', containerPort: RAFT_PORT },
            { name: 'peer-grpc', containerPort: PEER_GRPC_PORT },
          ],
          resources,
          // 2.x health endpoints (nacos-k8s chart); startup budget 10 s x 36 = 6 min (database, JRaft election)
          startupProbe: { ...http('/nacos/v1/console/health/readiness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 36 },
          readinessProbe: { ...http('/nacos/v1/console/health/readiness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...http('/nacos/v1/console/health/liveness'), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
          volumeMounts: [
            { name: 'conf', mountPath: `${HOME}/conf` },
            { name: 'logs', mountPath: `${HOME}/logs` },
            { name: 'data', mountPath: `${HOME}/data` },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        })];
      },
    });

    new k8s.KubeConfigMap(chart, 'nacos-logback', {
      metadata: { name: logbackMap, namespace: ns, labels: recommendedLabels(identity) },
      data: { [LOGBACK_FILE]: logback },
    });

    if (mysql) {
      cluster.allowEgressTo(mysql.cluster, mysql.ports);
      mysql.cluster.allowIngressFrom(cluster, mysql.ports);
    } else if (external) {
      // An external database is outside the graph: allow egress to its port (any destination).
      new k8s.KubeNetworkPolicy(chart, 'nacos-database-egress', {
        metadata: { name: objectName(center, name, 'database-egress'), namespace: ns, labels: recommendedLabels(identity) },
        spec: {
          podSelector: { matchLabels: cluster.podSelector },
          policyTypes: ['Egress'],
          egress: [{ ports: [{ port: k8s.IntOrString.fromNumber(external.port), protocol: 'TCP' }] }],
        },
      });
    }

    // ---- provisioning: namespaces, and per consumer a user, a role and read permission
    const baseUrl = `http://${cluster.clientHost}:${HTTP_PORT}/nacos`;
    const consumerNamespace = namespaces[0]?.id ?? 'public';
    // Permission resources are "<namespace id>:<group>:<resource>"; the public namespace's id is "".
    const resource = `${consumerNamespace === 'public' ? '' : consumerNamespace}:*:*`;
    const readers = new Map<string, Reader>();
    const httpPorts: NetworkPort[] = [tcp(HTTP_PORT)];

    const provision = new TaskPods(center, 'provision', {
      architecture: arch,
      chart,
      name: objectName(center, name, 'provision'),
      namespace: ns,
      identity: { name, instance: `${arch.name}-${name}-provision`, component: 'provision', partOf: arch.name },
    });
    provision.allowEgressTo(cluster, httpPorts);
    cluster.allowIngressFrom(provision, httpPorts);

    const sortedReaders = () => [...readers.values()].sort((a, b) => compareStrings(a.user, b.user));
    const script = () => provisionScript(baseUrl, namespaces, sortedReaders().map((r, i) => ({ user: r.user, passwordVar: `NACOS_CONSUMER_PASSWORD_${i}`, resource })));
    const jobEnv = (): kplus.k8s.EnvVar[] => [
      secretEnv('NACOS_ADMIN_PASSWORD', adminPassword),
      ...sortedReaders().map((r, i) => secretEnv(`NACOS_CONSUMER_PASSWORD_${i}`, { secretName: passwordsSecret, key: r.user })),
    ];
    const jobSecrets = () => [...new Set([adminPassword.secretName, ...(readers.size > 0 ? [passwordsSecret] : [])])].sort().join(',');
    const container: kplus.k8s.Container = {
      ...secureContainer({
        name: 'provision',
        image: NACOS_PROVISION_IMAGE,
        command: ['/bin/sh', '-c'],
        resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
      }),
      args: lazy(() => [script()]),
      env: lazy(() => jobEnv()),
    };
    provision.job(provision.podTemplate([container], CURL_UID, undefined, lazy(() => ({ [ANNOTATION_EXTERNAL_SECRETS]: jobSecrets() }))), {
      // A Job's template is immutable: the name carries a hash of what it does, so a new consumer
      // or namespace yields a new Job (every step is idempotent, so reruns are harmless).
      name: lazy(() => `${objectName(center, name, 'provision')}-${createHash('sha256')
        .update(JSON.stringify({ script: script(), env: jobEnv(), image: NACOS_PROVISION_IMAGE })).digest('hex').slice(0, 10)}`),
      backoffLimit: 10,
      activeDeadlineSeconds: 1800,
    });
    // The same provisioning on a schedule: it converges, so each run puts back what a recreated
    // member lost (development's embedded storage is an emptyDir) and applies rotated consumer
    // passwords, which the Job above (named after its content, not the Secrets' values) cannot see.
    if (reprovisionSchedule !== '') {
      const annotations = lazy(() => ({ [ANNOTATION_EXTERNAL_SECRETS]: jobSecrets() }));
      provision.cronJob(reprovisionSchedule, provision.podTemplate([container], CURL_UID, undefined, annotations));
    }

    const address = `${cluster.clientHost}:${HTTP_PORT}`;
    return {
      address,
      uiUrl: `http://${address}/nacos`,
      // the console (under /nacos) asks for a login: authentication is always on
      console: new PlatformConsole('nacos', cluster, cluster.clientServiceName, HTTP_PORT, true),
      bind: (consumer: IWorkload) => {
        const user = `${consumer.namespace}.${consumer.componentName}`;
        if (user.length > MAX_NACOS_NAME) {
          fail(center, `the Nacos user ${show(user)} for ${show(consumer.componentName)} has ${user.length} characters (Nacos allows ${MAX_NACOS_NAME})`,
            'shorten the consumer\'s namespace or component name');
        }
        readers.set(user, { user });
        // Each consumer has its own Nacos user, so its own Secret (the password of `user`).
        const credentialsSecret = sharedCredentialsSecret ?? `${consumer.componentName}-${name}-client`;
        if (credentialsSecret.length > 63) {
          fail(consumer, `the Nacos credentials Secret ${show(credentialsSecret)} is longer than 63 characters`, 'shorten the service or config center name');
        }
        const key = `${consumer.namespace}/${credentialsSecret}`;
        const other = secretUsers.get(key);
        if (other !== undefined && other !== user) {
          fail(center, `consumerCredentialsSecret ${show(credentialsSecret)} would hold the credentials of both ${show(other)} and ${show(user)} in namespace ${show(consumer.namespace)}`,
            'remove consumerCredentialsSecret: each consumer then reads its own Secret "<consumer>-<config center>-client"');
        }
        secretUsers.set(key, user);
        const env: EnvVariable[] = [
          { name: 'NACOS_SERVER_ADDR', value: EnvValue.fromValue(address) },
          { name: 'NACOS_NAMESPACE', value: EnvValue.fromValue(consumerNamespace) },
          { name: 'NACOS_GROUP', value: EnvValue.fromValue(group) },
          { name: 'NACOS_DATA_ID', value: EnvValue.fromValue(`${consumer.componentName}.properties`) },
          // the user name is no secret: the provisioning Job creates exactly this user
          { name: 'NACOS_USERNAME', value: EnvValue.fromValue(user) },
          { name: 'NACOS_PASSWORD', value: EnvValue.fromSecret({ secretName: credentialsSecret, key: 'password' }) },
        ];
        return { env, endpoints: [{ workload: cluster, ports: [tcp(HTTP_PORT), tcp(GRPC_PORT)] }] };
      },
    };
  }
}

/**
 * The provisioning script (busybox sh + curl). Every step converges: the admin is initialized only
 * when none exists (`POST /v1/auth/users/admin` answers code 409 otherwise), namespaces are created
 * or updated, users are created or get their password reset from the Secret, and a role or
 * permission is added only when absent. Writes are retried because a member learns about roles
 * written through another member on its next cache refresh. Nothing is ever deleted.
 */
interface ScriptReader {
  readonly user: string;
  readonly passwordVar: string;
  readonly resource: string;
}

function provisionScript(baseUrl: string, namespaces: NacosNamespace[], readers: ScriptReader[]): string {
  const lines = [
    'set -eu',
    `base=${sq(baseUrl)}`,
    'log() { echo "nacos-provision: $*"; }',
    'retry() { n=0; until "$@"; do n=$((n + 1)); [ "$n" -lt 12 ] || return 1; log "retrying: $1 $2"; sleep 5; done; }',
    'until curl -fsS -o /dev/null -m 5 "$base/v1/console/health/readiness"; do log "waiting for $base"; sleep 5; done',
    // the answer echoes the password when it creates the admin: never print it
    'answer=$(curl -fsS -m 30 -X POST --data-urlencode "password=$NACOS_ADMIN_PASSWORD" "$base/v1/auth/users/admin")',
    'case "$answer" in',
    '  *\'"code":409\'*) log "admin user exists" ;;',
    '  *\'"username"\'*) log "admin user initialized" ;;',
    '  *) log "initializing the admin user failed"; exit 1 ;;',
    'esac',
    `token=$(curl -fsS -m 30 -X POST --data-urlencode username=${ADMIN_USER} --data-urlencode "password=$NACOS_ADMIN_PASSWORD" "$base/v1/auth/login" | sed -n 's/.*"accessToken":"\\([^"]*\\)".*/\\1/p')`,
    '[ -n "$token" ] || { log "admin login failed"; exit 1; }',
    '# q: parameters in the query string; f: parameters in a form body (passwords)',
    'q() { m=$1; p=$2; shift 2; curl -fsS -m 30 -G -X "$m" --data-urlencode "accessToken=$token" "$@" "$base$p"; }',
    'f() { m=$1; p=$2; shift 2; curl -fsS -m 30 -X "$m" --data-urlencode "accessToken=$token" "$@" "$base$p"; }',
    'namespace() {',
    '  if [ "$(q GET /v1/console/namespaces --data-urlencode checkNamespaceIdExist=true --data-urlencode "customNamespaceId=$1")" = true ]; then',
    '    r=$(q PUT /v1/console/namespaces --data-urlencode "namespace=$1" --data-urlencode "namespaceShowName=$2" --data-urlencode "namespaceDesc=$3")',
    '  else',
    '    r=$(q POST /v1/console/namespaces --data-urlencode "customNamespaceId=$1" --data-urlencode "namespaceName=$2" --data-urlencode "namespaceDesc=$3")',
    '  fi',
    '  [ "$r" = true ] || { log "namespace $1: unexpected answer $r"; exit 1; }',
    '  log "namespace $1 ok"',
    '}',
    'reader() {',
    '  if q GET /v1/auth/users --data-urlencode search=accurate --data-urlencode pageNo=1 --data-urlencode pageSize=100 --data-urlencode "username=$1" | grep -qF "\\"username\\":\\"$1\\""; then',
    '    retry f PUT /v1/auth/users --data-urlencode "username=$1" --data-urlencode "newPassword=$2" >/dev/null',
    '  else',
    '    retry f POST /v1/auth/users --data-urlencode "username=$1" --data-urlencode "password=$2" >/dev/null',
    '  fi',
    '  if ! q GET /v1/auth/roles --data-urlencode search=accurate --data-urlencode pageNo=1 --data-urlencode pageSize=100 --data-urlencode "username=$1" --data-urlencode "role=$1" | grep -qF "\\"role\\":\\"$1\\""; then',
    '    retry q POST /v1/auth/roles --data-urlencode "role=$1" --data-urlencode "username=$1" >/dev/null',
    '  fi',
    '  if ! q GET /v1/auth/permissions --data-urlencode search=accurate --data-urlencode pageNo=1 --data-urlencode pageSize=100 --data-urlencode "role=$1" | grep -qF "\\"resource\\":\\"$3\\""; then',
    '    retry q POST /v1/auth/permissions --data-urlencode "role=$1" --data-urlencode "resource=$3" --data-urlencode action=r >/dev/null',
    '  fi',
    '  log "user $1 reads $3"',
    '}',
    ...namespaces.map((n) => `namespace ${sq(n.id)} ${sq(n.name ?? n.id)} ${sq(n.description ?? '')}`),
    ...readers.map((r) => `reader ${sq(r.user)} "$${r.passwordVar}" ${sq(r.resource)}`),
    'log done',
    '',
  ];
  return lines.join('\n');
}
