import { createHash } from 'crypto';
import * as kplus from 'cdk8s-plus-28';
import { MessageQueueKind } from './engine';
import { DeployedMessageQueue, MessageQueueEngineImpl, MessageQueueWiring } from './engine-impl';
import type { MessageQueue } from './message-queue';
import { RocketMqFlushDiskType, RocketMqOptions, RocketMqReplication } from './rocketmq-options';
import { CleanupPolicy } from './topic';
import type { ResolvedTopic } from './topic-internal';
import { BindingEndpoint, EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { GcLog, java8GcLogRotation, LogbackConfig, logVolumeMebibytes, renderLogback, RollingLog } from '../internal/logback';
import { objectName, validateImage, validateInteger } from '../internal/names';
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
const BROKER_LOGBACK_FILE = 'rmq.broker.logback.xml';
const NAMESRV_LOGBACK_FILE = 'rmq.namesrv.logback.xml';

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

/** `brokerRole`: ordinal 0 of a group is its master, the others its slaves. */
export type RocketMqBrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

/** What one broker's broker.conf is rendered from. */
export interface BrokerConfSettings {
  /** `brokerClusterName`: every group of the queue (mqadmin addresses them with `-c`). */
  readonly clusterName: string;
  /** `brokerName`: the group (its StatefulSet's name). */
  readonly brokerName: string;
  /** `brokerId`: 0 for the master, the ordinal for a slave. */
  readonly brokerId: number;
  readonly role: RocketMqBrokerRole;
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
}

/**
 * broker.conf (Java properties) of one broker, in a fixed key order. `brokerIP1`/`brokerIP2` (the
 * address the broker registers for clients and for its slaves) are the pod's IP, which only the
 * start script knows: it appends them. Topics and subscription groups are declared, so automatic
 * creation is off (clients cannot create topics or groups by using them).
 */
export function renderBrokerConf(s: BrokerConfSettings): string {
  const entries: Array<[string, string | number]> = [
    ['brokerClusterName', s.clusterName],
    ['brokerName', s.brokerName],
    ['brokerId', s.brokerId],
    ['brokerRole', s.role],
    ['flushDiskType', s.flushDiskType],
    ['namesrvAddr', s.namesrvAddr],
    ['listenPort', BROKER_PORT],
    ['haListenPort', HA_PORT],
    ['storePathRootDir', STORE_DIR],
    ['storePathCommitLog', `${STORE_DIR}/commitlog`],
    ['totalReplicas', s.totalReplicas],
    ['inSyncReplicas', s.inSyncReplicas],
    ['autoCreateTopicEnable', 'false'],
    ['autoCreateSubscriptionGroup', 'false'],
    ['deleteWhen', String(s.deleteHour).padStart(2, '0')],
    ['fileReservedTime', s.fileReservedHours],
  ];
  return [
    `# Generated by cdk8s-architect: ${s.brokerName} brokerId ${s.brokerId} (${s.role}); the start script appends brokerIP1/brokerIP2.`,
    ...entries.map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
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

/**
 * The broker's start script: its ordinal's broker.conf plus the pod IP, then what mqbroker runs
 * (5.3.3: `sh runbroker.sh -Drmq.logback.configurationFile=$ROCKETMQ_HOME/conf/rmq.broker.logback.xml
 * org.apache.rocketmq.broker.BrokerStartup -c <conf>`) with the generated logback configuration: a
 * -D in JAVA_OPT_EXT would come before mqbroker's and lose.
 */
function brokerStartScript(): string {
  return supervisedScript([
    'ordinal="${HOSTNAME##*-}"',
    `src=${CONF_SOURCE_DIR}/broker-"$ordinal".conf`,
    `conf=${CONF_DIR}/broker.conf`,
    '[ -f "$src" ] || { echo "no broker configuration for ordinal $ordinal ($src)" >&2; exit 1; }',
    '{ cat "$src"; printf \'brokerIP1=%s\\nbrokerIP2=%s\\n\' "$POD_IP" "$POD_IP"; } > "$conf"',
  ], `sh "$ROCKETMQ_HOME/bin/runbroker.sh" -Drmq.logback.configurationFile=${CONF_SOURCE_DIR}/${BROKER_LOGBACK_FILE} org.apache.rocketmq.broker.BrokerStartup -c "$conf"`);
}

/** One step of the topics Job. */
interface AdminStep {
  readonly what: string;
  /** The start of the line mqadmin prints per master that applied the change. */
  readonly confirmation: string;
  readonly args: string[];
}

/**
 * The topics Job's script. mqadmin exits 0 even when its command failed, and `-c <cluster>`
 * silently skips masters that have not registered with the NameServers yet; so each step counts
 * the per-master confirmations it prints ("create topic to <addr> success.") and is repeated
 * (updateTopic and updateSubGroup overwrite with the same values) until every master confirmed.
 */
export function rocketMqTopicsScript(namesrvAddr: string, masters: number, steps: AdminStep[]): string {
  return [
    'set -eu',
    `namesrv=${sq(namesrvAddr)}`,
    `masters=${masters}`,
    'pause=10',
    'log() { echo "rocketmq-topics: $*"; }',
    'apply() {',
    '  what=$1; confirmation=$2; shift 2',
    '  attempt=1',
    '  while :; do',
    '    out=$("$ROCKETMQ_HOME/bin/mqadmin" "$@" -n "$namesrv" 2>&1) || true',
    '    confirmed=$(printf \'%s\\n\' "$out" | grep -c "^$confirmation to .* success\\.$") || true',
    '    if [ "$confirmed" -ge "$masters" ]; then log "$what: confirmed by $confirmed of $masters masters"; return 0; fi',
    `    if [ "$attempt" -ge ${JOB_ATTEMPTS} ]; then printf '%s\\n' "$out" >&2; log "$what: confirmed by $confirmed of $masters masters, giving up"; return 1; fi`,
    '    log "$what: confirmed by $confirmed of $masters masters, retrying in $pause s"',
    '    attempt=$((attempt + 1))',
    '    sleep "$pause"',
    '  done',
    '}',
    ...steps.map((s) => ['apply', sq(s.what), sq(s.confirmation), ...s.args.map(sq)].join(' ')),
    'log done',
    '',
  ].join('\n');
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
    fail(mq, `${what}.memoryLimitMebibytes ${r.memoryLimitMebibytes} is too small for a RocketMQ ${what === 'brokerResources' ? 'broker' : 'NameServer'} (the heap is half the limit)`,
      `give it at least ${minimum} MiB`);
  }
  return r;
}

/**
 * Apache RocketMQ 5.x without an operator: NameServers (a StatefulSet; brokers and clients list
 * every member) and classic master/slave broker groups (one StatefulSet each: ordinal 0 is the
 * master, SYNC_MASTER when it has slaves, the others its SLAVEs), configured by a broker.conf per
 * ordinal, and a Job that creates the declared topics and consumer groups with mqadmin. ACLs
 * (5.x authentication/authorization) are not configured: the NetworkPolicies are the access
 * control.
 *
 * Classic master/slave has no automatic failover: while a master is down its group accepts no
 * writes (producers send to the other groups, consumers read its messages from the slaves) until
 * it comes back with its volume. DLedger or Controller mode would elect a new master, at the
 * price of a Raft quorum per group or a controller ensemble and more moving parts; this engine
 * keeps the mode whose behaviour it can state exactly, and relies on several groups plus the
 * disruption budget (one broker of a group down at a time) for write availability.
 *
 * Verified against upstream sources: apache/rocketmq-docker (image-build/Dockerfile-ubuntu: user,
 * ROCKETMQ_HOME, ports, entrypoint; runbroker/runserver-customize.sh: heap computed from the
 * host's memory, `JAVA_OPT_EXT` appended last, GC log in /dev/shm; rocketmq-k8s-helm: tcpSocket
 * probes, one broker config per pod, POD_IP from the downward API, which apache/rocketmq-operator
 * writes as brokerIP1) and apache/rocketmq (mqbroker/mqnamesrv/mqadmin/tools.sh
 * scripts; MessageStoreConfig 5.x keys and defaults: storePathRootDir `${user.home}/store`,
 * storePathCommitLog derived from it, totalReplicas/inSyncReplicas default 1, which makes a
 * SYNC_MASTER acknowledge without its slaves; TopicValidator names; UpdateTopic/UpdateSubGroup
 * commands and their output; MQAdminStartup swallowing command failures; AttributeUtil rejecting
 * updates of unchangeable topic attributes; rmq.broker.logback.xml under `${user.home}/logs`).
 * Assumed: the 5.3.3 image writes nothing under /home/rocketmq besides the mounted directories, and
 * its JDK 8 takes the last -Xmx/-Xloggc of a command line (standard HotSpot behaviour).
 */
export class RocketMqEngine implements MessageQueueEngineImpl {
  public readonly kind = MessageQueueKind.ROCKETMQ;
  public readonly partitioned = true;

  constructor(private readonly options: RocketMqOptions) {}

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
    const replication = o.replication ?? RocketMqReplication.SYNC;
    const flushDiskType = o.flushDiskType ?? RocketMqFlushDiskType.ASYNC_FLUSH;
    const brokerResources = jvmMemory(mq, 'brokerResources', resolveResources(mq, arch.profile, o.brokerResources, production
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 768, memoryLimitMebibytes: 1024 }), 1024);
    const nameServerResources = jvmMemory(mq, 'nameServerResources', resolveResources(mq, arch.profile, o.nameServerResources, production
      ? { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 384, memoryLimitMebibytes: 512 }), 256);

    const clusterName = name;
    const letters = Array.from({ length: brokerGroups }, (_, i) => String.fromCharCode('a'.charCodeAt(0) + i));
    const brokerNames = letters.map((l) => objectName(mq, name, `broker-${l}`));
    const reserved = new Map<string, string>([[clusterName, 'cluster (brokerClusterName)'], ...brokerNames.map((b): [string, string] => [b, 'group (brokerName)'])]);
    validateTopics(mq, topics, reserved, replicasPerGroup);

    // A message is copied within its group only; SYNC_MASTER waits for the most copies any topic asks for.
    const inSyncReplicas = Math.max(1, ...topics.map((t) => t.replicationFactor ?? replicasPerGroup));
    const masterRole: RocketMqBrokerRole = replicasPerGroup > 1 && replication === RocketMqReplication.SYNC ? 'SYNC_MASTER' : 'ASYNC_MASTER';
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

    // ---- broker groups
    const heap = Math.floor(brokerResources.memoryLimitMebibytes / 2);
    const direct = Math.floor(brokerResources.memoryLimitMebibytes / 4);
    const brokerJavaOpts = `-Xms${heap}m -Xmx${heap}m -Xmn${Math.floor(heap / 4)}m -XX:MaxDirectMemorySize=${direct}m `
      + `-Xloggc:${LOG_DIR}/rmq_broker_gc.log ${java8GcLogRotation(BROKER_GC_LOG)} -Djna.tmpdir=/tmp`;
    const brokerLogback = renderLogback(rocketMqBrokerLogback(), `Generated by cdk8s-architect for the ${name} brokers: bounded file logs (rmq.broker.logback.xml of RocketMQ 5.3.3, smaller windows).`);
    const brokerLogSize = logVolumeMebibytes({ logback: rocketMqBrokerLogback(), gcLog: BROKER_GC_LOG });
    const groups = brokerNames.map((brokerName, g) => {
      const confs: Record<string, string> = {};
      for (let i = 0; i < replicasPerGroup; i++) {
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
        ],
        storage: { volumeName: 'store', mountPath: STORE_DIR, sizeGibibytes: storage, storageClassName: o.storageClassName },
        volumes: [{ name: 'config', configMap: { name: configMapName } }, ...logs.volumes, ...scratch.volumes],
        podAnnotations: { [ANNOTATION_CONFIG_HASH]: digest },
        // a clean shutdown unregisters from the NameServers and flushes the store
        terminationGracePeriodSeconds: 90,
        containers: () => [secureContainer({
          name: 'broker',
          image,
          command: ['bash', '-c', brokerStartScript()],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            // runbroker.sh sizes the heap from the node's memory (up to 8 GiB) and logs GC to
            // /dev/shm; it appends JAVA_OPT_EXT last, so these win
            { name: 'JAVA_OPT_EXT', value: brokerJavaOpts },
          ],
          ports: [
            { name: 'remoting', containerPort: BROKER_PORT },
            { name: 'ha', containerPort: HA_PORT },
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
      return cluster;
    });

    // ---- declared topics and consumer groups
    const groupTopics = new Map<string, string>();
    if (topics.length > 0) {
      const taskName = objectName(mq, name, 'topics');
      const task = new TaskPods(mq, 'topics', {
        architecture: arch,
        chart,
        name: taskName,
        namespace: ns,
        identity: { name, instance: `${arch.name}-${name}-topics`, component: 'topics', partOf: arch.name },
      });
      task.allowEgressTo(namesrv, tcp(NAMESRV_PORT));
      namesrv.allowIngressFrom(task, tcp(NAMESRV_PORT));
      for (const g of groups) {
        task.allowEgressTo(g, tcp(BROKER_PORT));
        g.allowIngressFrom(task, tcp(BROKER_PORT));
      }
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
      ]);
      // tools.sh puts JAVA_OPT before its own -Xms1g -Xmx1g (the last one wins): the limit leaves room for that heap
      const jobEnv: kplus.k8s.EnvVar[] = [{ name: 'JAVA_OPT', value: '-Dcom.rocketmq.sendMessageWithVIPChannel=false' }];
      const writable = writableVolumes(mq, [LOG_DIR, '/tmp'], 256);
      const container: kplus.k8s.Container = {
        ...secureContainer({
          name: 'topics',
          image,
          command: ['bash', '-c'],
          env: jobEnv,
          resources: { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 384, memoryLimitMebibytes: 1280 },
          volumeMounts: writable.mounts,
        }),
        args: lazy(() => [script()]),
      };
      task.job(task.podTemplate([container], UID, writable.volumes), {
        // A Job's template is immutable: the name carries a hash of what it does, so a new topic or
        // consumer group yields a new Job (every step is idempotent, so reruns are harmless).
        name: lazy(() => objectName(mq, taskName, createHash('sha256').update(JSON.stringify({ script: script(), env: jobEnv, image })).digest('hex').slice(0, 10))),
        backoffLimit: 6,
        activeDeadlineSeconds: 3600,
      });
    }

    // ---- what services get
    const p = mq.envPrefix;
    const endpoints: BindingEndpoint[] = [
      { workload: namesrv, ports: tcp(NAMESRV_PORT) },
      ...groups.map((g) => ({ workload: g, ports: tcp(BROKER_PORT) })),
    ];
    const connection = (): MessageQueueWiring => ({
      env: [
        { name: `${p}ADDRESS`, value: EnvValue.fromValue(namesrvAddr) },
        { name: `${p}NAMESRV_ADDR`, value: EnvValue.fromValue(namesrvAddr) },
      ],
      // clients look routes up on a NameServer, then talk to every broker directly (slaves too:
      // consumers read from them while a master is down)
      endpoints,
    });
    const topicVar = (t: ResolvedTopic): EnvVariable => ({ name: `${mq.topicEnvPrefix(t.name)}TOPIC`, value: EnvValue.fromValue(t.name) });
    return {
      connection: (_consumer: IWorkload) => connection(),
      producer: (t: ResolvedTopic, _consumer: IWorkload) => {
        const c = connection();
        return { env: [...c.env, topicVar(t)], endpoints: c.endpoints };
      },
      consumer: (t: ResolvedTopic, group: string, _consumer: IWorkload) => {
        const other = groupTopics.get(group);
        if (other !== undefined && other !== t.name) {
          fail(mq, `consumer group ${show(group)} is bound to topics ${show(other)} and ${show(t.name)}`,
            'give each topic its own consumer groups (RocketMQ groups are cluster-wide and all members of a group must subscribe to the same topics), '
            + `e.g. ${show(`${group}-${t.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`)}`);
        }
        groupTopics.set(group, t.name);
        const c = connection();
        return { env: [...c.env, topicVar(t), { name: `${mq.topicEnvPrefix(t.name)}GROUP`, value: EnvValue.fromValue(group) }], endpoints: c.endpoints };
      },
    };
  }
}
