import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ClientCredentialsSecrets, ClientUsers } from './client-credentials';
import { MessageQueueKind } from './engine';
import { DeployedMessageQueue, MessageQueueEngineImpl, MessageQueueWiring } from './engine-impl';
import type { MessageQueue } from './message-queue';
import { RocketMqFailover, RocketMqFlushDiskType, RocketMqOptions, RocketMqReplication } from './rocketmq-options';
import { CleanupPolicy } from './topic';
import type { ResolvedTopic } from './topic-internal';
import { BindingEndpoint, EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, DOMAIN } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { GcLog, java8GcLogRotation, LogbackConfig, logVolumeMebibytes, renderLogback, RollingLog } from '../internal/logback';
import { compareStrings, objectName, validateCronSchedule, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources, ResolvedResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/**
 * The official image (apache/rocketmq-docker image-build/Dockerfile-ubuntu, published by its
 * docker-publish workflow): eclipse-temurin 8 JDK on Ubuntu, user `rocketmq` (uid/gid 3000, home
 * /home/rocketmq), `ROCKETMQ_HOME=/home/rocketmq/rocketmq-<version>`, runbroker.sh/runserver.sh
 * replaced by the repository's *-customize.sh scripts. 5.3.3 is the newest release in the
 * reference snapshot.
 */
export const ROCKETMQ_DEFAULT_IMAGE = 'apache/rocketmq:5.3.3';
/** NameServer: route lookups by clients, registrations and heartbeats of brokers. */
const NAMESRV_PORT = 9876;
/** Broker `listenPort`: producers, consumers, admin tools, and a slave's sync of metadata from its master. */
const BROKER_PORT = 10911;
/** Broker `haListenPort`: commit log replication from a master to its slaves. */
const HA_PORT = 10912;
/**
 * A controller's port: the DLedger peer address of its own entry in `controllerDLegerPeers`,
 * which is where the controller serves its peers and the brokers (ControllerStartup's `listenPort`
 * is never bound in DLedger mode); 9878 as in RocketMQ's sample configurations.
 */
const CONTROLLER_PORT = 9878;
/**
 * The brokers' and controllers' own Prometheus endpoint (RocketMQ 5's OpenTelemetry metrics,
 * `metricsExporterType=PROM`, `metricsPromExporterPort` default 5557; `/metrics`). The NameServers
 * have none in 5.3.3.
 */
const METRICS_PORT = 5557;
/**
 * The exporter's keys, for broker.conf and controller.conf. The host is explicit: a broker binds an
 * empty one to `brokerIP1` (BrokerMetricsManager), here the pod IP, which works, but 0.0.0.0 holds
 * whatever brokerIP1 becomes.
 */
const METRICS_SETTINGS: Array<[string, string]> = [
  ['metricsExporterType', 'PROM'],
  ['metricsPromExporterHost', '0.0.0.0'],
  ['metricsPromExporterPort', String(METRICS_PORT)],
];
/** The image's `rocketmq` user and group. */
const UID = 3000;
/** The user's home (`user.home`): the default root of the store, logs and NameServer files. */
const HOME = '/home/rocketmq';
/** `storePathRootDir`, at the default location `${user.home}/store`, on the broker's volume. */
const STORE_DIR = `${HOME}/store`;
/** `${user.home}/logs/rocketmqlogs` is where every logback configuration of the distribution writes. */
const LOG_DIR = `${HOME}/logs`;
/**
 * The logback configurations the processes load instead of the image's: upstream's logger names and
 * file names (rmq.broker.logback.xml and rmq.namesrv.logback.xml of 5.3.3), with windows sized to a
 * log volume of a few GiB instead of upstream's (a broker's 19 rolling files of 100-512 MB with 3-20
 * archives each hold up to 30 GiB before gzip), and the main logs on the console too. Upstream's
 * SiftingAppenders only add a per-broker directory for BrokerContainer mode, which is not used.
 */
const RMQ_PATTERN = '%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n';
const RMQ_LOG_DIR = '${user.home}/logs/rocketmqlogs';

/** Upstream's layout: files in `rocketmqlogs/`, archives in `rocketmqlogs/otherdays/`, the root on `DefaultAppender`. */
function rmqLogback(logs: RollingLog[], consoleLogger: string): LogbackConfig {
  return {
    directory: RMQ_LOG_DIR,
    archiveDirectory: `${RMQ_LOG_DIR}/otherdays`,
    pattern: RMQ_PATTERN,
    consolePattern: RMQ_PATTERN,
    root: 'DefaultAppender',
    logs,
    consoleLoggers: [consoleLogger],
  };
}

/** The broker's logback configuration (loaded through the shaded logback's `rmq.logback.configurationFile`). */
export function rocketMqBrokerLogback(): LogbackConfig {
  const log = (name: string, file: string, loggers: string[], maxFileMebibytes: number, archives: number, console = false) =>
    ({ name, file, loggers, maxFileMebibytes, archives, console, async: true });
  return rmqLogback([
    log('DefaultAppender', 'broker_default.log', [], 32, 2, true),
    log('RocketmqBrokerAppender', 'broker.log', ['RocketmqBroker', 'RocketmqCommon'], 64, 4, true),
    log('RocketmqStoreAppender', 'store.log', ['RocketmqStore'], 32, 3),
    log('RocketmqStoreErrorAppender', 'storeerror.log', ['RocketmqStoreError'], 16, 2, true),
    log('RocketmqRemotingAppender', 'remoting.log', ['RocketmqRemoting'], 32, 3),
    log('RocketmqStatsAppender', 'stats.log', ['RocketmqStats'], 32, 2),
    log('RocketmqWaterMarkAppender', 'watermark.log', ['RocketmqWaterMark'], 16, 2),
    log('RocketmqProtectionAppender', 'protection.log', ['RocketmqProtection'], 16, 2),
    log('RocketmqTransactionAppender', 'transaction.log', ['RocketmqTransaction'], 16, 2),
    log('RocketmqRebalanceLockAppender', 'lock.log', ['RocketmqRebalanceLock'], 16, 2),
    log('RocketmqFilterAppender', 'filter.log', ['RocketmqFilter'], 16, 2),
    log('RocketmqPopAppender', 'pop.log', ['RocketmqPop'], 32, 2),
    log('RocketmqTrafficAppender', 'broker_traffic.log', ['RocketmqTraffic'], 16, 2),
    log('RocketmqCommercialAppender', 'commercial.log', ['RocketmqCommercial'], 16, 2),
    log('RocketmqRocksDBAppender', 'rocksdb.log', ['RocketmqRocksDB'], 16, 2),
    log('RocketmqTieredStoreAppender', 'tiered_store.log', ['RocketmqTieredStore'], 16, 2),
    log('RocketmqColdCtrAppender', 'coldctr.log', ['RocketmqColdCtr'], 16, 2),
    log('RocketmqBrokerMetricsAppender', 'broker_metrics.log',
      ['io.opentelemetry.exporter.logging.otlp.OtlpJsonLoggingMetricExporter', 'io.opentelemetry.exporter.logging.LoggingMetricExporter'], 16, 2),
    log('RocketmqAuthAuditAppender', 'auth_audit.log', ['RocketmqAuthAudit'], 16, 2),
  ], 'RocketmqConsole');
}

/** The controller's logback configuration (controller/src/main/resources/rmq.controller.logback.xml of 5.3.3, smaller windows). */
export function rocketMqControllerLogback(): LogbackConfig {
  const log = (name: string, file: string, loggers: string[], maxFileMebibytes: number, archives: number, console = false) =>
    ({ name, file, loggers, maxFileMebibytes, archives, console, async: name !== 'DefaultAppender' });
  return rmqLogback([
    log('DefaultAppender', 'controller_default.log', [], 16, 2, true),
    // jRaft's logger has a file of its own upstream; the controllers here run DLedger, so it joins controller.log
    log('RocketmqControllerAppender', 'controller.log', ['RocketmqController', 'RocketmqCommon', 'RocketmqRemoting', 'com.alipay.sofa.jraft'], 32, 3, true),
    log('DLedgerAppender', 'dledger.log', ['io.openmessaging.storage.dledger'], 32, 3, true),
    log('RocketmqTrafficAppender', 'controller_traffic.log', ['RocketmqTraffic'], 16, 2),
  ], 'RocketmqControllerConsole');
}

/** The NameServer's logback configuration. */
export function rocketMqNamesrvLogback(): LogbackConfig {
  return rmqLogback([
    { name: 'DefaultAppender', file: 'namesrv_default.log', loggers: [], maxFileMebibytes: 16, archives: 2, console: true },
    {
      name: 'RocketmqNamesrvAppender',
      file: 'namesrv.log',
      loggers: ['RocketmqNamesrv', 'RocketmqCommon', 'RocketmqRemoting', 'RocketmqController'],
      maxFileMebibytes: 32,
      archives: 3,
      console: true,
      async: true,
    },
    { name: 'RocketmqTrafficAppender', file: 'namesrv_traffic.log', loggers: ['RocketmqTraffic'], maxFileMebibytes: 16, archives: 2, async: true },
  ], 'RocketmqNamesrvConsole');
}

/** The GC logs, rotated (runserver.sh does not rotate the NameServer's; runbroker.sh keeps 5 x 30 MB). */
const BROKER_GC_LOG: GcLog = { files: 5, fileMebibytes: 20 };
const NAMESRV_GC_LOG: GcLog = { files: 3, fileMebibytes: 10 };
const CONTROLLER_GC_LOG: GcLog = { files: 3, fileMebibytes: 10 };
const BROKER_LOGBACK_FILE = 'rmq.broker.logback.xml';
const NAMESRV_LOGBACK_FILE = 'rmq.namesrv.logback.xml';
const CONTROLLER_LOGBACK_FILE = 'rmq.controller.logback.xml';
/** The controller's volume: its Raft log (`controllerStorePath`) and `configStorePath` (`${user.home}/controller/`). */
const CONTROLLER_DIR = `${HOME}/controller`;
/** A controller's Raft log: metadata events only (registrations, elections, in-sync set changes), in a sparse 1 GiB mapped file. */
const CONTROLLER_STORAGE_GIBIBYTES = 2;

/** Writable: the start script renders the pod's broker.conf here. */
const CONF_DIR = `${HOME}/conf`;
/** The ConfigMap with one broker.conf per ordinal of a broker group (read-only). */
const CONF_SOURCE_DIR = '/etc/rocketmq';
/** NameServer `kvConfigPath` and `configStorePath` default to `${user.home}/namesrv/`. */
const NAMESRV_DIR = `${HOME}/namesrv`;
/** Pod annotation with a digest of the configuration files (broker.conf, logback): a change rolls the pods. */
const ANNOTATION_CONFIG_HASH = `${DOMAIN}/config-hash`;
/** RocketMQ's `TopicValidator`: `^[%|a-zA-Z0-9_-]+$`, at most 127 characters. */
const TOPIC_CHARS = /^[%|a-zA-Z0-9_-]+$/;
const MAX_TOPIC_NAME = 127;
/** `TopicValidator.SYSTEM_TOPIC_SET` (5.x); names starting with `rmq_sys_` are system topics too. */
const SYSTEM_TOPICS = new Set([
  'TBW102', 'SCHEDULE_TOPIC_XXXX', 'SCHEDULE_TOPIC_XXXX_V2', 'BenchmarkTest', 'RMQ_SYS_TRANS_HALF_TOPIC', 'RMQ_SYS_TRACE_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC', 'TRANS_CHECK_MAX_TIME_TOPIC', 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT', 'CHECKPOINT_TOPIC',
]);
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_NAMESERVERS = 7;
/** Groups are named by letter (broker-a, broker-b, ...), as in RocketMQ's sample configurations. */
const MAX_BROKER_GROUPS = 26;
const MAX_REPLICAS_PER_GROUP = 5;
/** A topic's retention when none is declared: the framework's default (7 days). */
const DEFAULT_RETENTION_HOURS = 7 * 24;
/** Attempts (10 s apart) of each mqadmin step of the topics Job before it fails. */
const JOB_ATTEMPTS = 60;
/** The characters allowed in the cluster's and the services' passwords (they end up in JSON and YAML values unquoted). */
const PASSWORD_CHARS = 'A-Za-z0-9._~+/=-';
/** The super user the provisioning Job's mqadmin signs as (`initAuthenticationUser` of every broker). */
const ADMIN_USER = 'admin';
/** The super user a broker's own client signs as, e.g. a slave syncing from its master (`innerClientAuthenticationCredentials`). */
const BROKER_USER = 'broker';
/**
 * The Job's mqadmin home (`rocketmq.home.dir`, which MQAdminStartup reads before `ROCKETMQ_HOME`):
 * mqadmin signs its requests with the credentials of `<home>/conf/tools.yml` and has no other way
 * to take them. A memory volume: the image's own conf/tools.yml is on the read-only root.
 */
const ADMIN_HOME = `${HOME}/admin`;
/**
 * The ACL that marks a user as made by the provisioning Job (an entry on a consumer group no
 * client joins, granted with the user's first action set): only marked users are deleted when
 * their service leaves the program.
 */
export const ROCKETMQ_PROVISIONED_MARKER = 'Group:cdk8s-architect-provisioned-users';
/**
 * A year: the local metadata providers' caches (Caffeine 2.9) refresh an entry read after
 * `*CacheRefreshSecond` (default 60) in the background, and a refresh that races a write puts the
 * previous value back after the write invalidated it (Caffeine 2.9's refresh installs its value
 * when the entry is gone); the next createAcl/updateUser then builds on that stale value and writes
 * it back, losing an entry written moments before (the real check lost one this way in CI). Each
 * broker's RocksDB is written only through its own provider, which invalidates the entry on every
 * write, so refreshing is never needed: entries still expire 600 s after their last use.
 */
const AUTH_CACHE_REFRESH_SECONDS = 365 * 24 * 3600;
/** ACL 2.0 with its local (RocksDB, in the store's config/) metadata: the metadata providers have no default. */
const AUTH_SETTINGS: Array<[string, string]> = [
  ['authenticationEnabled', 'true'],
  ['authenticationProvider', 'org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider'],
  ['authenticationMetadataProvider', 'org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider'],
  ['authorizationEnabled', 'true'],
  ['authorizationProvider', 'org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider'],
  ['authorizationMetadataProvider', 'org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider'],
  ['userCacheRefreshSecond', String(AUTH_CACHE_REFRESH_SECONDS)],
  ['aclCacheRefreshSecond', String(AUTH_CACHE_REFRESH_SECONDS)],
];

/**
 * `brokerRole`: without a controller ordinal 0 of a group is its master, the others its slaves;
 * with one every broker starts as a SLAVE until the controller elects it.
 */
export type RocketMqBrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

/** What one broker's broker.conf is rendered from. */
export interface BrokerConfSettings {
  /** `brokerClusterName`: every group of the queue (mqadmin addresses them with `-c`). */
  readonly clusterName: string;
  /** `brokerName`: the group (its StatefulSet's name). */
  readonly brokerName: string;
  /** `brokerId`: 0 for the master, the ordinal for a slave; -1 with a controller (which assigns the ids). */
  readonly brokerId: number;
  readonly role: RocketMqBrokerRole;
  /** Controller mode: the controllers and the acknowledgement rule (without it, classic master/slave). */
  readonly controller?: BrokerControllerSettings;
  readonly flushDiskType: RocketMqFlushDiskType;
  /** `namesrvAddr`: every NameServer, `host:9876;host:9876`. */
  readonly namesrvAddr: string;
  /** `totalReplicas`: the group's size. */
  readonly totalReplicas: number;
  /** `inSyncReplicas`: group members (master included) that must hold a message before a SYNC_MASTER acknowledges it. */
  readonly inSyncReplicas: number;
  /** `deleteWhen`: the hour old commit log files are deleted at. */
  readonly deleteHour: number;
  /** `fileReservedTime`: hours commit log files are kept. */
  readonly fileReservedHours: number;
  /** ACL 2.0 on (the super users' passwords are appended by the start script, from the Secret). */
  readonly authentication?: boolean;
}

/** The controller-mode keys of a broker.conf. */
export interface BrokerControllerSettings {
  /** `controllerAddr`: every controller, `host:9878;host:9878;...` (a broker heartbeats to each). */
  readonly controllerAddr: string;
  /** `allAckInSyncStateSet`: a send is acknowledged once every member of the in-sync set holds it. */
  readonly allAckInSyncStateSet: boolean;
  /** `minInSyncReplicas`: below this many in-sync members (the master included) the master refuses sends. */
  readonly minInSyncReplicas: number;
}

/**
 * broker.conf (Java properties) of one broker, in a fixed key order. `brokerIP1`/`brokerIP2` (the
 * address the broker registers for clients and for its slaves) are the pod's IP, which only the
 * start script knows: it appends them. Topics and subscription groups are declared, so automatic
 * creation is off (clients cannot create topics or groups by using them).
 */
export function renderBrokerConf(s: BrokerConfSettings): string {
  const c = s.controller;
  const entries: Array<[string, string | number]> = [
    ['brokerClusterName', s.clusterName],
    ['brokerName', s.brokerName],
    ['brokerId', s.brokerId],
    ['brokerRole', s.role],
    ['flushDiskType', s.flushDiskType],
    ['namesrvAddr', s.namesrvAddr],
    // the controller assigns ids and roles (the broker keeps its id in ${storePathRootDir}/brokerIdentity
    // and its epochs in epochFileCheckpoint, on the store's volume) and elects a master among the in-sync members
    ...(c ? [['enableControllerMode', 'true'], ['controllerAddr', c.controllerAddr]] as Array<[string, string]> : []),
    ['listenPort', BROKER_PORT],
    ['haListenPort', HA_PORT],
    ['storePathRootDir', STORE_DIR],
    ['storePathCommitLog', `${STORE_DIR}/commitlog`],
    ['totalReplicas', s.totalReplicas],
    ...(c
      ? [['allAckInSyncStateSet', String(c.allAckInSyncStateSet)], ['minInSyncReplicas', c.minInSyncReplicas]] as Array<[string, string | number]>
      : [['inSyncReplicas', s.inSyncReplicas]] as Array<[string, string | number]>),
    ['autoCreateTopicEnable', 'false'],
    ['autoCreateSubscriptionGroup', 'false'],
    // RocketMQ 5 slaves refuse every pull without it (PullMessageProcessor.rejectRequest), so
    // consumers could not read a group's messages while its master is down; with it the master
    // also sends a consumer that lags beyond what memory holds to a slave
    ['slaveReadEnable', 'true'],
    ['deleteWhen', String(s.deleteHour).padStart(2, '0')],
    ['fileReservedTime', s.fileReservedHours],
    ...METRICS_SETTINGS,
    ...(s.authentication ? AUTH_SETTINGS : []),
  ];
  const appended = s.authentication ? 'brokerIP1/brokerIP2 and the super users\' credentials' : 'brokerIP1/brokerIP2';
  return [
    c
      ? `# Generated by cdk8s-architect: ${s.brokerName}, every broker of the group (its controllers assign ids and roles); the start script appends ${appended}.`
      : `# Generated by cdk8s-architect: ${s.brokerName} brokerId ${s.brokerId} (${s.role}); the start script appends ${appended}.`,
    ...entries.map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}

/** A shell function `check <what> <password>` that exits when the password breaks the rules of the Secrets' doc comments. */
function passwordCheck(): string {
  return `check() { case "$2" in *[!${PASSWORD_CHARS}]*) echo "the RocketMQ password $1 has characters other than ${PASSWORD_CHARS}: `
    + 'set one of 8 to 128 such characters (e.g. openssl rand -hex 32)" >&2; exit 1;; esac; '
    + 'if [ "${#2}" -lt 8 ] || [ "${#2}" -gt 128 ]; then echo "the RocketMQ password $1 has ${#2} characters: use 8 to 128" >&2; exit 1; fi; }';
}

/** Single-quotes a string for POSIX sh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/**
 * A bash script that runs `command` (an upstream start script) in the background and waits for
 * it. Those scripts run the JVM as a child of `sh` without `exec`, so the shell that is PID 1
 * would never pass SIGTERM on: on TERM the script signals the container's java processes (found
 * through /proc), whose shutdown hooks unregister the broker from the NameServers and flush the
 * store, then waits until the start script exits.
 */
export function supervisedScript(prelude: string[], command: string): string {
  return [
    'set -eu',
    ...prelude,
    'stop() { for p in /proc/[0-9]*; do case "$(readlink "$p/exe" 2>/dev/null || true)" in */java) kill -TERM "${p#/proc/}" 2>/dev/null || true ;; esac; done; }',
    'trap stop TERM INT',
    `${command} &`,
    'child=$!',
    '# a trapped signal interrupts wait while the start script still runs: wait again',
    'while kill -0 "$child" 2>/dev/null; do wait "$child" || true; done',
    '# the start script has exited: its status (bash keeps it) is the container\'s',
    'wait "$child"',
    '',
  ].join('\n');
}

/** What a controller's controller.conf is rendered from. */
export interface ControllerConfSettings {
  /** `controllerDLegerGroup`: the Raft group's name. */
  readonly group: string;
  /** Every controller's pod DNS name, ordinal order (peer `n<ordinal>`). */
  readonly hosts: string[];
  /** `notifyBrokerRoleChanged`: push a new role to the brokers (their 5 s poll finds it too). */
  readonly notifyBrokers: boolean;
}

/**
 * controller.conf (Java properties) shared by the controllers: a DLedger (Raft) group whose peers
 * are the pods' DNS names on 9878. Peer ids are `n<ordinal>` (DLedger splits an entry at its first
 * "-": ids cannot hold one, host names can); the start script appends the pod's own
 * `controllerDLegerSelfId`. An unclean election (a master that was not in sync) is off: it would
 * drop acknowledged sends.
 */
export function renderControllerConf(s: ControllerConfSettings): string {
  const entries: Array<[string, string]> = [
    ['controllerType', 'DLedger'],
    ['controllerDLegerGroup', s.group],
    ['controllerDLegerPeers', s.hosts.map((h, i) => `n${i}-${h}:${CONTROLLER_PORT}`).join(';')],
    ['controllerStorePath', `${CONTROLLER_DIR}/store`],
    ['enableElectUncleanMaster', 'false'],
    ['notifyBrokerRoleChanged', String(s.notifyBrokers)],
    ...METRICS_SETTINGS,
  ];
  return [
    `# Generated by cdk8s-architect: the ${s.group} controllers; the start script appends controllerDLegerSelfId.`,
    ...entries.map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}

/** The controller's start script: controller.conf plus the pod's peer id, then what mqcontroller runs (5.3.3), with the generated logback configuration. */
function controllerStartScript(controllers: number): string {
  return supervisedScript([
    'ordinal="${HOSTNAME##*-}"',
    'case "$ordinal" in \'\'|*[!0-9]*) echo "cannot read the ordinal from the host name $HOSTNAME" >&2; exit 1;; esac',
    `[ "$ordinal" -lt ${controllers} ] || { echo "controller ordinal $ordinal is not one of the ${controllers} peers in controllerDLegerPeers" >&2; exit 1; }`,
    `conf=${CONF_DIR}/controller.conf`,
    `{ cat ${CONF_SOURCE_DIR}/controller.conf; printf 'controllerDLegerSelfId=n%s\\n' "$ordinal"; } > "$conf"`,
  ], `sh "$ROCKETMQ_HOME/bin/runserver.sh" -Drmq.logback.configurationFile=${CONF_SOURCE_DIR}/${CONTROLLER_LOGBACK_FILE} org.apache.rocketmq.controller.ControllerStartup -c "$conf"`);
}

/**
 * The broker's start script: its ordinal's broker.conf (with a controller, the group's one) plus the pod IP, then what mqbroker runs
 * (5.3.3: `sh runbroker.sh -Drmq.logback.configurationFile=$ROCKETMQ_HOME/conf/rmq.broker.logback.xml
 * org.apache.rocketmq.broker.BrokerStartup -c <conf>`) with the generated logback configuration: a
 * -D in JAVA_OPT_EXT would come before mqbroker's and lose.
 */
function brokerStartScript(authentication: boolean, controllerMode: boolean): string {
  // With authentication every broker creates the two super users at its first start (the
  // passwords come from the Secret through the env; the rendered file is readable by the broker only)
  const credentials = authentication ? [
    passwordCheck(),
    'check admin-password "$ADMIN_PASSWORD"',
    'check broker-password "$BROKER_PASSWORD"',
    // the file holds the passwords: readable by the broker only (the umask of the broker itself is left alone)
    ': > "$conf"',
    'chmod 600 "$conf"',
  ] : [];
  const appendCredentials = authentication
    ? `; printf 'initAuthenticationUser={"username":"${ADMIN_USER}","password":"%s"}\\ninnerClientAuthenticationCredentials={"accessKey":"${BROKER_USER}","secretKey":"%s"}\\n' `
      + '"$ADMIN_PASSWORD" "$BROKER_PASSWORD"'
    : '';
  return supervisedScript([
    'ordinal="${HOSTNAME##*-}"',
    controllerMode ? `src=${CONF_SOURCE_DIR}/broker.conf` : `src=${CONF_SOURCE_DIR}/broker-"$ordinal".conf`,
    `conf=${CONF_DIR}/broker.conf`,
    '[ -f "$src" ] || { echo "no broker configuration for ordinal $ordinal ($src)" >&2; exit 1; }',
    ...credentials,
    `{ cat "$src"; printf 'brokerIP1=%s\\nbrokerIP2=%s\\n' "$POD_IP" "$POD_IP"${appendCredentials}; } > "$conf"`,
  ], `sh "$ROCKETMQ_HOME/bin/runbroker.sh" -Drmq.logback.configurationFile=${CONF_SOURCE_DIR}/${BROKER_LOGBACK_FILE} org.apache.rocketmq.broker.BrokerStartup -c "$conf"`);
}

/** One step of the topics Job. */
interface AdminStep {
  readonly what: string;
  /** The start of the line mqadmin prints per master that applied the change. */
  readonly confirmation: string;
  readonly args: string[];
}

/** A service's user and what it may do. */
export interface RocketMqClientUser {
  /** `<namespace>.<service>`. */
  readonly user: string;
  /** The Job's env variable with its password (from the consumers' passwords Secret). */
  readonly passwordVar: string;
  /** One `createAcl` per action set: the resources (`Topic:x`, `Group:y`) that get exactly these actions. */
  readonly grants: Array<{ readonly resources: string[]; readonly actions: string[] }>;
}

/** With authentication: the brokers the users and ACLs go to, and the users. */
export interface RocketMqAclPlan {
  /** Every broker, masters and slaves, as `host:port` (they keep users and ACLs each on its own). */
  readonly brokers: string[];
  readonly users: RocketMqClientUser[];
}

/**
 * The provisioning Job's script. mqadmin exits 0 even when its command failed, and `-c <cluster>`
 * silently skips masters that have not registered with the NameServers yet; so each step counts
 * the per-master confirmations it prints ("create topic to <addr> success.") and is repeated
 * (updateTopic and updateSubGroup overwrite with the same values) until every master confirmed.
 *
 * With authentication mqadmin signs as the super user admin, and the users and ACLs go to each
 * broker by its address (`-b`): brokers do not replicate them, and `-c` stops at the first broker
 * that fails. On each broker each service's password is set (`updateUser`, or `createUser` where
 * the user is missing), each action set granted (`createAcl` replaces the entry of each resource,
 * so the actions are exactly these), the marker ACL added; then the broker's ACLs are listed: a
 * resource a service no longer uses loses its entry, and a marked user the program no longer has
 * is deleted (with its ACLs). Users made by hand carry no marker and are left alone.
 */
export function rocketMqTopicsScript(namesrvAddr: string, masters: number, steps: AdminStep[], acl?: RocketMqAclPlan): string {
  const lines = [
    'set -eu',
    `namesrv=${sq(namesrvAddr)}`,
    `masters=${masters}`,
    'pause=10',
    'log() { echo "rocketmq-topics: $*"; }',
  ];
  if (acl) {
    lines.push(
      passwordCheck(),
      'check admin-password "$ADMIN_PASSWORD"',
      '# mqadmin reads its credentials from conf/tools.yml under rocketmq.home.dir (JAVA_OPT), a memory volume',
      `mkdir -p ${ADMIN_HOME}/conf`,
      `(umask 077 && printf 'accessKey: ${ADMIN_USER}\\nsecretKey: %s\\n' "$ADMIN_PASSWORD" > ${ADMIN_HOME}/conf/tools.yml)`,
    );
  }
  lines.push(
    'mq() { "$ROCKETMQ_HOME/bin/mqadmin" "$@" -n "$namesrv" 2>&1 || true; }',
    'apply() {',
    '  what=$1; confirmation=$2; shift 2',
    '  attempt=1',
    '  while :; do',
    '    out=$(mq "$@")',
    '    confirmed=$(printf \'%s\\n\' "$out" | grep -c "^$confirmation to .* success\\.$") || true',
    '    if [ "$confirmed" -ge "$masters" ]; then log "$what: confirmed by $confirmed of $masters masters"; return 0; fi',
    `    if [ "$attempt" -ge ${JOB_ATTEMPTS} ]; then printf '%s\\n' "$out" >&2; log "$what: confirmed by $confirmed of $masters masters, giving up"; return 1; fi`,
    '    log "$what: confirmed by $confirmed of $masters masters, retrying in $pause s"',
    '    attempt=$((attempt + 1))',
    '    sleep "$pause"',
    '  done',
    '}',
    ...steps.map((s) => ['apply', sq(s.what), sq(s.confirmation), ...s.args.map(sq)].join(' ')),
  );
  if (acl) {
    const wanted = acl.users.flatMap((u) => [...u.grants.flatMap((g) => g.resources), ROCKETMQ_PROVISIONED_MARKER].map((r) => `${u.user} ${r}`)).sort(compareStrings);
    lines.push(
      '# on one broker: repeats a step until mqadmin confirms it for that broker',
      'on() {',
      '  addr=$1; what=$2; confirmation=$3; shift 3',
      '  attempt=1',
      '  while :; do',
      '    out=$(mq "$@")',
      '    case "$out" in *"$confirmation to $addr success."*) log "$what on $addr: done"; return 0;; esac',
      `    if [ "$attempt" -ge ${JOB_ATTEMPTS} ]; then printf '%s\\n' "$out" >&2; log "$what on $addr: not confirmed, giving up"; return 1; fi`,
      '    log "$what on $addr: not confirmed, retrying in $pause s"',
      '    attempt=$((attempt + 1))',
      '    sleep "$pause"',
      '  done',
      '}',
      '# the password of a user on one broker: updated, or the user created where it is missing',
      'user_on() {',
      '  addr=$1; user=$2; password=$3',
      '  attempt=1',
      '  while :; do',
      '    out=$(mq updateUser -b "$addr" -u "$user" -p "$password")',
      '    case "$out" in',
      '      *"update user to $addr success."*) log "user $user on $addr: password set"; return 0;;',
      '      *"The user is not exist"*) on "$addr" "user $user" "create user" createUser -b "$addr" -u "$user" -p "$password" -t Normal; return 0;;',
      '    esac',
      `    if [ "$attempt" -ge ${JOB_ATTEMPTS} ]; then printf '%s\\n' "$out" >&2; log "user $user on $addr: not confirmed, giving up"; return 1; fi`,
      '    log "user $user on $addr: not confirmed, retrying in $pause s"',
      '    attempt=$((attempt + 1))',
      '    sleep "$pause"',
      '  done',
      '}',
      '# the ACL entries of one broker, "<user> <resource>" per line',
      'acls_on() {',
      '  addr=$1',
      '  attempt=1',
      '  while :; do',
      '    out=$(mq listAcl -b "$addr")',
      '    if printf \'%s\\n\' "$out" | grep -q \'^#Subject\'; then listing=$(printf \'%s\\n\' "$out" | awk \'$1 ~ /^User:/ { print substr($1, 6), $3 }\'); return 0; fi',
      `    if [ "$attempt" -ge ${JOB_ATTEMPTS} ]; then printf '%s\\n' "$out" >&2; log "ACLs of $addr: not listed, giving up"; return 1; fi`,
      '    log "ACLs of $addr: not listed, retrying in $pause s"',
      '    attempt=$((attempt + 1))',
      '    sleep "$pause"',
      '  done',
      '}',
      `marker=${sq(ROCKETMQ_PROVISIONED_MARKER)}`,
      `users=${sq(acl.users.map((u) => u.user).join('\n'))}`,
      `wanted=${sq(wanted.join('\n'))}`,
      ...acl.users.map((u) => `check ${u.user} "$${u.passwordVar}"`),
      `for addr in ${acl.brokers.map(sq).join(' ')}; do`,
      ...acl.users.flatMap((u) => [
        `  user_on "$addr" ${sq(u.user)} "$${u.passwordVar}"`,
        // the marker rides along with the first grant (its actions on a group no client joins allow
        // nothing): one mqadmin start less per user and broker
        ...(u.grants.length > 0 ? u.grants : [{ resources: [], actions: ['Get'] }]).map((g, i) => `  on "$addr" ${sq(`ACL ${g.actions.join(',')} of ${u.user}`)} `
          + `'create acl' createAcl -b "$addr" -s ${sq(`User:${u.user}`)} -r ${sq([...g.resources, ...(i === 0 ? [ROCKETMQ_PROVISIONED_MARKER] : [])].join(','))} `
          + `-a ${sq(g.actions.join(','))} -d Allow`),
      ]),
      '  acls_on "$addr"',
      '  while read -r user resource; do',
      '    [ -n "$user" ] || continue',
      '    if printf \'%s\\n\' "$users" | grep -qxF -- "$user"; then',
      '      printf \'%s\\n\' "$wanted" | grep -qxF -- "$user $resource" || on "$addr" "$resource of $user (no longer used)" \'delete acl\' deleteAcl -b "$addr" -s "User:$user" -r "$resource"',
      '    elif [ "$resource" = "$marker" ]; then',
      '      on "$addr" "user $user (its service left)" \'delete user\' deleteUser -b "$addr" -u "$user"',
      '    fi',
      '  done <<< "$listing"',
      'done',
    );
  }
  lines.push('log done', '');
  return lines.join('\n');
}

function validateTopics(mq: MessageQueue, topics: ResolvedTopic[], reserved: Map<string, string>, replicasPerGroup: number): void {
  for (const t of topics) {
    const name = t.name;
    if (name.includes('%')) {
      fail(mq, `topic name ${show(name)} contains "%", which RocketMQ reserves for its retry, dead-letter and namespace prefixes (%RETRY%, %DLQ%)`,
        'use only letters, digits, "_", "-" and "|" (e.g. "orders")');
    }
    if (!TOPIC_CHARS.test(name)) {
      fail(mq, `topic name ${show(name)} has characters RocketMQ rejects`, 'use only ASCII letters, digits, "_", "-" and "|" (e.g. "order-created")');
    }
    if (name.length > MAX_TOPIC_NAME) {
      fail(mq, `topic name ${show(name)} has ${name.length} characters (RocketMQ allows ${MAX_TOPIC_NAME})`, `shorten it to at most ${MAX_TOPIC_NAME} characters`);
    }
    if (SYSTEM_TOPICS.has(name) || name.startsWith('rmq_sys_') || name.startsWith('RMQ_SYS_')) {
      fail(mq, `topic name ${show(name)} is a RocketMQ system topic (or uses the rmq_sys_/RMQ_SYS_ prefix)`, 'choose another name for the topic');
    }
    const owner = reserved.get(name);
    if (owner !== undefined) {
      fail(mq, `topic name ${show(name)} is taken: every broker registers a topic named after its ${owner}`, 'choose another name for the topic');
    }
    if (t.cleanupPolicy === CleanupPolicy.COMPACT) {
      fail(mq, `topic ${show(name)} cleanupPolicy ${show(t.cleanupPolicy)} is not supported by this engine`,
        'use CleanupPolicy.DELETE (RocketMQ 5 compaction topics cannot be declared idempotently: re-applying their unchangeable cleanup.policy '
        + 'attribute is rejected), or a Kafka queue for compacted topics');
    }
    if (t.replicationFactor !== undefined && t.replicationFactor > replicasPerGroup) {
      fail(mq, `topic ${show(name)} replicationFactor ${t.replicationFactor} exceeds replicasPerGroup ${replicasPerGroup}`,
        `use at most ${replicasPerGroup} (a message is copied only within its broker group: the master and its slaves), or raise replicasPerGroup`);
    }
  }
}

function jvmMemory(mq: MessageQueue, what: string, r: ResolvedResources, minimum: number): ResolvedResources {
  if (r.memoryLimitMebibytes < minimum) {
    fail(mq, `${what}.memoryLimitMebibytes ${r.memoryLimitMebibytes} is too small for a RocketMQ ${({ brokerResources: 'broker', controllerResources: 'controller' } as Record<string, string>)[what] ?? 'NameServer'} (the heap is half the limit)`,
      `give it at least ${minimum} MiB`);
  }
  return r;
}

/**
 * Apache RocketMQ 5.x without an operator: NameServers (a StatefulSet; brokers and clients list
 * every member), broker groups of a master and its slaves (one StatefulSet each), configured by a
 * broker.conf, and a Job that creates the declared topics and consumer groups with mqadmin. With
 * authentication (the default) every broker runs ACL 2.0 (authentication and authorization with
 * the local RocksDB metadata in its store), each service is its own user with exactly the ACLs
 * of its bindings, and the same Job writes users and ACLs to every broker (mqadmin signs as the
 * super user `admin`, a slave's sync from its master as the super user `broker`).
 *
 * Failover (`RocketMqFailover.CONTROLLER`, the default for groups with slaves): RocketMQ 5's
 * controller mode. A DLedger (Raft) group of controllers (`mqcontroller`, a StatefulSet of its own
 * on volumes) keeps each group's in-sync set and elects a master among its members when the master
 * is lost (a closed connection at once, a silent one after the 10 s heartbeat timeout); the
 * elected broker learns it from the controller (with authentication through its own 5 s poll: the
 * controllers' push is unsigned, which authenticating brokers refuse), registers as brokerId 0 with
 * the NameServers, and producers find it through their next route lookup. The brokers share one
 * broker.conf per group (brokerId -1, role SLAVE until elected) and keep the id the controller gave
 * them and their epochs in their store. Without it (`RocketMqFailover.NONE`), classic master/slave:
 * ordinal 0 is the master for good, and while it is down its group accepts no writes (producers
 * send to the other groups, consumers read its messages from the slaves) until it comes back with
 * its volume. DLedger commit logs (a Raft quorum per group) are not offered: they need three
 * brokers per group for what a controller gives two.
 *
 * Verified against upstream sources: apache/rocketmq-docker (image-build/Dockerfile-ubuntu: user,
 * ROCKETMQ_HOME, ports, entrypoint; runbroker/runserver-customize.sh: heap computed from the
 * host's memory, `JAVA_OPT_EXT` appended last, GC log in /dev/shm; rocketmq-k8s-helm: tcpSocket
 * probes, one broker config per pod, POD_IP from the downward API, which apache/rocketmq-operator
 * writes as brokerIP1) and apache/rocketmq (mqbroker/mqnamesrv/mqadmin/tools.sh
 * scripts; MessageStoreConfig 5.x keys and defaults: storePathRootDir `${user.home}/store`,
 * storePathCommitLog, storePathBrokerIdentity and storePathEpochFile derived from it,
 * totalReplicas/inSyncReplicas default 1, which makes a SYNC_MASTER acknowledge without its slaves,
 * allAckInSyncStateSet/minInSyncReplicas in CommitLog's controller-mode branch;
 * ControllerConfig/DLedgerConfig: controllerType DLedger by default, peers `id-host:port` split at
 * the first "-", the peer's own port the one bound; mqcontroller running ControllerStartup through
 * runserver.sh; ReplicasManager's registration, poll and role changes; TopicValidator names; UpdateTopic/UpdateSubGroup
 * commands and their output; MQAdminStartup swallowing command failures; AttributeUtil rejecting
 * updates of unchangeable topic attributes; rmq.broker.logback.xml under `${user.home}/logs`).
 * Assumed: the 5.3.3 image writes nothing under /home/rocketmq besides the mounted directories, and
 * its JDK 8 takes the last -Xmx/-Xloggc of a command line (standard HotSpot behaviour).
 */
export class RocketMqEngine implements MessageQueueEngineImpl {
  public readonly kind = MessageQueueKind.ROCKETMQ;
  public readonly partitioned = true;

  constructor(private readonly options: RocketMqOptions) {}

  /**
   * The controllers (`mqcontroller`): a StatefulSet whose members are the peers of one DLedger
   * group, each with its Raft log on a volume (a controller that lost it rejoins from its peers;
   * losing every log would fence brokers whose ids the controllers no longer know).
   */
  private deployControllers(mq: MessageQueue, chart: Chart, controllers: number, resources: ResolvedResources, image: string,
    auth: boolean, storageClassName: string | undefined): StatefulCluster {
    const arch = mq.architecture;
    const name = mq.componentName;
    const ns = mq.namespace;
    const clusterName = objectName(mq, name, 'controller');
    const heap = Math.floor(resources.memoryLimitMebibytes / 2);
    const logback = renderLogback(rocketMqControllerLogback(), `Generated by cdk8s-architect for the ${name} controllers: bounded file logs (rmq.controller.logback.xml of RocketMQ 5.3.3, smaller windows).`);
    const configMapName = objectName(mq, name, 'controller-config');
    const logs = writableVolumes(mq, [LOG_DIR], logVolumeMebibytes({ logback: rocketMqControllerLogback(), gcLog: CONTROLLER_GC_LOG }));
    const scratch = writableVolumes(mq, [CONF_DIR, '/tmp'], 256);
    const port = k8s.IntOrString.fromString('controller');
    // the peers' names are the pods' DNS names, known before the StatefulSet exists
    const hosts = Array.from({ length: controllers }, (_, i) =>
      `${clusterName}-${i}.${clusterName}-headless.${ns}.svc.${arch.clusterDomain}`);
    const conf = renderControllerConf({ group: clusterName, hosts, notifyBrokers: !auth });
    const cluster = new StatefulCluster(mq, 'controller', {
      architecture: arch,
      chart,
      name: clusterName,
      namespace: ns,
      identity: { name, instance: `${arch.name}-${clusterName}`, component: 'controller', partOf: arch.name },
      replicas: controllers,
      // a Raft group: odd, a majority must stay up
      quorum: true,
      uid: UID,
      ports: [{ name: 'controller', port: CONTROLLER_PORT }, { name: 'metrics', port: METRICS_PORT, peerOnly: true }],
      // role, elections and active brokers per group, from each controller's own endpoint
      metrics: { port: METRICS_PORT, path: '/metrics', kind: 'rocketmq-controller' },
      storage: { volumeName: 'raft', mountPath: CONTROLLER_DIR, sizeGibibytes: CONTROLLER_STORAGE_GIBIBYTES, storageClassName },
      volumes: [{ name: 'config', configMap: { name: configMapName } }, ...logs.volumes, ...scratch.volumes],
      podAnnotations: { [ANNOTATION_CONFIG_HASH]: createHash('sha256').update(JSON.stringify({ conf, logback })).digest('hex').slice(0, 16) },
      terminationGracePeriodSeconds: 30,
      containers: () => [secureContainer({
        name: 'controller',
        image,
        command: ['bash', '-c', controllerStartScript(controllers)],
        env: [
          // runserver.sh appends JAVA_OPT_EXT after its own heap (1 GiB) and GC-log options: the last one wins
          {
            name: 'JAVA_OPT_EXT',
            value: `-Xms${heap}m -Xmx${heap}m -Xmn${Math.floor(heap / 2)}m -Xloggc:${LOG_DIR}/rmq_controller_gc.log ${java8GcLogRotation(CONTROLLER_GC_LOG)}`,
          },
        ],
        ports: [{ name: 'controller', containerPort: CONTROLLER_PORT }, { name: 'metrics', containerPort: METRICS_PORT }],
        resources,
        startupProbe: { tcpSocket: { port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 36 },
        readinessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
        volumeMounts: [
          { name: 'raft', mountPath: CONTROLLER_DIR },
          { name: 'config', mountPath: CONF_SOURCE_DIR, readOnly: true },
          ...logs.mounts,
          ...scratch.mounts,
        ],
      })],
    });
    if (cluster.memberHosts().join(';') !== hosts.join(';')) throw new Error(`internal: the controller peers ${hosts.join(';')} are not the pods' names`);
    new k8s.KubeConfigMap(chart, 'controller-config', {
      metadata: { name: configMapName, namespace: ns, labels: cluster.labels },
      data: { 'controller.conf': conf, [CONTROLLER_LOGBACK_FILE]: logback },
    });
    return cluster;
  }

  public _deploy(mq: MessageQueue, topics: ResolvedTopic[]): DeployedMessageQueue {
    const o = this.options;
    const arch = mq.architecture;
    const name = mq.componentName;
    const ns = mq.namespace;
    const production = arch.profile === Profile.PRODUCTION;

    // ---- validation (nothing created yet)
    const image = o.image ?? ROCKETMQ_DEFAULT_IMAGE;
    validateImage(mq, image);
    const nameServers = validateInteger(mq, 'nameServers', o.nameServers ?? (production ? 2 : 1), 1, MAX_NAMESERVERS,
      `use 1 to ${MAX_NAMESERVERS} NameServers (2 or 3 in production)`);
    const brokerGroups = validateInteger(mq, 'brokerGroups', o.brokerGroups ?? (production ? 2 : 1), 1, MAX_BROKER_GROUPS,
      `use 1 to ${MAX_BROKER_GROUPS} broker groups (2 or more in production, so writes continue while a master is down)`);
    const replicasPerGroup = validateInteger(mq, 'replicasPerGroup', o.replicasPerGroup ?? (production ? 2 : 1), 1, MAX_REPLICAS_PER_GROUP,
      `use 1 (a master only) to ${MAX_REPLICAS_PER_GROUP} brokers per group (2 in production: a master and a slave)`);
    const deleteHour = validateInteger(mq, 'deleteHour', o.deleteHour ?? 4, 0, 23, 'use an hour of the day from 0 to 23');
    const storage = validateInteger(mq, 'storageGibibytes', o.storageGibibytes ?? (production ? 32 : 4), 4, 65536,
      'use a whole number of GiB, at least 4 (commit log files are 1 GiB each and the next one is preallocated)');
    if (o.storageClassName !== undefined && !DNS_SUBDOMAIN.test(o.storageClassName)) {
      fail(mq, `storageClassName ${show(o.storageClassName)} is not a valid StorageClass name`, 'use a DNS subdomain name such as "standard" or "gp3"');
    }
    const failover = o.failover ?? (replicasPerGroup > 1 ? RocketMqFailover.CONTROLLER : RocketMqFailover.NONE);
    if (failover !== RocketMqFailover.CONTROLLER && failover !== RocketMqFailover.NONE) {
      fail(mq, `failover ${show(failover)} is not a RocketMqFailover`, 'use RocketMqFailover.CONTROLLER or RocketMqFailover.NONE');
    }
    const controllerMode = failover === RocketMqFailover.CONTROLLER;
    if (controllerMode && replicasPerGroup < 2) {
      fail(mq, `failover ${show(failover)} with replicasPerGroup ${replicasPerGroup}: a group of one broker has no slave to elect`,
        'set replicasPerGroup to 2 or more, or failover to RocketMqFailover.NONE');
    }
    if (!controllerMode && (o.controllers !== undefined || o.controllerResources !== undefined)) {
      fail(mq, `${o.controllers !== undefined ? 'controllers' : 'controllerResources'} is set but failover is ${show(failover)}, which runs no controller`,
        'remove it, or use failover RocketMqFailover.CONTROLLER');
    }
    const controllers = validateInteger(mq, 'controllers', o.controllers ?? (production ? 3 : 1), 1, 7, 'use an odd number of controllers from 1 to 7 (3 or 5 in production)');
    if (controllers % 2 === 0) {
      fail(mq, `controllers ${controllers} is even: a Raft quorum of ${controllers} tolerates no more failures than ${controllers - 1} and can split evenly`,
        `use ${controllers - 1} or ${controllers + 1} controllers`);
    }
    const replication = o.replication ?? RocketMqReplication.SYNC;
    const flushDiskType = o.flushDiskType ?? RocketMqFlushDiskType.ASYNC_FLUSH;
    const auth = o.authentication ?? true;
    if (typeof auth !== 'boolean') fail(mq, `authentication ${show(auth)} is not a boolean`, 'use true (the default) or false');
    if (!auth && (o.clusterCredentialsSecret !== undefined || o.consumerPasswordsSecret !== undefined)) {
      fail(mq, `${o.clusterCredentialsSecret !== undefined ? 'clusterCredentialsSecret' : 'consumerPasswordsSecret'} is set but authentication is false`,
        'remove it, or turn authentication on (the default)');
    }
    const clusterSecret = validateDnsLabel(mq, 'clusterCredentialsSecret', o.clusterCredentialsSecret ?? `${name}-acl`);
    const passwordsSecret = validateDnsLabel(mq, 'consumerPasswordsSecret', o.consumerPasswordsSecret ?? `${name}-consumers`);
    const reprovisionSchedule = validateCronSchedule(mq, 'reprovisionSchedule', o.reprovisionSchedule ?? '37 * * * *', '37 * * * *');
    if (o.reprovisionSchedule !== undefined && topics.length === 0 && !auth) {
      fail(mq, 'reprovisionSchedule is set, but with no topics and authentication off there is no provisioning to run again', 'remove reprovisionSchedule, or declare topics');
    }
    const brokerResources = jvmMemory(mq, 'brokerResources', resolveResources(mq, arch.profile, o.brokerResources, production
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 768, memoryLimitMebibytes: 1024 }), 1024);
    const nameServerResources = jvmMemory(mq, 'nameServerResources', resolveResources(mq, arch.profile, o.nameServerResources, production
      ? { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 384, memoryLimitMebibytes: 512 }), 256);
    const controllerResources = jvmMemory(mq, 'controllerResources', resolveResources(mq, arch.profile, o.controllerResources, production
      ? { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 384, memoryLimitMebibytes: 512 }), 256);

    const clusterName = name;
    const letters = Array.from({ length: brokerGroups }, (_, i) => String.fromCharCode('a'.charCodeAt(0) + i));
    const brokerNames = letters.map((l) => objectName(mq, name, `broker-${l}`));
    const reserved = new Map<string, string>([[clusterName, 'cluster (brokerClusterName)'], ...brokerNames.map((b): [string, string] => [b, 'group (brokerName)'])]);
    validateTopics(mq, topics, reserved, replicasPerGroup);

    // A message is copied within its group only; SYNC_MASTER waits for the most copies any topic asks for.
    const inSyncReplicas = Math.max(1, ...topics.map((t) => t.replicationFactor ?? replicasPerGroup));
    const masterRole: RocketMqBrokerRole = replicasPerGroup > 1 && replication === RocketMqReplication.SYNC ? 'SYNC_MASTER' : 'ASYNC_MASTER';
    // With a controller: SYNC waits for every in-sync member; sends are refused below the largest
    // declared replicationFactor (a topic without one does not hold up the group after a failover)
    const minInSyncReplicas = Math.max(1, ...topics.map((t) => t.replicationFactor ?? 1));
    // Messages are deleted by commit log file, not per topic: keep them as long as the longest retention.
    const fileReservedHours = topics.length > 0 ? Math.max(...topics.map((t) => Math.ceil(t.retentionMillis / 3_600_000))) : DEFAULT_RETENTION_HOURS;

    // ---- NameServers
    const chart = deployPlatformComponent(mq, mq);
    const tcp = (port: number): NetworkPort[] => [{ port, protocol: Protocol.TCP }];
    const nsHeap = Math.floor(nameServerResources.memoryLimitMebibytes / 2);
    const nsLogback = renderLogback(rocketMqNamesrvLogback(), `Generated by cdk8s-architect for the ${name} NameServers: bounded file logs (rmq.namesrv.logback.xml of RocketMQ 5.3.3, smaller windows).`);
    const nsLogbackMap = objectName(mq, name, 'namesrv-logback');
    const nsWritable = writableVolumes(mq, [LOG_DIR], logVolumeMebibytes({ logback: rocketMqNamesrvLogback(), gcLog: NAMESRV_GC_LOG }));
    const nsState = writableVolumes(mq, [NAMESRV_DIR, '/tmp'], 256);
    const namesrv = new StatefulCluster(mq, 'namesrv', {
      architecture: arch,
      chart,
      name: objectName(mq, name, 'namesrv'),
      namespace: ns,
      identity: { name, instance: `${arch.name}-${name}-namesrv`, component: 'namesrv', partOf: arch.name },
      replicas: nameServers,
      // independent members: every broker registers with each of them; one down at a time
      quorum: false,
      uid: UID,
      ports: [{ name: 'remoting', port: NAMESRV_PORT }],
      volumes: [{ name: 'logback', configMap: { name: nsLogbackMap } }, ...nsWritable.volumes, ...nsState.volumes],
      podAnnotations: { [ANNOTATION_CONFIG_HASH]: createHash('sha256').update(nsLogback).digest('hex').slice(0, 16) },
      terminationGracePeriodSeconds: 30,
      containers: () => [secureContainer({
        name: 'namesrv',
        image,
        // what mqnamesrv runs (5.3.3), with the generated logback configuration
        command: ['bash', '-c', supervisedScript([],
          `sh "$ROCKETMQ_HOME/bin/runserver.sh" -Drmq.logback.configurationFile=${CONF_SOURCE_DIR}/${NAMESRV_LOGBACK_FILE} org.apache.rocketmq.namesrv.NamesrvStartup`)],
        env: [
          // runserver.sh appends JAVA_OPT_EXT after its own heap and GC-log options: the last one wins
          // (it logs GC to /dev/shm without rotation: here to the log volume, rotated)
          {
            name: 'JAVA_OPT_EXT',
            value: `-Xms${nsHeap}m -Xmx${nsHeap}m -Xmn${Math.floor(nsHeap / 2)}m -Xloggc:${LOG_DIR}/rmq_srv_gc.log ${java8GcLogRotation(NAMESRV_GC_LOG)}`,
          },
        ],
        ports: [{ name: 'remoting', containerPort: NAMESRV_PORT }],
        resources: nameServerResources,
        startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('remoting') }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 36 },
        readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('remoting') }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('remoting') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
        volumeMounts: [{ name: 'logback', mountPath: CONF_SOURCE_DIR, readOnly: true }, ...nsWritable.mounts, ...nsState.mounts],
      })],
    });
    new k8s.KubeConfigMap(chart, 'namesrv-logback', {
      metadata: { name: nsLogbackMap, namespace: ns, labels: namesrv.labels },
      data: { [NAMESRV_LOGBACK_FILE]: nsLogback },
    });
    const namesrvAddr = namesrv.memberHosts().map((h) => `${h}:${NAMESRV_PORT}`).join(';');

    // ---- controllers (controller mode): a DLedger (Raft) group that elects each broker group's master
    const controller = controllerMode
      ? this.deployControllers(mq, chart, controllers, controllerResources, image, auth, o.storageClassName)
      : undefined;
    const controllerAddr = controller?.memberHosts().map((h) => `${h}:${CONTROLLER_PORT}`).join(';');

    // ---- broker groups
    const heap = Math.floor(brokerResources.memoryLimitMebibytes / 2);
    const direct = Math.floor(brokerResources.memoryLimitMebibytes / 4);
    const brokerJavaOpts = `-Xms${heap}m -Xmx${heap}m -Xmn${Math.floor(heap / 4)}m -XX:MaxDirectMemorySize=${direct}m `
      + `-Xloggc:${LOG_DIR}/rmq_broker_gc.log ${java8GcLogRotation(BROKER_GC_LOG)} -Djna.tmpdir=/tmp`;
    const brokerLogback = renderLogback(rocketMqBrokerLogback(), `Generated by cdk8s-architect for the ${name} brokers: bounded file logs (rmq.broker.logback.xml of RocketMQ 5.3.3, smaller windows).`);
    const brokerLogSize = logVolumeMebibytes({ logback: rocketMqBrokerLogback(), gcLog: BROKER_GC_LOG });
    const groups = brokerNames.map((brokerName, g) => {
      const confs: Record<string, string> = {};
      if (controllerAddr !== undefined) {
        confs['broker.conf'] = renderBrokerConf({
          clusterName,
          brokerName,
          // the controller assigns ids and elects the master; every broker starts as a slave
          brokerId: -1,
          role: 'SLAVE',
          flushDiskType,
          namesrvAddr,
          totalReplicas: replicasPerGroup,
          inSyncReplicas: 1,
          deleteHour,
          fileReservedHours,
          authentication: auth,
          controller: { controllerAddr, allAckInSyncStateSet: replication === RocketMqReplication.SYNC, minInSyncReplicas },
        });
      }
      for (let i = 0; i < (controllerAddr === undefined ? replicasPerGroup : 0); i++) {
        confs[`broker-${i}.conf`] = renderBrokerConf({
          clusterName,
          brokerName,
          brokerId: i,
          role: i === 0 ? masterRole : 'SLAVE',
          flushDiskType,
          namesrvAddr,
          totalReplicas: replicasPerGroup,
          // ignored by an ASYNC_MASTER: render what applies
          inSyncReplicas: masterRole === 'SYNC_MASTER' ? inSyncReplicas : 1,
          deleteHour,
          fileReservedHours,
          authentication: auth,
        });
      }
      confs[BROKER_LOGBACK_FILE] = brokerLogback;
      const configMapName = objectName(mq, brokerName, 'config');
      const digest = createHash('sha256').update(JSON.stringify(confs)).digest('hex').slice(0, 16);
      const logs = writableVolumes(mq, [LOG_DIR], brokerLogSize);
      const scratch = writableVolumes(mq, [CONF_DIR, '/tmp'], 256);
      const remoting = k8s.IntOrString.fromString('remoting');
      const cluster = new StatefulCluster(mq, `broker-${letters[g]}`, {
        architecture: arch,
        chart,
        name: brokerName,
        namespace: ns,
        identity: { name, instance: `${arch.name}-${brokerName}`, component: 'broker', partOf: arch.name },
        replicas: replicasPerGroup,
        // master and slaves are not a quorum: the budget keeps one of them down at a time
        quorum: false,
        uid: UID,
        ports: [
          { name: 'remoting', port: BROKER_PORT },
          { name: 'ha', port: HA_PORT, peerOnly: true },
          { name: 'metrics', port: METRICS_PORT, peerOnly: true },
        ],
        // messages in and out, consumer lag, request queues and storage, from each broker's own endpoint
        metrics: { port: METRICS_PORT, path: '/metrics', kind: 'rocketmq-broker' },
        storage: { volumeName: 'store', mountPath: STORE_DIR, sizeGibibytes: storage, storageClassName: o.storageClassName },
        volumes: [{ name: 'config', configMap: { name: configMapName } }, ...logs.volumes, ...scratch.volumes],
        podAnnotations: { [ANNOTATION_CONFIG_HASH]: digest, ...(auth ? { [ANNOTATION_EXTERNAL_SECRETS]: clusterSecret } : {}) },
        // a clean shutdown unregisters from the NameServers and flushes the store
        terminationGracePeriodSeconds: 90,
        containers: () => [secureContainer({
          name: 'broker',
          image,
          command: ['bash', '-c', brokerStartScript(auth, controllerMode)],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ...(auth ? [
              { name: 'ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: clusterSecret, key: 'admin-password' } } },
              { name: 'BROKER_PASSWORD', valueFrom: { secretKeyRef: { name: clusterSecret, key: 'broker-password' } } },
            ] : []),
            // runbroker.sh sizes the heap from the node's memory (up to 8 GiB) and logs GC to
            // /dev/shm; it appends JAVA_OPT_EXT last, so these win
            { name: 'JAVA_OPT_EXT', value: brokerJavaOpts },
          ],
          ports: [
            { name: 'remoting', containerPort: BROKER_PORT },
            { name: 'ha', containerPort: HA_PORT },
            { name: 'metrics', containerPort: METRICS_PORT },
          ],
          resources: brokerResources,
          // recovery of a large commit log after an unclean stop, and pre-touching the heap, take time
          startupProbe: { tcpSocket: { port: remoting }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 60 },
          readinessProbe: { tcpSocket: { port: remoting }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: remoting }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            { name: 'store', mountPath: STORE_DIR },
            { name: 'config', mountPath: CONF_SOURCE_DIR, readOnly: true },
            ...logs.mounts,
            ...scratch.mounts,
          ],
        })],
      });
      new k8s.KubeConfigMap(chart, `broker-${letters[g]}-config`, {
        metadata: { name: configMapName, namespace: ns, labels: cluster.labels },
        data: confs,
      });
      // brokers register with (and heartbeat to) every NameServer; NameServers never call brokers
      cluster.allowEgressTo(namesrv, tcp(NAMESRV_PORT));
      namesrv.allowIngressFrom(cluster, tcp(NAMESRV_PORT));
      if (controller) {
        // brokers heartbeat to every controller and report their in-sync sets to the leader
        cluster.allowEgressTo(controller, tcp(CONTROLLER_PORT));
        controller.allowIngressFrom(cluster, tcp(CONTROLLER_PORT));
        if (!auth) {
          // the controllers push a new role to the brokers (unsigned: brokers that authenticate refuse it, so it is off with authentication)
          controller.allowEgressTo(cluster, tcp(BROKER_PORT));
          cluster.allowIngressFrom(controller, tcp(BROKER_PORT));
        }
      }
      return cluster;
    });

    // ---- declared topics and consumer groups, and (with authentication) each service's user and ACLs
    const groupTopics = new Map<string, string>();
    const users = new ClientUsers();
    const clientUser = (consumer: IWorkload) => users.of(consumer);
    const scriptUsers = (): RocketMqClientUser[] => users.sorted().map((u, i) => {
      // resource -> actions: a producer publishes; a consumer subscribes and reads offsets (a new
      // group's first pull asks for the topic's max offset, which needs Get)
      const actions = new Map<string, Set<string>>();
      const add = (resource: string, ...a: string[]) => {
        const set = actions.get(resource) ?? new Set<string>();
        a.forEach((x) => set.add(x));
        actions.set(resource, set);
      };
      u.writes.forEach((t) => add(`Topic:${t}`, 'Pub'));
      u.reads.forEach((t) => add(`Topic:${t}`, 'Sub', 'Get'));
      u.groups.forEach((g) => add(`Group:${g}`, 'Sub', 'Get'));
      const bySet = new Map<string, string[]>();
      for (const [resource, a] of actions) {
        const key = [...a].sort(compareStrings).join(',');
        bySet.set(key, [...(bySet.get(key) ?? []), resource]);
      }
      return {
        user: u.user,
        passwordVar: `CLIENT_PASSWORD_${i}`,
        grants: [...bySet.entries()].sort(([a], [b]) => compareStrings(a, b))
          .map(([key, resources]) => ({ resources: resources.sort(compareStrings), actions: key.split(',') })),
      };
    });
    if (topics.length > 0 || auth) {
      const taskName = objectName(mq, name, auth ? 'provision' : 'topics');
      const task = new TaskPods(mq, auth ? 'provision' : 'topics', {
        architecture: arch,
        chart,
        name: taskName,
        namespace: ns,
        identity: { name, instance: `${arch.name}-${taskName}`, component: auth ? 'provision' : 'topics', partOf: arch.name },
      });
      task.allowEgressTo(namesrv, tcp(NAMESRV_PORT));
      namesrv.allowIngressFrom(task, tcp(NAMESRV_PORT));
      for (const g of groups) {
        task.allowEgressTo(g, tcp(BROKER_PORT));
        g.allowIngressFrom(task, tcp(BROKER_PORT));
      }
      const brokerAddrs = groups.flatMap((g) => g.memberHosts().map((h) => `${h}:${BROKER_PORT}`));
      const script = (): string => rocketMqTopicsScript(namesrvAddr, brokerGroups, [
        ...topics.map((t) => ({
          what: `topic ${t.name}`,
          confirmation: 'create topic',
          args: ['updateTopic', '-c', clusterName, '-t', t.name, '-r', String(t.partitions), '-w', String(t.partitions)],
        })),
        ...topics.flatMap((t) => mq.consumerGroups(t.name).map((group) => ({
          what: `consumer group ${group}`,
          confirmation: 'create subscription group',
          args: ['updateSubGroup', '-c', clusterName, '-g', group],
        }))),
      ], auth ? { brokers: brokerAddrs, users: scriptUsers() } : undefined);
      // tools.sh puts JAVA_OPT before its own -Xms1g -Xmx1g (the last one wins): the limit leaves room for that heap
      const jobEnv = (): kplus.k8s.EnvVar[] => [
        { name: 'JAVA_OPT', value: `-Dcom.rocketmq.sendMessageWithVIPChannel=false${auth ? ` -Drocketmq.home.dir=${ADMIN_HOME}` : ''}` },
        ...(auth ? [
          { name: 'ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: clusterSecret, key: 'admin-password' } } },
          ...scriptUsers().map((u) => ({ name: u.passwordVar, valueFrom: { secretKeyRef: { name: passwordsSecret, key: u.user } } })),
        ] : []),
      ];
      const writable = writableVolumes(mq, [LOG_DIR, '/tmp'], 256);
      // the admin credentials file of mqadmin, in memory
      const adminHome: kplus.k8s.Volume[] = auth ? [{ name: 'admin-home', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } }] : [];
      const container: kplus.k8s.Container = {
        ...secureContainer({
          name: auth ? 'provision' : 'topics',
          image,
          command: ['bash', '-c'],
          resources: { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 384, memoryLimitMebibytes: 1280 },
          volumeMounts: [...writable.mounts, ...(auth ? [{ name: 'admin-home', mountPath: ADMIN_HOME }] : [])],
        }),
        args: lazy(() => [script()]),
        env: lazy(() => jobEnv()),
      };
      const jobSecrets = () => (auth ? [clusterSecret, ...(users.size > 0 ? [passwordsSecret] : [])] : []);
      const annotations = auth ? lazy((): Record<string, string> => ({ [ANNOTATION_EXTERNAL_SECRETS]: [...new Set(jobSecrets())].sort().join(',') })) : undefined;
      const volumes = [...writable.volumes, ...adminHome];
      task.job(task.podTemplate([container], UID, volumes, annotations), {
        // A Job's template is immutable: the name carries a hash of what it does, so a new topic,
        // consumer group, user or ACL yields a new Job (every step is idempotent, so reruns are harmless).
        name: lazy(() => objectName(mq, taskName, createHash('sha256').update(JSON.stringify({ script: script(), env: jobEnv(), image })).digest('hex').slice(0, 10))),
        backoffLimit: 6,
        activeDeadlineSeconds: 3600,
      });
      // The same script on a schedule: only a rerun applies a password rotated in the Secret
      if (reprovisionSchedule !== '') task.cronJob(reprovisionSchedule, task.podTemplate([container], UID, volumes, annotations));
    }

    // ---- what services get
    const p = mq.envPrefix;
    const endpoints: BindingEndpoint[] = [
      { workload: namesrv, ports: tcp(NAMESRV_PORT) },
      ...groups.map((g) => ({ workload: g, ports: tcp(BROKER_PORT) })),
    ];
    const credentialsSecrets = new ClientCredentialsSecrets('RocketMQ', name);
    const connection = (consumer: IWorkload): MessageQueueWiring => {
      const vars: EnvVariable[] = [
        { name: `${p}ADDRESS`, value: EnvValue.fromValue(namesrvAddr) },
        { name: `${p}NAMESRV_ADDR`, value: EnvValue.fromValue(namesrvAddr) },
      ];
      if (auth) {
        const user = clientUser(consumer).user;
        // each service reads its own Secret: the password (secret key) of its own user
        const secretName = credentialsSecrets.secretFor(consumer, user);
        vars.push(
          // the user name is no secret: the provisioning Job creates exactly this user
          { name: `${p}USERNAME`, value: EnvValue.fromValue(user) },
          { name: `${p}PASSWORD`, value: EnvValue.fromSecret({ secretName, key: 'password' }) },
        );
      }
      // clients look routes up on a NameServer, then talk to every broker directly (slaves too:
      // consumers read from them while a master is down)
      return { env: vars, endpoints };
    };
    const topicVar = (t: ResolvedTopic): EnvVariable => ({ name: `${mq.topicEnvPrefix(t.name)}TOPIC`, value: EnvValue.fromValue(t.name) });
    return {
      connection: (consumer: IWorkload) => connection(consumer),
      producer: (t: ResolvedTopic, consumer: IWorkload) => {
        const c = connection(consumer);
        if (auth) clientUser(consumer).writes.add(t.name);
        return { env: [...c.env, topicVar(t)], endpoints: c.endpoints };
      },
      consumer: (t: ResolvedTopic, group: string, consumer: IWorkload) => {
        const other = groupTopics.get(group);
        if (other !== undefined && other !== t.name) {
          fail(mq, `consumer group ${show(group)} is bound to topics ${show(other)} and ${show(t.name)}`,
            'give each topic its own consumer groups (RocketMQ groups are cluster-wide and all members of a group must subscribe to the same topics), '
            + `e.g. ${show(`${group}-${t.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`)}`);
        }
        if (`Group:${group}` === ROCKETMQ_PROVISIONED_MARKER) {
          fail(mq, `consumer group ${show(group)} is the group whose ACL marks the users the provisioning Job made`, 'choose another name for the consumer group');
        }
        groupTopics.set(group, t.name);
        const c = connection(consumer);
        if (auth) {
          const u = clientUser(consumer);
          u.reads.add(t.name);
          u.groups.add(group);
        }
        return { env: [...c.env, topicVar(t), { name: `${mq.topicEnvPrefix(t.name)}GROUP`, value: EnvValue.fromValue(group) }], endpoints: c.endpoints };
      },
    };
  }
}
