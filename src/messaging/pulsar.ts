import { createHash } from 'crypto';
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { MessageQueueKind } from './engine';
import { DeployedMessageQueue, MessageQueueEngineImpl, MessageQueueWiring } from './engine-impl';
import type { MessageQueue } from './message-queue';
import { PulsarOptions } from './pulsar-options';
import { CleanupPolicy } from './topic';
import { ResolvedTopic } from './topic-internal';
import { EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { ComputeResources } from '../architecture/resources';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, WorkloadIdentityLabels } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { compareStrings, objectName, validateCronSchedule, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent, quorumMembers } from '../internal/platform';
import { secureContainer } from '../internal/pod';
import { resolveResources, ResolvedResources } from '../internal/profile-defaults';
import { KubernetesSecretWriter, sortWrittenSecrets, validateKubernetesApiCidr } from '../internal/secret-writer';
import { StatefulCluster } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/** The slim Pulsar image (no connectors), 4.0 LTS: the appVersion of apache/pulsar-helm-chart 4.7.0. */
export const PULSAR_DEFAULT_IMAGE = 'apachepulsar/pulsar:4.0.12';

/** Binary protocol (clients, proxy to broker). */
const PULSAR_PORT = 6650;
/** HTTP: admin REST API, lookups, /status.html, metrics (brokers, proxies, standalone). */
const HTTP_PORT = 8080;
const ZK_CLIENT_PORT = 2181;
const ZK_FOLLOWER_PORT = 2888;
const ZK_ELECTION_PORT = 3888;
const BOOKIE_PORT = 3181;
/** The bookie's HTTP server (probes, metrics). */
const BOOKIE_HTTP_PORT = 8000;
/**
 * The image's `pulsar` user (uid 10000, primary group 0). The image's writable directories are
 * owned by uid 10000 and the rest is world-readable, so the pods run as 10000:10000 with fsGroup
 * 10000 (the image's Dockerfile supports "any group id != 0"): group 0 is not needed.
 */
const UID = 10000;
const HOME = '/pulsar';
/** `statusFilePath`: /status.html answers 200 only while this file exists. */
const STATUS_FILE = `${HOME}/logs/status`;
const JVM_OPTS = 'export OPTS="${OPTS:-} -Dlog4j2.formatMsgNoLookups=true"';
/** JVM size of the command-line tools (zookeeper-shell, bookkeeper shell, pulsar-admin), as the chart's init steps use. */
const TOOL_MEM = '-Xms64m -Xmx128m -XX:MaxDirectMemorySize=64m';
const TOOL_RESOURCES: ResolvedResources = { cpuRequestMillis: 50, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 };
const COPY_RESOURCES: ResolvedResources = { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 };
/** The provisioning pod's `tokens` init container: python3 with ssl, json and urllib (about 30 MiB resident). */
const TOKEN_RESOURCES: ResolvedResources = { cpuRequestMillis: 10, cpuLimitMillis: 500, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 };

/** The mounted Secret with the HS256 key (`tokenSecretKey`), key `secret.key`. */
const KEY_DIR = `${HOME}/token-key`;
const KEY_FILE = `${KEY_DIR}/secret.key`;
/** A memory volume with the tokens a pod signs for itself (never on disk, never in an env var). */
const TOKEN_DIR = `${HOME}/tokens`;
/** Where a service mounts its token Secret: `<dir>/<queue>/token`. */
const CLIENT_DIR = '/etc/pulsar-client';
const TOKEN_PROVIDER = 'org.apache.pulsar.broker.authentication.AuthenticationProviderToken';
const TOKEN_CLIENT = 'org.apache.pulsar.client.impl.auth.AuthenticationToken';
/** The super-user roles: the provisioning Job, the brokers (their internal clients) and the proxies. */
const ADMIN_ROLE = 'admin';
const BROKER_ROLE = 'broker';
const PROXY_ROLE = 'proxy';

/** Pulsar's NamedEntity rule for tenants, namespaces, clusters and topics: `^[-=:.\w]*$` (ASCII `\w`). */
const NAMED_ENTITY = /^[-=:.\w]+$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HASH_LENGTH = 10;

/** Single-quotes a string for POSIX sh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/** Pulsar settings as `PULSAR_PREFIX_<key>` variables: apply-config-from-env.py sets each key whether or not the image's file lists it. */
function settingsEnv(settings: Record<string, string | number>): kplus.k8s.EnvVar[] {
  return Object.entries(settings).map(([key, value]) => ({ name: `PULSAR_PREFIX_${key}`, value: String(value) }));
}

/** `PULSAR_MEM` from the memory limit: heap and direct memory each a share of it (ZooKeeper, proxies). */
function pulsarMem(r: ResolvedResources, heapShare: number, directShare?: number): string {
  const heap = Math.floor(r.memoryLimitMebibytes * heapShare);
  const direct = directShare !== undefined ? ` -XX:MaxDirectMemorySize=${Math.floor(r.memoryLimitMebibytes * directShare)}m` : '';
  return `-Xms${heap}m -Xmx${heap}m${direct}`;
}

/** How a JVM's bookie uses RocksDB (BookKeeper's DbLedgerStorage keeps its entry-location index there, in native memory). */
enum PulsarRocksDb {
  /** No bookie in the JVM (brokers). */
  NONE = 'none',
  /** A bookie whose RocksDB sizes the library sets in bookkeeper.conf (production bookies). */
  TUNED = 'tuned',
  /** A bookie on bookkeeper.conf's defaults (standalone: its embedded bookie reads the image's conf/bookkeeper.conf). */
  DEFAULTS = 'defaults',
}

/** A Pulsar JVM's memory, in MiB, planned from its container limit. */
interface PulsarMemoryPlan {
  readonly limit: number;
  /** `-Xms`/`-Xmx`. */
  readonly heap: number;
  /** `-XX:MaxDirectMemorySize`: Netty's buffers, the broker's managed-ledger cache, the bookie's write and read-ahead caches. */
  readonly direct: number;
  /** The JVM's own memory outside heap and direct memory: metaspace, code cache, thread stacks, GC structures, malloc arenas. */
  readonly jvmOverhead: number;
  /** RocksDB's native memory (block cache plus up to 4 memtables of the entry-location index, 64 MiB for the ledger-metadata index). */
  readonly rocksDb: number;
  /** `dbStorage_rocksDB_blockCacheSize` in MiB (TUNED: set; DEFAULTS: BookKeeper's 10 % of direct memory). */
  readonly blockCache?: number;
  /** `dbStorage_rocksDB_writeBufferSizeMB` (TUNED: set; DEFAULTS: 64). */
  readonly writeBuffer?: number;
}

/** BookKeeper's KeyValueStorageRocksDB: `setMaxWriteBufferNumber(4)` for the entry-location index. */
const ROCKSDB_MEMTABLES = 4;
/** The ledger-metadata index (RocksDB defaults, a small database) and RocksDB's own structures. */
const ROCKSDB_OTHER_MEBIBYTES = 64;
/** The least heap (and direct memory) a broker or bookie is given. */
const MIN_PULSAR_HEAP = 256;

/**
 * Heap and direct memory for a broker, a bookie or the standalone server, from the container limit:
 * the JVM's own overhead (512 MiB for metaspace, code cache and threads, plus 1/8 of the limit for
 * GC structures and malloc arenas) and the bookie's RocksDB come off first, then heap and direct
 * memory share the rest equally (pulsar_env.sh's and bkenv.sh's defaults, 2g/4g and 2g/2g, assume a
 * machine, not a 2 GiB container). The production bookie's RocksDB is bounded in bookkeeper.conf: a
 * block cache of 5 % of the limit (at least 32 MiB) and 16 MiB memtables (BookKeeper's defaults are
 * 10 % of direct memory and 4 memtables of 64 MiB, up to 256 MiB).
 */
function pulsarMemoryPlan(limit: number, rocks: PulsarRocksDb): PulsarMemoryPlan {
  const jvmOverhead = 512 + Math.floor(limit / 8);
  const free = limit - jvmOverhead;
  if (rocks === PulsarRocksDb.TUNED) {
    const blockCache = Math.max(32, Math.floor(limit / 20));
    const writeBuffer = 16;
    const rocksDb = blockCache + ROCKSDB_MEMTABLES * writeBuffer + ROCKSDB_OTHER_MEBIBYTES;
    const share = Math.floor((free - rocksDb) / 2);
    return { limit, heap: share, direct: share, jvmOverhead, rocksDb, blockCache, writeBuffer };
  }
  if (rocks === PulsarRocksDb.DEFAULTS) {
    // the block cache is 10 % of direct memory: heap + direct + direct / 10 = what is left
    const share = Math.floor((free - ROCKSDB_MEMTABLES * 64 - ROCKSDB_OTHER_MEBIBYTES) / 2.1);
    const blockCache = Math.floor(share / 10);
    const rocksDb = blockCache + ROCKSDB_MEMTABLES * 64 + ROCKSDB_OTHER_MEBIBYTES;
    return { limit, heap: share, direct: share, jvmOverhead, rocksDb, blockCache, writeBuffer: 64 };
  }
  const share = Math.floor(free / 2);
  return { limit, heap: share, direct: share, jvmOverhead, rocksDb: 0 };
}

/** The least memory limit (a multiple of 128 MiB) whose plan gives heap and direct memory MIN_PULSAR_HEAP each. */
function minimumPulsarLimit(rocks: PulsarRocksDb): number {
  let limit = 512;
  while (pulsarMemoryPlan(limit, rocks).heap < MIN_PULSAR_HEAP) limit += 128;
  return limit;
}

/** `PULSAR_MEM` of a plan. */
function planMem(plan: PulsarMemoryPlan): string {
  return `-Xms${plan.heap}m -Xmx${plan.heap}m -XX:MaxDirectMemorySize=${plan.direct}m`;
}

/** A duration for pulsar-admin (`7d`, `12h`, `90m`, `45s`): whole seconds in the largest exact unit. */
export function pulsarRelativeTime(millis: number): string {
  const seconds = Math.ceil(millis / 1000);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as Array<[string, number]>) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function contentHash(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, HASH_LENGTH);
}

function tcp(...ports: number[]): NetworkPort[] {
  return ports.map((port) => ({ port, protocol: Protocol.TCP }));
}

/** Lets `from` reach `to` on `ports` (egress on one side, the matching ingress on the other). */
function wire(from: IWorkload, to: IWorkload, ports: NetworkPort[]): void {
  from.allowEgressTo(to, ports);
  to.allowIngressFrom(from, ports);
}

function httpGet(path: string): Pick<kplus.k8s.Probe, 'httpGet'> {
  return { httpGet: { path, port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' } };
}

/**
 * The writable directories every Pulsar container needs with a read-only root filesystem:
 * `conf/` (a copy of the image's, which the start commands rewrite with apply-config-from-env.py),
 * `logs/` (log files, GC log, PID file, status file) and `/tmp` (java.io.tmpdir: NAR and native
 * library extraction). Servers without a data volume also get the `pulsar` user's home
 * (`/pulsar/data`).
 */
function runtimeVolumes(home: boolean): { volumes: kplus.k8s.Volume[]; mounts: kplus.k8s.VolumeMount[] } {
  const dirs: Array<[string, string, string]> = [
    ['conf', `${HOME}/conf`, '16Mi'],
    ['logs', `${HOME}/logs`, '1Gi'],
    ['tmp', '/tmp', '1Gi'],
    ...(home ? [['home', `${HOME}/data`, '64Mi'] as [string, string, string]] : []),
  ];
  return {
    volumes: dirs.map(([name, , size]) => ({ name, emptyDir: { sizeLimit: k8s.Quantity.fromString(size) } })),
    mounts: dirs.map(([name, mountPath]) => ({ name, mountPath })),
  };
}

/** The init container that copies the image's conf/ into the writable `conf` volume. */
function copyConf(image: string): kplus.k8s.Container {
  return secureContainer({
    name: 'copy-conf',
    image,
    command: ['sh', '-c', `cp -R ${HOME}/conf/. /conf-rw/`],
    resources: COPY_RESOURCES,
    volumeMounts: [{ name: 'conf', mountPath: '/conf-rw' }],
  });
}

/** Validates a Pulsar tenant, namespace or cluster name. */
function validateNamedEntity(scope: IConstruct, what: string, value: string): string {
  if (typeof value !== 'string' || !NAMED_ENTITY.test(value)) {
    fail(scope, `${what} ${show(value)} is not a valid Pulsar name`,
      'use letters, digits, "_", "-", "=", ":" and "." only (Pulsar\'s NamedEntity rule), e.g. "shop" or "order-events"');
  }
  return value;
}

function componentResources(
  mq: MessageQueue, what: string, user: ComputeResources | undefined, base: ResolvedResources, minMebibytes: number, why: string,
): ResolvedResources {
  const r = resolveResources(mq, mq.architecture.profile, user, base);
  if (r.memoryLimitMebibytes < minMebibytes) {
    fail(mq, `${what}.resources.memoryLimitMebibytes ${r.memoryLimitMebibytes} is too small for ${why}`, `give it at least ${minMebibytes} MiB`);
  }
  return r;
}

/**
 * Python (the image's python3, standard library only) that signs a token as `bin/pulsar tokens
 * create --secret-key file://... --subject <role> [--expiry-time ...]` does: an HS256 JWT, header
 * `{"alg":"HS256"}`, payload `{"sub":"<role>"}` plus `"exp"` (seconds since the epoch) when given,
 * the MAC keyed with the raw bytes of the key file (what `tokenSecretKey=file://` reads).
 */
const SIGN_PY = [
  'import base64, hashlib, hmac, json, sys',
  'def b64(b):',
  '    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()',
  `with open(${JSON.stringify(KEY_FILE)}, "rb") as f:`,
  '    KEY = f.read()',
  'if len(KEY) < 32:',
  `    sys.exit("pulsar-tokens: the key in ${KEY_FILE} has %d bytes; HS256 needs at least 32 random bytes (openssl rand 32 > secret.key)" % len(KEY))`,
  'def mac(m):',
  '    return b64(hmac.new(KEY, m.encode(), hashlib.sha256).digest())',
  'def sign(role, exp=None):',
  '    part = lambda o: b64(json.dumps(o, separators=(",", ":")).encode())',
  '    claims = {"sub": role}',
  '    if exp is not None:',
  '        claims["exp"] = exp',
  '    m = part({"alg": "HS256"}) + "." + part(claims)',
  '    return m + "." + mac(m)',
];

/** `tokenLifetime` in seconds: whole hours from 1 to 365 days, renewed by a CronJob. */
function tokenLifetime(mq: MessageQueue, value: Duration | undefined, reprovisionSchedule: string): number {
  const seconds = (value ?? Duration.days(7)).toSeconds();
  if (!Number.isInteger(seconds / 3600) || seconds < 86_400 || seconds > 365 * 86_400) {
    fail(mq, `tokenLifetime of ${seconds} s is not a whole number of hours from 1 to 365 days`, 'use e.g. Duration.days(7) (the default)');
  }
  if (reprovisionSchedule === '') {
    fail(mq, 'reprovisionSchedule "" leaves the services\' tokens to expire after tokenLifetime with nothing to renew them',
      'keep a schedule (the default "41 * * * *"), or turn authentication off for a throwaway cluster');
  }
  return seconds;
}

/** A start-script line that signs `role`'s token into TOKEN_DIR/<role>, readable by the process only. */
function signTokenLine(role: string): string {
  return `(umask 077 && python3 -c ${sq([...SIGN_PY, 'print(sign(sys.argv[1]))', ''].join('\n'))} ${sq(role)} > ${TOKEN_DIR}/${role})`;
}

/** What a Pulsar server (broker, proxy, standalone) adds for token authentication. */
interface ServerAuth {
  /** `PULSAR_PREFIX_` settings. */
  readonly settings: Record<string, string>;
  /** Start-script lines before `apply-config-from-env.py` (sign the server's own token). */
  readonly script: string[];
  readonly volumes: kplus.k8s.Volume[];
  readonly mounts: kplus.k8s.VolumeMount[];
  readonly annotations?: Record<string, string>;
}

/**
 * Token authentication of a broker or standalone server (`broker`: authentication and
 * authorization, the proxies' role trusted to forward the client's credentials) or a proxy
 * (authentication; the brokers authorize the forwarded client role). The server's internal client
 * (broker to broker, proxy to broker) uses the token it signs at start, read from its file.
 */
function serverAuth(auth: PulsarAuth | undefined, kind: 'broker' | 'proxy'): ServerAuth {
  if (!auth) return { settings: {}, script: [], volumes: [], mounts: [] };
  const role = kind === 'broker' ? BROKER_ROLE : PROXY_ROLE;
  return {
    settings: {
      authenticationEnabled: 'true',
      authenticationProviders: TOKEN_PROVIDER,
      // the raw bytes of the file are the key (AuthTokenUtils.readKeyFromUrl)
      tokenSecretKey: `file://${KEY_FILE}`,
      ...(kind === 'broker'
        ? {
          authorizationEnabled: 'true',
          superUserRoles: [ADMIN_ROLE, BROKER_ROLE, PROXY_ROLE].join(','),
          // a proxy always sends the client's role as the original principal; the broker accepts
          // it only from a proxy role and checks both (the proxy, a super user, always passes)
          proxyRoles: PROXY_ROLE,
        }
        // the proxy authenticates clients and hands their credentials to the broker, which authorizes
        : { forwardAuthorizationCredentials: 'true' }),
      brokerClientAuthenticationPlugin: TOKEN_CLIENT,
      brokerClientAuthenticationParameters: `file://${TOKEN_DIR}/${role}`,
    },
    script: [signTokenLine(role)],
    ...tokenVolumes(auth),
    annotations: { [ANNOTATION_EXTERNAL_SECRETS]: auth.keySecret },
  };
}

/** The key Secret (read-only, group-readable through fsGroup) and the memory volume for signed tokens. */
function tokenVolumes(auth: PulsarAuth): { volumes: kplus.k8s.Volume[]; mounts: kplus.k8s.VolumeMount[] } {
  return {
    volumes: [
      { name: 'token-key', secret: { secretName: auth.keySecret, items: [{ key: 'secret.key', path: 'secret.key' }], defaultMode: 0o440 } },
      { name: 'tokens', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
    ],
    mounts: [{ name: 'token-key', mountPath: KEY_DIR, readOnly: true }, { name: 'tokens', mountPath: TOKEN_DIR }],
  };
}

/** A service's token, written by the provisioning Job into a Secret in the service's namespace. */
export interface PulsarTokenSecret {
  readonly namespace: string;
  readonly secretName: string;
  /** The role (`<namespace>.<service>`), the token's subject. */
  readonly role: string;
}

/**
 * The provisioning Job's `tokens` init container (python3 from the image): signs the admin token
 * into TOKEN_DIR/admin for the pulsar-admin container, then writes each service's token, valid for
 * `lifetimeSeconds`, into its Secret through the Kubernetes API (the pod's ServiceAccount token and
 * CA). A Secret whose token this key signed for the same role and that stays valid for more than
 * half the lifetime is left alone, so reruns write nothing until a token is due or the key changes.
 */
export function pulsarTokenScript(partOf: string, secrets: PulsarTokenSecret[], lifetimeSeconds: number): string {
  const wanted = secrets.map((x) => ({ namespace: x.namespace, name: x.secretName, role: x.role }));
  return [
    ...SIGN_PY,
    'import os, ssl, time, urllib.error, urllib.request',
    'def log(m):',
    '    print("pulsar-tokens: " + m, flush=True)',
    'os.umask(0o077)',
    `with open(${JSON.stringify(`${TOKEN_DIR}/${ADMIN_ROLE}`)}, "w") as f:`,
    `    f.write(sign(${JSON.stringify(ADMIN_ROLE)}))`,
    `log("signed the ${ADMIN_ROLE} token")`,
    `SECRETS = ${JSON.stringify(wanted)}`,
    `LABELS = ${JSON.stringify({ [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_PART_OF]: partOf })}`,
    'SA = "/var/run/secrets/kubernetes.io/serviceaccount"',
    'API = "https://kubernetes.default.svc"',
    'if SECRETS:',
    '    ctx = ssl.create_default_context(cafile=SA + "/ca.crt")',
    '    with open(SA + "/token") as f:',
    '        bearer = f.read().strip()',
    'def call(method, path, body=None):',
    '    data = None if body is None else json.dumps(body).encode()',
    '    req = urllib.request.Request(API + path, data=data, method=method,',
    '                                 headers={"Authorization": "Bearer " + bearer, "Accept": "application/json", "Content-Type": "application/json"})',
    '    try:',
    '        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:',
    '            return r.status, json.load(r)',
    '    except urllib.error.HTTPError as e:',
    '        return e.code, e.read().decode("utf-8", "replace")',
    `LIFETIME = ${lifetimeSeconds}`,
    'NOW = int(time.time())',
    '# seconds the token in a Secret stays valid, if this key signed it for the role; else 0',
    'def valid_for(data, role):',
    '    try:',
    '        h, p, s = base64.b64decode(data["token"]).decode().split(".")',
    '        claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))',
    '        if not hmac.compare_digest(s, mac(h + "." + p)) or claims.get("sub") != role or not isinstance(claims.get("exp"), int):',
    '            return 0',
    '        return max(0, claims["exp"] - NOW)',
    '    except Exception:',
    '        return 0',
    'for s in SECRETS:',
    '    ns, name = s["namespace"], s["name"]',
    '    data = {"token": base64.b64encode(sign(s["role"], NOW + LIFETIME).encode()).decode()}',
    '    body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name, "namespace": ns, "labels": LABELS}, "data": data}',
    '    where = "/api/v1/namespaces/%s/secrets" % ns',
    '    code, have = call("GET", where + "/" + name)',
    '    if code == 200:',
    '        left = valid_for(have.get("data") or {}, s["role"])',
    '        if left > LIFETIME // 2 and all(have["metadata"].get("labels", {}).get(k) == v for k, v in LABELS.items()):',
    '            log("Secret %s/%s holds a token of %s valid for %d more hours" % (ns, name, s["role"], left // 3600))',
    '            continue',
    '        code, out = call("PUT", where + "/" + name, body)',
    '    elif code == 404:',
    '        code, out = call("POST", where, body)',
    '    else:',
    '        sys.exit("pulsar-tokens: reading Secret %s/%s: HTTP %d %s" % (ns, name, code, have))',
    '    if code not in (200, 201):',
    '        sys.exit("pulsar-tokens: writing Secret %s/%s: HTTP %d %s" % (ns, name, code, out))',
    '    log("Secret %s/%s written with the token of %s" % (ns, name, s["role"]))',
    'log("done")',
    '',
  ].join('\n');
}

/** A declared topic as Pulsar provisions it. */
export interface PulsarTopicPlan {
  /** `persistent://<tenant>/<namespace>/<topic>`. */
  readonly name: string;
  readonly partitions: number;
  /** Topic-level retention and TTL, when they differ from the namespace's. */
  readonly retention?: string;
  /** Topic-level persistence (ensemble, write and ack quorum) from the topic's replication factor. */
  readonly persistence?: { readonly ensemble: number; readonly write: number; readonly ack: number };
  /** Compaction threshold in MiB (`CleanupPolicy.COMPACT`). */
  readonly compactionThresholdMebibytes?: number;
  /** Durable subscriptions (the consumer groups). */
  readonly subscriptions: string[];
  /** With authentication: each role's actions on the topic (`produce`, `consume`), by role. */
  readonly permissions?: PulsarPermission[];
}

/** A role's actions on a topic. */
export interface PulsarPermission {
  readonly role: string;
  /** `produce` and/or `consume`, sorted. */
  readonly actions: string[];
}

/** The roles allowed on a subscription of the namespace (Pulsar then refuses every other role on it). */
export interface PulsarSubscriptionRoles {
  readonly subscription: string;
  readonly roles: string[];
}

/** What the provisioning Job creates. */
export interface PulsarProvisionPlan {
  readonly cluster: string;
  readonly tenant: string;
  readonly namespace: string;
  /** Namespace retention and message TTL (the longest retention of the topics). */
  readonly retention: string;
  readonly topics: PulsarTopicPlan[];
  /** Token authentication: pulsar-admin uses the admin token the init container signed. */
  readonly authentication?: boolean;
  /** With authentication: the roles of each subscription (consumer group), sorted by subscription. */
  readonly subscriptionRoles?: PulsarSubscriptionRoles[];
}

/** A service's role on the queue, and what its bindings allow it. */
interface PulsarRole extends PulsarTokenSecret {
  /** Topics it produces. */
  readonly produces: Set<string>;
  /** Topics it consumes -> its consumer groups on them. */
  readonly consumes: Map<string, Set<string>>;
}

/** How services get their role on the queue. */
interface PulsarRoles {
  /** "<namespace>/<name>" of the Job that writes the token Secrets. */
  readonly jobRef: string;
  /** The service's role (created on first use). */
  role(consumer: IWorkload): PulsarRole;
}

/** The permissions on `topic` of every role that produces or consumes it, by role. */
function topicPermissions(roles: PulsarRole[], topic: string): PulsarPermission[] {
  return roles
    .map((r) => ({ role: r.role, actions: [...(r.consumes.has(topic) ? ['consume'] : []), ...(r.produces.has(topic) ? ['produce'] : [])] }))
    .filter((p) => p.actions.length > 0)
    .sort((a, b) => compareStrings(a.role, b.role));
}

/** Each subscription's roles: the services that consume as that consumer group (on any topic of the namespace). */
function subscriptionRoles(roles: PulsarRole[]): PulsarSubscriptionRoles[] {
  const bySubscription = new Map<string, Set<string>>();
  for (const r of roles) {
    for (const groups of r.consumes.values()) {
      for (const g of groups) {
        if (!bySubscription.has(g)) bySubscription.set(g, new Set());
        bySubscription.get(g)!.add(r.role);
      }
    }
  }
  return [...bySubscription.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([subscription, set]) => ({ subscription, roles: [...set].sort(compareStrings) }));
}

/**
 * The provisioning script (busybox sh + pulsar-admin against `$ADMIN_URL`). Every step converges:
 * creations that answer "already exists" (HTTP 409) count as done, policies are set (not added),
 * partitioned topics grow to the declared partition count (Pulsar cannot shrink them), and nothing
 * is deleted. Subscriptions are created durable at the topic's end, so a consumer group keeps
 * every message published after the Job ran, even before its first consumer connects.
 */
export function pulsarProvisionScript(plan: PulsarProvisionPlan): string {
  const ns = `${plan.tenant}/${plan.namespace}`;
  const lines = [
    'set -eu',
    'log() { echo "pulsar-provision: $*"; }',
    plan.authentication
      // the admin token the init container signed, read from its file by AuthenticationToken
      ? `admin() { bin/pulsar-admin --admin-url "$ADMIN_URL" --auth-plugin ${TOKEN_CLIENT} --auth-params file://${TOKEN_DIR}/${ADMIN_ROLE} "$@"; }`
      : 'admin() { bin/pulsar-admin --admin-url "$ADMIN_URL" "$@"; }',
    '# create <what> <pulsar-admin args...>: an object that already exists is fine',
    'create() {',
    '  what=$1; shift',
    '  if out=$(admin "$@" 2>&1); then log "$what: created"',
    '  elif echo "$out" | grep -qiE "already exist|conflict|409"; then log "$what: exists"',
    '  else echo "$out" >&2; log "$what: failed"; exit 1; fi',
    '}',
    '# partitioned <topic> <partitions>: create, or grow an existing partitioned topic',
    'partitioned() {',
    '  create "topic $1" topics create-partitioned-topic "$1" --partitions "$2"',
    '  have=$(admin topics get-partitioned-topic-metadata "$1" | tr -d \' \\n\' | sed -n \'s/.*"partitions":\\([0-9]*\\).*/\\1/p\')',
    '  have=${have:-0}',
    '  if [ "$have" -eq 0 ]; then log "$1 exists as a non-partitioned topic; delete it or rename the declared topic"; exit 1; fi',
    '  if [ "$have" -lt "$2" ]; then admin topics update-partitioned-topic "$1" --partitions "$2"; log "$1: $have -> $2 partitions"; fi',
    '  if [ "$have" -gt "$2" ]; then log "$1 keeps its $have partitions (Pulsar cannot remove partitions)"; fi',
    '}',
    ...(plan.authentication ? [
      '# revoke_stale <topic> <roles...>: the topic-level permissions of every other role are revoked (services that',
      '# no longer use the topic); a role with only namespace-level permissions is reported and left alone',
      'revoke_stale() {',
      '  topic=$1; shift',
      '  permissions=$(admin topics permissions "$topic")',
      '  roles=$(printf \'%s\' "$permissions" | python3 -c \'import json, sys; print("\\n".join(sorted(json.load(sys.stdin))))\')',
      '  set -f  # a role name is never a file pattern',
      '  for role in $roles; do',
      '    keep=no; for r in "$@"; do if [ "$r" = "$role" ]; then keep=yes; fi; done',
      '    if [ "$keep" = yes ]; then continue; fi',
      '    if out=$(admin topics revoke-permission "$topic" --role "$role" 2>&1); then log "$role: permissions on $topic revoked"',
      '    else log "$role keeps what the namespace grants on $topic ($out)"; fi',
      '  done',
      '  set +f',
      '}',
    ] : []),
    `until admin clusters get ${sq(plan.cluster)} >/dev/null 2>&1; do log "waiting for $ADMIN_URL"; sleep 5; done`,
    `create ${sq(`tenant ${plan.tenant}`)} tenants create ${sq(plan.tenant)} --allowed-clusters ${sq(plan.cluster)}`,
    `create ${sq(`namespace ${ns}`)} namespaces create ${sq(ns)} --clusters ${sq(plan.cluster)}`,
    `admin namespaces set-retention ${sq(ns)} --time ${plan.retention} --size -1`,
    `admin namespaces set-message-ttl ${sq(ns)} --messageTTL ${plan.retention}`,
  ];
  for (const t of plan.topics) {
    const topic = sq(t.name);
    lines.push(t.partitions > 1 ? `partitioned ${topic} ${t.partitions}` : `create ${sq(`topic ${t.name}`)} topics create ${topic}`);
    if (t.retention !== undefined) {
      lines.push(`admin topics set-retention ${topic} --time ${t.retention} --size -1`, `admin topics set-message-ttl ${topic} --ttl ${t.retention}`);
    }
    if (t.persistence) {
      const p = t.persistence;
      lines.push(`admin topics set-persistence ${topic} --bookkeeper-ensemble ${p.ensemble} --bookkeeper-write-quorum ${p.write} --bookkeeper-ack-quorum ${p.ack}`);
    }
    if (t.compactionThresholdMebibytes !== undefined) {
      lines.push(`admin topics set-compaction-threshold ${topic} --threshold ${t.compactionThresholdMebibytes}M`);
    }
    for (const s of t.subscriptions) {
      lines.push(`create ${sq(`subscription ${s} of ${t.name}`)} topics create-subscription ${topic} --subscription ${sq(s)}`);
    }
    // a grant sets the role's actions on the topic (a rerun changes nothing)
    for (const p of t.permissions ?? []) {
      lines.push(`admin topics grant-permission ${topic} --role ${sq(p.role)} --actions ${p.actions.join(',')}`, `log ${sq(`${p.role} may ${p.actions.join(' and ')} ${t.name}`)}`);
    }
    if (plan.authentication) lines.push(`revoke_stale ${topic}${(t.permissions ?? []).map((p) => ` ${sq(p.role)}`).join('')}`);
  }
  // only the consumer group's services may use its subscription (on every topic of the namespace)
  for (const r of plan.subscriptionRoles ?? []) {
    lines.push(`admin namespaces grant-subscription-permission ${sq(ns)} --subscription ${sq(r.subscription)} --roles ${sq(r.roles.join(','))}`,
      `log ${sq(`subscription ${r.subscription}: ${r.roles.join(', ')}`)}`);
  }
  lines.push('log done', '');
  return lines.join('\n');
}

/** A topic's ensemble, write and ack quorum for its replication factor `rf` (validated to be at most the bookies). */
function topicPersistence(s: Settings, rf: number): { ensemble: number; write: number; ack: number } {
  return { ensemble: Math.max(s.ensemble, rf), write: rf, ack: Math.min(s.ack, rf) };
}

/** Everything `_deploy` resolved and validated before creating objects. */
interface Settings {
  readonly production: boolean;
  readonly image: string;
  readonly cluster: string;
  readonly tenant: string;
  readonly namespace: string;
  readonly bookies: number;
  readonly ensemble: number;
  readonly write: number;
  readonly ack: number;
  readonly compactionThresholdMebibytes: number;
  readonly storageClassName?: string;
  /** Token authentication (authentication on). */
  readonly auth?: PulsarAuth;
  readonly reprovisionSchedule: string;
}

/** Token authentication, validated. */
interface PulsarAuth {
  /** The Secret with the key (`secret.key`). */
  readonly keySecret: string;
  readonly apiCidr?: string;
  /** How long the services' tokens are valid. */
  readonly tokenLifetimeSeconds: number;
}

/** The production options, validated. */
interface ProductionSizes {
  readonly zkMembers: number;
  readonly zkStorage: number;
  readonly bkStorage: number;
  readonly brokers: number;
  readonly proxies: number;
  readonly zkResources: ResolvedResources;
  readonly bkResources: ResolvedResources;
  readonly brokerResources: ResolvedResources;
  readonly proxyResources: ResolvedResources;
}

/** What every production component is built from. */
interface ClusterContext {
  readonly mq: MessageQueue;
  readonly chart: Chart;
  readonly s: Settings;
  readonly identity: (component: string) => WorkloadIdentityLabels;
}

/** How components reach the ZooKeeper ensemble. */
interface MetadataStore {
  /** `host:2181,...`, one entry per member. */
  readonly connect: string;
  /** `zk:host:2181,...` (metadataStoreUrl). */
  readonly url: string;
  /** The bookkeeper.conf settings that point BookKeeper at it. */
  readonly bookkeeper: Record<string, string>;
}

/** JVM sizes of the command-line tools. */
function toolEnv(): kplus.k8s.EnvVar[] {
  return [{ name: 'PULSAR_MEM', value: TOOL_MEM }, { name: 'BOOKIE_MEM', value: TOOL_MEM }];
}

/**
 * Apache Pulsar 4.0 without an operator. Development: one `pulsar standalone` member (metadata
 * store, bookie and broker in one JVM) on an emptyDir. Production: a ZooKeeper ensemble, BookKeeper
 * bookies (journal and ledgers in two directories of one claim, as the chart's
 * `useSingleCommonVolume`), brokers and proxies, each a StatefulSet except the proxies (a
 * Deployment); a Job formats the BookKeeper metadata and another runs
 * `initialize-cluster-metadata`, both only when it is missing; bookies wait for the first,
 * brokers for the second. Clients connect to the proxies. A provisioning Job creates the tenant,
 * the namespace with its retention, the topics and a durable subscription per consumer group.
 *
 * Verified against upstream sources: apache/pulsar-helm-chart (zookeeper, bookkeeper, broker,
 * proxy and standalone templates and configmaps, `bookkeeper-cluster-initialize.yaml`,
 * `pulsar-cluster-initialize.yaml`, `_bookkeeper.tpl`, `_broker.tpl`, values.yaml): start
 * commands, config keys, init checks (`bookkeeper shell whatisinstanceid`, the
 * `/admin/clusters/<cluster>` znode), the broker's wait for its old registration znode, probes,
 * ports; apache/pulsar: docker/pulsar/Dockerfile (uid 10000, directories owned by 10000:0, busybox,
 * coreutils), apply-config-from-env.py (`PULSAR_PREFIX_` adds missing keys), VipStatus
 * (statusFilePath), NamedEntity (`[-=:.\w]`), TopicName; pulsar-site reference
 * (`initialize-cluster-metadata` flags, pulsar-admin tenants/namespaces/topics 3.x flags).
 * Assumptions: the 4.0.12 image matches the Dockerfile read (Alpine, busybox `nc`/`sed`); the
 * 3.x pulsar-admin flags are unchanged in 4.0; pulsar-admin reports an existing object with
 * "already exists"/409; Pulsar writes nothing outside conf/, logs/, data/ and /tmp.
 *
 * Token authentication (the default), verified against pulsar-broker-common and pulsar-client-tools
 * 4.0.8 sources and the chart's JWT settings: `AuthenticationProviderToken` with
 * `tokenSecretKey=file://...` (AuthTokenUtils.readKeyFromUrl: the file's raw bytes; jjwt 0.11.1's
 * `Keys.hmacShaKeyFor` refuses fewer than 32); `/status.html` and the broker's `/metrics`
 * (`authenticateMetricsEndpoint` false) stay unauthenticated, so probes and scrapes are unchanged;
 * a proxy always sends the client's role as the original principal, which the broker accepts only
 * from a role in `proxyRoles` and authorizes together with the proxy's role (a super user, so the
 * client's role decides); `AuthenticationToken` reads `file://` parameters at each use;
 * `pulsar-admin --auth-plugin/--auth-params`, `topics grant-permission --role --actions`,
 * `topics revoke-permission`, `namespaces grant-subscription-permission --subscription --roles`
 * (comma-separated). Subscription permissions restrict a subscription to the listed roles; the
 * role also needs `consume` on the topic. The tokens the pods sign are byte-identical to `bin/pulsar
 * tokens create`'s for a 32-to-47-byte key (HS256; for a longer key Pulsar's own tool picks HS384
 * or HS512, and HS256 tokens are still accepted).
 */
export class PulsarEngine implements MessageQueueEngineImpl {
  public readonly kind = MessageQueueKind.PULSAR;
  public readonly partitioned = true;

  constructor(private readonly options: PulsarOptions) {}

  public _deploy(mq: MessageQueue, topics: ResolvedTopic[]): DeployedMessageQueue {
    // every option is validated before the first object is created
    const s = this.validate(mq, topics);
    if (s.production) {
      const sizes = this.productionSizes(mq);
      return this.deployCluster(mq, deployPlatformComponent(mq, mq), s, sizes, topics);
    }
    const sizes = this.standaloneSizes(mq);
    return this.deployStandalone(mq, deployPlatformComponent(mq, mq), s, sizes, topics);
  }

  // ---------------------------------------------------------------- validation

  private validate(mq: MessageQueue, topics: ResolvedTopic[]): Settings {
    const o = this.options;
    const production = mq.architecture.profile === Profile.PRODUCTION;
    const image = o.image ?? PULSAR_DEFAULT_IMAGE;
    validateImage(mq, image);
    const cluster = validateNamedEntity(mq, 'clusterName', o.clusterName ?? mq.componentName);
    if (cluster === 'global') {
      fail(mq, 'clusterName "global" is reserved by Pulsar (the marker of global namespaces)', 'choose another cluster name, e.g. the component\'s name');
    }
    const tenant = validateNamedEntity(mq, 'tenant', o.tenant ?? mq.architecture.name);
    const namespace = validateNamedEntity(mq, 'namespace', o.namespace ?? mq.componentName);
    if (o.storageClassName !== undefined && !DNS_SUBDOMAIN.test(o.storageClassName)) {
      fail(mq, `storageClassName ${show(o.storageClassName)} is not a valid StorageClass name`, 'use a DNS subdomain name such as "standard" or "gp3"');
    }

    // Replication is validated against the production topology in both profiles (the same
    // declaration must hold in production); the development profile's single bookie keeps one copy.
    const bookies = validateInteger(mq, 'bookkeeper.bookies', o.bookkeeper?.bookies ?? 4, 1, 99,
      'use at least as many bookies as the ensemble size (4 lets one be drained)');
    const where = `the ${bookies} bookie${bookies === 1 ? '' : 's'}`;
    const ensemble = validateInteger(mq, 'ensembleSize', o.ensembleSize ?? Math.min(3, bookies), 1, 99, 'use at least 1 bookie per ledger');
    const write = validateInteger(mq, 'writeQuorum', o.writeQuorum ?? Math.min(3, ensemble), 1, 99, 'write each entry at least once');
    const ack = validateInteger(mq, 'ackQuorum', o.ackQuorum ?? Math.min(2, write), 1, 99, 'wait for at least 1 acknowledgement');
    if (ack > write) {
      fail(mq, `ackQuorum ${ack} exceeds writeQuorum ${write} (an entry cannot be acknowledged by more bookies than it is written to)`,
        `lower ackQuorum to at most ${write}, or raise writeQuorum`);
    }
    if (write > ensemble) {
      fail(mq, `writeQuorum ${write} exceeds ensembleSize ${ensemble} (each entry is written to bookies of its ledger's ensemble)`,
        `lower writeQuorum to at most ${ensemble}, or raise ensembleSize`);
    }
    if (ensemble > bookies) {
      fail(mq, `ensembleSize ${ensemble} exceeds ${where}: no ledger could be created`, `lower ensembleSize to at most ${bookies}, or raise bookkeeper.bookies`);
    }
    // generated names (the provisioning Job's carries a content hash) must stay DNS labels
    objectName(mq, mq.componentName, 'provision', 'x'.repeat(HASH_LENGTH));
    const compactionThresholdMebibytes = validateInteger(mq, 'compactionThresholdMebibytes', o.compactionThresholdMebibytes ?? 100, 1, 1_048_576,
      'use a whole number of MiB from 1 to 1048576');

    for (const t of topics) {
      if (!NAMED_ENTITY.test(t.name)) {
        fail(mq, `topic ${show(t.name)} is not a valid Pulsar topic name`, 'use letters, digits, "_", "-", "=", ":" and "." only, e.g. "order-created"');
      }
      if (t.name.includes('-partition-')) {
        fail(mq, `topic ${show(t.name)} contains "-partition-", the suffix Pulsar gives the partitions of a partitioned topic`, 'rename the topic');
      }
      if (t.replicationFactor !== undefined && t.replicationFactor > bookies) {
        fail(mq, `topic ${show(t.name)} replicationFactor ${t.replicationFactor} exceeds ${where}`,
          `use at most ${bookies} copies, leave replicationFactor unset (writeQuorum ${write} applies), or raise bookkeeper.bookies`);
      }
    }
    const authentication = o.authentication ?? true;
    if (typeof authentication !== 'boolean') {
      fail(mq, `authentication ${show(authentication)} is not a boolean`, 'use true (the default: token authentication and authorization) or false (no authentication, a throwaway cluster)');
    }
    if (!authentication) {
      for (const [what, value] of [['tokenKeySecret', o.tokenKeySecret], ['kubernetesApiCidr', o.kubernetesApiCidr], ['tokenLifetime', o.tokenLifetime]] as const) {
        if (value !== undefined) fail(mq, `${what} is set but authentication is false`, `remove ${what}, or turn authentication on (the default)`);
      }
    }
    const reprovisionSchedule = validateCronSchedule(mq, 'reprovisionSchedule', o.reprovisionSchedule ?? '41 * * * *', '41 * * * *');
    const auth: PulsarAuth | undefined = authentication
      ? {
        keySecret: validateDnsLabel(mq, 'tokenKeySecret', o.tokenKeySecret ?? `${mq.componentName}-token-key`),
        apiCidr: validateKubernetesApiCidr(mq, o.kubernetesApiCidr),
        tokenLifetimeSeconds: tokenLifetime(mq, o.tokenLifetime, reprovisionSchedule),
      }
      : undefined;
    return {
      production,
      image,
      auth,
      reprovisionSchedule,
      cluster,
      tenant,
      namespace,
      bookies: production ? bookies : 1,
      ...(production ? { ensemble, write, ack } : { ensemble: 1, write: 1, ack: 1 }),
      compactionThresholdMebibytes,
      storageClassName: o.storageClassName,
    };
  }

  // ---------------------------------------------------------------- development: standalone

  private standaloneSizes(mq: MessageQueue): { resources: ResolvedResources; storage: number } {
    const o = this.options.standalone ?? {};
    return {
      resources: componentResources(mq, 'standalone', o.resources,
        { cpuRequestMillis: 200, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
        minimumPulsarLimit(PulsarRocksDb.DEFAULTS), 'Pulsar standalone (metadata store, bookie and broker share one JVM)'),
      storage: validateInteger(mq, 'standalone.storageGibibytes', o.storageGibibytes ?? 8, 1, 65536, 'use a whole number of GiB'),
    };
  }

  private deployStandalone(
    mq: MessageQueue, chart: Chart, s: Settings, { resources, storage }: { resources: ResolvedResources; storage: number }, topics: ResolvedTopic[],
  ): DeployedMessageQueue {
    const arch = mq.architecture;
    const name = mq.componentName;
    const runtime = runtimeVolumes(false);
    const auth = serverAuth(s.auth, 'broker');

    const standalone = new StatefulCluster(mq, 'standalone', {
      architecture: arch,
      chart,
      name,
      namespace: mq.namespace,
      identity: { name, instance: `${arch.name}-${name}`, component: 'standalone', partOf: arch.name },
      replicas: 1,
      quorum: false,
      uid: UID,
      ports: [{ name: 'pulsar', port: PULSAR_PORT }, { name: 'http', port: HTTP_PORT }],
      metrics: { port: HTTP_PORT, path: '/metrics', kind: 'pulsar-broker' },
      storage: { volumeName: 'data', mountPath: `${HOME}/data`, sizeGibibytes: storage },
      volumes: [...runtime.volumes, ...auth.volumes],
      podAnnotations: auth.annotations,
      initContainers: () => [copyConf(s.image)],
      containers: (c) => {
        // `--advertised-address` is required: lookups hand it to clients (the chart's comment).
        const script = [
          'set -e',
          ...auth.script,
          'bin/apply-config-from-env.py conf/standalone.conf',
          `echo OK > ${STATUS_FILE}`,
          JVM_OPTS,
          `exec bin/pulsar standalone --advertised-address ${sq(c.memberHost(0))} --no-functions-worker --no-stream-storage`,
        ].join('\n');
        return [secureContainer({
          name: 'pulsar',
          image: s.image,
          command: ['sh', '-c', script],
          env: [
            ...settingsEnv({
              clusterName: s.cluster,
              advertisedAddress: c.memberHost(0),
              brokerServicePort: PULSAR_PORT,
              webServicePort: HTTP_PORT,
              managedLedgerDefaultEnsembleSize: s.ensemble,
              managedLedgerDefaultWriteQuorum: s.write,
              managedLedgerDefaultAckQuorum: s.ack,
              statusFilePath: STATUS_FILE,
              ...auth.settings,
            }),
            { name: 'PULSAR_MEM', value: planMem(pulsarMemoryPlan(resources.memoryLimitMebibytes, PulsarRocksDb.DEFAULTS)) },
          ],
          ports: [{ name: 'pulsar', containerPort: PULSAR_PORT }, { name: 'http', containerPort: HTTP_PORT }],
          resources,
          // budget 10 s x 60 = 10 min: the embedded metadata store and bookie start first
          startupProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
          volumeMounts: [...runtime.mounts, { name: 'data', mountPath: `${HOME}/data` }, ...auth.mounts],
        })];
      },
    });

    const roles = this.provision(mq, chart, s, topics, standalone, standalone.clientHost);
    return this.deployed(mq, s, standalone, standalone.clientHost, roles);
  }

  // ---------------------------------------------------------------- production: the full cluster

  private deployCluster(mq: MessageQueue, chart: Chart, s: Settings, z: ProductionSizes, topics: ResolvedTopic[]): DeployedMessageQueue {
    const c: ClusterContext = { mq, chart, s, identity: (component) => ({ name: mq.componentName, instance: `${mq.architecture.name}-${mq.componentName}`, component, partOf: mq.architecture.name }) };

    const zookeeper = this.zooKeeper(c, z);
    const connect = zookeeper.memberHosts().map((h) => `${h}:${ZK_CLIENT_PORT}`).join(',');
    const zk: MetadataStore = { connect, url: `zk:${connect}`, bookkeeper: { zkServers: connect, zkLedgersRootPath: '/ledgers' } };

    // BookKeeper metadata (one-shot): `initnewcluster` only if there is no instance id yet
    const bkInit = this.initJob(c, 'bookkeeper-init', zk, [
      `until timeout 15 bin/pulsar zookeeper-shell -server ${sq(zk.connect)} ls /; do echo "waiting for ZooKeeper"; sleep 3; done`,
      'if timeout 60 bin/bookkeeper shell whatisinstanceid; then',
      '  echo "bookkeeper cluster already initialized"',
      'else',
      '  bin/bookkeeper shell initnewcluster',
      'fi',
    ]);
    wire(bkInit, zookeeper, tcp(ZK_CLIENT_PORT));

    const bookie = this.bookies(c, z, zk);
    wire(bookie, zookeeper, tcp(ZK_CLIENT_PORT));

    const broker = this.brokers(c, z, zk);
    wire(broker, zookeeper, tcp(ZK_CLIENT_PORT));
    wire(broker, bookie, tcp(BOOKIE_PORT));

    // cluster metadata (one-shot), after the BookKeeper metadata: only if /admin/clusters/<cluster> is missing
    const brokerHost = broker.clientHost;
    const clusterInit = this.initJob(c, 'cluster-init', zk, [
      'until timeout 15 bin/bookkeeper shell whatisinstanceid; do echo "waiting for the BookKeeper metadata"; sleep 3; done',
      `if timeout 15 bin/pulsar zookeeper-shell -server ${sq(zk.connect)} get ${sq(`/admin/clusters/${s.cluster}`)}; then`,
      `  echo "cluster ${s.cluster} already initialized"`,
      'else',
      `  bin/pulsar initialize-cluster-metadata --cluster ${sq(s.cluster)} --metadata-store ${sq(zk.url)} --configuration-metadata-store ${sq(zk.url)} \\`,
      `    --web-service-url ${sq(`http://${brokerHost}:${HTTP_PORT}/`)} --broker-service-url ${sq(`pulsar://${brokerHost}:${PULSAR_PORT}/`)}`,
      'fi',
    ]);
    wire(clusterInit, zookeeper, tcp(ZK_CLIENT_PORT));

    const proxy = this.proxies(c, z, brokerHost);
    // lookups and the binary protocol go to the owning broker's advertised address; admin calls
    // through the proxy's HTTP port go to the brokers' web service
    wire(proxy, broker, tcp(PULSAR_PORT, HTTP_PORT));

    const roles = this.provision(mq, chart, s, topics, broker, brokerHost);
    return this.deployed(mq, s, proxy, proxy.host, roles);
  }

  /** Validates the production-only options (before any object is created). */
  private productionSizes(mq: MessageQueue): ProductionSizes {
    const o = this.options;
    const gib = 'use a whole number of GiB';
    for (const task of ['bookkeeper-init', 'cluster-init']) objectName(mq, mq.componentName, task, 'x'.repeat(HASH_LENGTH));
    for (const component of ['zookeeper-headless', 'bookie-headless', 'broker-headless']) objectName(mq, mq.componentName, component);
    return {
      zkMembers: quorumMembers(mq, Profile.PRODUCTION, o.zookeeper?.members, 7, 'zookeeper'),
      zkStorage: validateInteger(mq, 'zookeeper.storageGibibytes', o.zookeeper?.storageGibibytes ?? 10, 1, 65536, gib),
      bkStorage: validateInteger(mq, 'bookkeeper.storageGibibytes', o.bookkeeper?.storageGibibytes ?? 64, 1, 65536, gib),
      brokers: validateInteger(mq, 'brokers.replicas', o.brokers?.replicas ?? 3, 1, 99, 'use at least 1 broker (3 for availability)'),
      proxies: validateInteger(mq, 'proxies.replicas', o.proxies?.replicas ?? 3, 1, 99, 'use at least 1 proxy (2 or more for availability)'),
      zkResources: componentResources(mq, 'zookeeper', o.zookeeper?.resources,
        { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 }, 256, 'ZooKeeper\'s JVM'),
      bkResources: componentResources(mq, 'bookkeeper', o.bookkeeper?.resources,
        { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
        minimumPulsarLimit(PulsarRocksDb.TUNED), 'a bookie (heap, direct memory for the ledger caches, RocksDB and the JVM\'s own memory)'),
      brokerResources: componentResources(mq, 'brokers', o.brokers?.resources,
        { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
        minimumPulsarLimit(PulsarRocksDb.NONE), 'a broker (heap, direct memory for the managed-ledger cache and the JVM\'s own memory)'),
      proxyResources: componentResources(mq, 'proxies', o.proxies?.resources,
        { cpuRequestMillis: 200, cpuLimitMillis: 1000, memoryRequestMebibytes: 768, memoryLimitMebibytes: 768 }, 256, 'a proxy\'s JVM'),
    };
  }

  /** ZooKeeper: `bin/pulsar zookeeper` with conf/zookeeper.conf, as the chart runs it. */
  private zooKeeper(c: ClusterContext, z: ProductionSizes): StatefulCluster {
    const { mq, s } = c;
    const runtime = runtimeVolumes(false);
    return new StatefulCluster(mq, 'zookeeper', {
      architecture: mq.architecture,
      chart: c.chart,
      name: objectName(mq, mq.componentName, 'zookeeper'),
      namespace: mq.namespace,
      identity: c.identity('zookeeper'),
      replicas: z.zkMembers,
      quorum: true,
      uid: UID,
      ports: [
        { name: 'client', port: ZK_CLIENT_PORT },
        { name: 'follower', port: ZK_FOLLOWER_PORT, peerOnly: true },
        { name: 'election', port: ZK_ELECTION_PORT, peerOnly: true },
      ],
      storage: { volumeName: 'data', mountPath: `${HOME}/data`, sizeGibibytes: z.zkStorage, storageClassName: s.storageClassName },
      volumes: runtime.volumes,
      initContainers: () => [copyConf(s.image)],
      containers: (cluster) => {
        // generate-zookeeper-config.sh's job, idempotently (the conf volume survives container
        // restarts): the server list replaces any earlier one, myid is written once.
        const servers = cluster.memberHosts().map((h, i) => `server.${i + 1}=${h}:${ZK_FOLLOWER_PORT}:${ZK_ELECTION_PORT}`);
        const script = [
          'set -e',
          'bin/apply-config-from-env.py conf/zookeeper.conf',
          'sed -i \'/^server\\.[0-9]*=/d\' conf/zookeeper.conf',
          `printf '%s\\n' ${servers.map(sq).join(' ')} >> conf/zookeeper.conf`,
          `mkdir -p ${HOME}/data/zookeeper`,
          `[ -f ${HOME}/data/zookeeper/myid ] || echo $(( \${HOSTNAME##*-} + 1 )) > ${HOME}/data/zookeeper/myid`,
          // the probes' four-letter words (ZooKeeper 3.5+ enables only srvr by default)
          'export OPTS="${OPTS:-} -Dlog4j2.formatMsgNoLookups=true -Dzookeeper.4lw.commands.whitelist=ruok,srvr,mntr"',
          'exec bin/pulsar zookeeper',
        ].join('\n');
        // the chart's probe: `ruok` answers "imok" while the process serves its client port;
        // readiness also needs the member to serve requests (leader, follower or standalone)
        const fourLetterWord = (word: string, expect: string) => ({
          exec: { command: ['timeout', '5', 'sh', '-c', `{ echo ${word}; sleep 1; } | nc 127.0.0.1 ${ZK_CLIENT_PORT} | grep -qE '${expect}'`] },
        });
        const alive = fourLetterWord('ruok', '^imok');
        return [secureContainer({
          name: 'zookeeper',
          image: s.image,
          command: ['sh', '-c', script],
          env: [
            ...settingsEnv({
              dataDir: `${HOME}/data/zookeeper`,
              clientPort: ZK_CLIENT_PORT,
              // bind the quorum ports before the member's own headless-Service name resolves
              quorumListenOnAllIPs: 'true',
              reconfigEnabled: 'false',
            }),
            { name: 'PULSAR_MEM', value: pulsarMem(z.zkResources, 0.5) },
          ],
          ports: [
            { name: 'client', containerPort: ZK_CLIENT_PORT },
            { name: 'follower', containerPort: ZK_FOLLOWER_PORT },
            { name: 'election', containerPort: ZK_ELECTION_PORT },
          ],
          resources: z.zkResources,
          startupProbe: { ...alive, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 60 },
          readinessProbe: { ...fourLetterWord('srvr', '^Mode: (leader|follower|standalone)'), periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
          livenessProbe: { ...alive, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 6 },
          volumeMounts: [...runtime.mounts, { name: 'data', mountPath: `${HOME}/data` }],
        })];
      },
    });
  }

  /** Bookies: journal and ledgers in two directories of one claim; they start once the BookKeeper metadata exists. */
  private bookies(c: ClusterContext, z: ProductionSizes, zk: MetadataStore): StatefulCluster {
    const { mq, s } = c;
    const runtime = runtimeVolumes(false);
    const dir = `${HOME}/data/bookkeeper`;
    const bookiePlan = pulsarMemoryPlan(z.bkResources.memoryLimitMebibytes, PulsarRocksDb.TUNED);
    return new StatefulCluster(mq, 'bookie', {
      architecture: mq.architecture,
      chart: c.chart,
      name: objectName(mq, mq.componentName, 'bookie'),
      namespace: mq.namespace,
      identity: c.identity('bookie'),
      replicas: s.bookies,
      quorum: false,
      uid: UID,
      ports: [{ name: 'bookie', port: BOOKIE_PORT }, { name: 'http', port: BOOKIE_HTTP_PORT, peerOnly: true }],
      metrics: { port: BOOKIE_HTTP_PORT, path: '/metrics', kind: 'pulsar-bookie' },
      storage: { volumeName: 'data', mountPath: dir, sizeGibibytes: z.bkStorage, storageClassName: s.storageClassName },
      volumes: runtime.volumes,
      initContainers: () => [
        copyConf(s.image),
        secureContainer({
          name: 'wait-bookkeeper-init',
          image: s.image,
          command: ['sh', '-c', [
            'set -e',
            'bin/apply-config-from-env.py conf/bookkeeper.conf',
            'until timeout 15 bin/bookkeeper shell whatisinstanceid; do echo "waiting for the BookKeeper metadata"; sleep 3; done',
          ].join('\n')],
          env: [...settingsEnv(zk.bookkeeper), ...toolEnv()],
          resources: TOOL_RESOURCES,
          volumeMounts: runtime.mounts,
        }),
      ],
      containers: () => [secureContainer({
        name: 'bookie',
        image: s.image,
        command: ['sh', '-c', ['set -e', 'bin/apply-config-from-env.py conf/bookkeeper.conf', JVM_OPTS, 'exec bin/pulsar bookie'].join('\n')],
        env: [
          ...settingsEnv({
            ...zk.bookkeeper,
            bookiePort: BOOKIE_PORT,
            httpServerEnabled: 'true',
            httpServerPort: BOOKIE_HTTP_PORT,
            // the bookie id survives rescheduling: the pod's stable DNS name
            useHostNameAsBookieID: 'true',
            journalDirectories: `${dir}/journal`,
            ledgerDirectories: `${dir}/ledgers`,
            journalMaxBackups: 0,
            // RocksDB's native memory, bounded (the defaults follow direct memory and allow 256 MiB of memtables)
            dbStorage_rocksDB_blockCacheSize: bookiePlan.blockCache! * 1024 * 1024,
            dbStorage_rocksDB_writeBufferSizeMB: bookiePlan.writeBuffer!,
          }),
          { name: 'PULSAR_MEM', value: planMem(bookiePlan) },
        ],
        ports: [{ name: 'bookie', containerPort: BOOKIE_PORT }, { name: 'http', containerPort: BOOKIE_HTTP_PORT }],
        resources: z.bkResources,
        // budget 10 s x 90 = 15 min (journal replay after a crash)
        startupProbe: { ...httpGet('/api/v1/bookie/is_ready'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90 },
        readinessProbe: { ...httpGet('/api/v1/bookie/is_ready'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { ...httpGet('/api/v1/bookie/state'), periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
        volumeMounts: [...runtime.mounts, { name: 'data', mountPath: dir }],
      })],
    });
  }

  /**
   * Brokers: stateless, but with stable names (the advertised address and the znode a broker
   * registers under), so a StatefulSet as in the chart; they start once the cluster metadata exists.
   */
  private brokers(c: ClusterContext, z: ProductionSizes, zk: MetadataStore): StatefulCluster {
    const { mq, s } = c;
    const arch = mq.architecture;
    const runtime = runtimeVolumes(true);
    const auth = serverAuth(s.auth, 'broker');
    return new StatefulCluster(mq, 'broker', {
      architecture: arch,
      chart: c.chart,
      name: objectName(mq, mq.componentName, 'broker'),
      namespace: mq.namespace,
      identity: c.identity('broker'),
      replicas: z.brokers,
      quorum: false,
      uid: UID,
      ports: [{ name: 'pulsar', port: PULSAR_PORT }, { name: 'http', port: HTTP_PORT }],
      metrics: { port: HTTP_PORT, path: '/metrics', kind: 'pulsar-broker' },
      volumes: [...runtime.volumes, ...auth.volumes],
      podAnnotations: auth.annotations,
      initContainers: () => [
        copyConf(s.image),
        secureContainer({
          name: 'wait-cluster-init',
          image: s.image,
          command: ['sh', '-c', `until timeout 15 bin/pulsar zookeeper-shell -server ${sq(zk.connect)} get ${sq(`/admin/clusters/${s.cluster}`)}; do`
            + ' echo "waiting for the cluster metadata"; sleep 3; done'],
          env: toolEnv(),
          resources: TOOL_RESOURCES,
          volumeMounts: runtime.mounts,
        }),
      ],
      containers: (cluster) => {
        const script = [
          'set -e',
          `export PULSAR_PREFIX_advertisedAddress="$HOSTNAME.${cluster.headlessServiceName}.${mq.namespace}.svc.${arch.clusterDomain}"`,
          ...auth.script,
          'bin/apply-config-from-env.py conf/broker.conf',
          `echo OK > ${STATUS_FILE}`,
          // a restarted broker keeps its name: wait until its previous registration (an ephemeral znode) expired
          `while PULSAR_MEM='${TOOL_MEM}' timeout 15 bin/pulsar zookeeper-shell -server ${sq(zk.connect)} get "/loadbalance/brokers/$PULSAR_PREFIX_advertisedAddress:${HTTP_PORT}"; do`,
          '  echo "the previous registration of this broker still exists; checking again in 10 s"; sleep 10',
          'done',
          JVM_OPTS,
          'exec bin/pulsar broker',
        ].join('\n');
        return [secureContainer({
          name: 'broker',
          image: s.image,
          command: ['sh', '-c', script],
          env: [
            ...settingsEnv({
              clusterName: s.cluster,
              metadataStoreUrl: zk.url,
              configurationMetadataStoreUrl: zk.url,
              brokerServicePort: PULSAR_PORT,
              webServicePort: HTTP_PORT,
              managedLedgerDefaultEnsembleSize: s.ensemble,
              managedLedgerDefaultWriteQuorum: s.write,
              managedLedgerDefaultAckQuorum: s.ack,
              functionsWorkerEnabled: 'false',
              statusFilePath: STATUS_FILE,
              ...auth.settings,
            }),
            { name: 'PULSAR_MEM', value: planMem(pulsarMemoryPlan(z.brokerResources.memoryLimitMebibytes, PulsarRocksDb.NONE)) },
          ],
          ports: [{ name: 'pulsar', containerPort: PULSAR_PORT }, { name: 'http', containerPort: HTTP_PORT }],
          resources: z.brokerResources,
          // budget 10 s x 60 = 10 min (including the wait for the old registration)
          startupProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...httpGet('/status.html'), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [...runtime.mounts, ...auth.mounts],
        })];
      },
    });
  }

  /** Proxies: the clients' entry point; they reach the brokers through the broker Service (no metadata-store discovery). */
  private proxies(c: ClusterContext, z: ProductionSizes, brokerHost: string): StatelessWorkload {
    const { mq, s } = c;
    const runtime = runtimeVolumes(true);
    const auth = serverAuth(s.auth, 'proxy');
    return new StatelessWorkload(mq, 'proxy', {
      architecture: mq.architecture,
      chart: c.chart,
      name: objectName(mq, mq.componentName, 'proxy'),
      namespace: mq.namespace,
      identity: c.identity('proxy'),
      replicas: z.proxies,
      uid: UID,
      ports: [{ name: 'pulsar', port: PULSAR_PORT }, { name: 'http', port: HTTP_PORT, appProtocol: 'http' }],
      volumes: [...runtime.volumes, ...auth.volumes],
      podAnnotations: auth.annotations,
      initContainers: () => [copyConf(s.image)],
      containers: (w) => [secureContainer({
        name: 'proxy',
        image: s.image,
        command: ['sh', '-c', ['set -e', ...auth.script, 'bin/apply-config-from-env.py conf/proxy.conf', `echo OK > ${STATUS_FILE}`, JVM_OPTS, 'exec bin/pulsar proxy'].join('\n')],
        env: [
          ...settingsEnv({
            clusterName: s.cluster,
            servicePort: PULSAR_PORT,
            webServicePort: HTTP_PORT,
            brokerServiceURL: `pulsar://${brokerHost}:${PULSAR_PORT}`,
            brokerWebServiceURL: `http://${brokerHost}:${HTTP_PORT}`,
            statusFilePath: STATUS_FILE,
            ...auth.settings,
          }),
          { name: 'PULSAR_MEM', value: pulsarMem(z.proxyResources, 0.35, 0.35) },
        ],
        ports: w.containerPorts,
        resources: z.proxyResources,
        startupProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
        readinessProbe: { ...httpGet('/status.html'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { ...httpGet('/status.html'), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: [...runtime.mounts, ...auth.mounts],
      })],
    });
  }

  /**
   * A one-shot initialization Job (its own pods, ServiceAccount and NetworkPolicy) running `steps`
   * with conf/bookkeeper.conf pointed at ZooKeeper, named with a hash of what it does (a Job's
   * template is immutable).
   */
  private initJob(c: ClusterContext, id: string, zk: MetadataStore, steps: string[]): TaskPods {
    const { mq, s } = c;
    const arch = mq.architecture;
    const task = new TaskPods(mq, id, {
      architecture: arch,
      chart: c.chart,
      name: objectName(mq, mq.componentName, id),
      namespace: mq.namespace,
      identity: { name: mq.componentName, instance: `${arch.name}-${mq.componentName}-${id}`, component: id, partOf: arch.name },
    });
    const runtime = runtimeVolumes(false);
    const script = ['set -e', 'bin/apply-config-from-env.py conf/bookkeeper.conf', ...steps].join('\n');
    const env = [...settingsEnv(zk.bookkeeper), ...toolEnv()];
    const container = secureContainer({ name: id, image: s.image, command: ['sh', '-c', script], env, resources: TOOL_RESOURCES, volumeMounts: runtime.mounts });
    const template = task.podTemplate([container], UID, runtime.volumes);
    task.job({ ...template, spec: { ...template.spec!, initContainers: [copyConf(s.image)] } }, {
      name: `${task.serviceAccountName}-${contentHash({ script, env, image: s.image })}`,
      backoffLimit: 20,
      activeDeadlineSeconds: 3600,
    });
    return task;
  }

  // ---------------------------------------------------------------- provisioning

  /**
   * The provisioning Job and CronJob. With authentication, its `tokens` init container signs the
   * admin token and writes each service's token Secret (the roles are known at synth time), and
   * the script grants each role its topics and subscriptions. Returns how services get a role.
   */
  private provision(mq: MessageQueue, chart: Chart, s: Settings, topics: ResolvedTopic[], admin: IWorkload, adminHost: string): PulsarRoles {
    const arch = mq.architecture;
    const name = mq.componentName;
    const task = new TaskPods(mq, 'provision', {
      architecture: arch,
      chart,
      name: objectName(mq, name, 'provision'),
      namespace: mq.namespace,
      identity: { name, instance: `${arch.name}-${name}-provision`, component: 'provision', partOf: arch.name },
    });
    wire(task, admin, tcp(HTTP_PORT));

    const roles = new Map<string, PulsarRole>();
    const sortedRoles = () => sortWrittenSecrets(roles.values());
    const writer = s.auth ? new KubernetesSecretWriter(chart, 'provision', task, `${name}-pulsar-tokens`, s.auth.apiCidr, sortedRoles) : undefined;

    // the namespace keeps messages as long as its longest-lived topic; shorter topics override it
    const nsRetention = topics.length > 0 ? Math.max(...topics.map((t) => t.retentionMillis)) : 7 * 86400 * 1000;
    const plan = (): PulsarProvisionPlan => ({
      cluster: s.cluster,
      tenant: s.tenant,
      namespace: s.namespace,
      retention: pulsarRelativeTime(nsRetention),
      topics: topics.map((t) => ({
        name: this.topicName(s, t.name),
        partitions: t.partitions,
        ...(t.retentionMillis !== nsRetention ? { retention: pulsarRelativeTime(t.retentionMillis) } : {}),
        // the replication factor is the topic's write quorum (one bookie keeps one copy in development)
        ...(t.replicationFactor !== undefined && s.production ? { persistence: topicPersistence(s, t.replicationFactor) } : {}),
        ...(t.cleanupPolicy === CleanupPolicy.COMPACT ? { compactionThresholdMebibytes: s.compactionThresholdMebibytes } : {}),
        subscriptions: mq.consumerGroups(t.name),
        ...(s.auth ? { permissions: topicPermissions(sortedRoles(), t.name) } : {}),
      })),
      ...(s.auth ? { authentication: true, subscriptionRoles: subscriptionRoles(sortedRoles()) } : {}),
    });
    const env: kplus.k8s.EnvVar[] = [{ name: 'ADMIN_URL', value: `http://${adminHost}:${HTTP_PORT}` }, { name: 'PULSAR_MEM', value: TOOL_MEM }];
    const runtime = runtimeVolumes(false);
    const tokens = s.auth ? tokenVolumes(s.auth) : { volumes: [], mounts: [] };
    const volumes = [...runtime.volumes.filter((v) => v.name !== 'conf'), ...tokens.volumes];
    const mounts = runtime.mounts.filter((m) => m.name !== 'conf');
    const container: kplus.k8s.Container = {
      ...secureContainer({
        name: 'provision',
        image: s.image,
        command: ['sh', '-c'],
        env,
        resources: TOOL_RESOURCES,
        // the admin token the init container signed (not the key)
        volumeMounts: [...mounts, ...tokens.mounts.filter((m) => m.name === 'tokens')],
      }),
      args: lazy(() => [pulsarProvisionScript(plan())]),
    };
    const tokenScript = () => pulsarTokenScript(arch.name, sortedRoles(), s.auth!.tokenLifetimeSeconds);
    const initContainers: kplus.k8s.Container[] = s.auth
      ? [{
        ...secureContainer({ name: 'tokens', image: s.image, command: ['python3', '-c'], resources: TOKEN_RESOURCES, volumeMounts: tokens.mounts }),
        args: lazy(() => [tokenScript()]),
      }]
      : [];
    const base = task.podTemplate([container], UID, volumes, s.auth
      ? lazy((): Record<string, string> => ({ [ANNOTATION_EXTERNAL_SECRETS]: s.auth!.keySecret, ...writer!.annotation() }))
      : undefined);
    // with authentication the pod calls the Kubernetes API (the services' token Secrets)
    const template: kplus.k8s.PodTemplateSpec = s.auth
      ? { ...base, spec: { ...base.spec!, initContainers, automountServiceAccountToken: true } }
      : base;
    task.job(template, {
      // consumer groups and roles are known at synth time: the name carries a hash of the final scripts
      name: lazy(() => `${objectName(mq, name, 'provision')}-${contentHash({
        script: pulsarProvisionScript(plan()), env, image: s.image, ...(s.auth ? { tokens: tokenScript(), keySecret: s.auth.keySecret } : {}),
      })}`),
      backoffLimit: 10,
      activeDeadlineSeconds: 3600,
    });
    // The same pod on a schedule: the Job above is named after its content, not after the key's
    // value, so only a rerun re-signs the tokens after a key change (or restores what was deleted)
    if (s.reprovisionSchedule !== '') task.cronJob(s.reprovisionSchedule, template);

    return {
      jobRef: `${mq.namespace}/${task.serviceAccountName}`,
      role: (consumer: IWorkload) => {
        const role = `${consumer.namespace}.${consumer.componentName}`;
        const secretName = `${consumer.componentName}-${name}-pulsar`;
        if (secretName.length > 63) {
          fail(consumer, `the Pulsar token Secret ${show(secretName)} of ${show(consumer.componentName)} has ${secretName.length} characters (Kubernetes allows 63)`,
            `shorten the service name or the message queue name ${show(name)}`);
        }
        let r = roles.get(role);
        if (!r) {
          r = { role, namespace: consumer.namespace, secretName, produces: new Set(), consumes: new Map() };
          roles.set(role, r);
          writer?.grant(consumer.namespace);
        }
        return r;
      },
    };
  }

  private topicName(s: Settings, topic: string): string {
    return `persistent://${s.tenant}/${s.namespace}/${topic}`;
  }

  // ---------------------------------------------------------------- consumers

  private deployed(mq: MessageQueue, s: Settings, entry: IWorkload, host: string, roles: PulsarRoles): DeployedMessageQueue {
    const url = `pulsar://${host}:${PULSAR_PORT}`;
    const p = mq.envPrefix;
    const clientDir = `${CLIENT_DIR}/${mq.componentName}`;
    const connection = (consumer: IWorkload): MessageQueueWiring => {
      const env: EnvVariable[] = [
        { name: `${p}ADDRESS`, value: EnvValue.fromValue(url) },
        { name: `${p}SERVICE_URL`, value: EnvValue.fromValue(url) },
      ];
      if (!s.auth) return { env, endpoints: [{ workload: entry, ports: tcp(PULSAR_PORT) }] };
      const role = roles.role(consumer);
      return {
        env: [
          ...env,
          // the Pulsar clients' own settings (authPlugin, authParams): AuthenticationToken reads the
          // token from the file at every connection, so a re-signed token needs no restart
          { name: `${p}AUTH_PLUGIN`, value: EnvValue.fromValue(TOKEN_CLIENT) },
          { name: `${p}AUTH_PARAMS`, value: EnvValue.fromValue(`file://${clientDir}/token`) },
          { name: `${p}TOKEN_FILE`, value: EnvValue.fromValue(`${clientDir}/token`) },
          // the role is no secret: the provisioning Job grants exactly this role
          { name: `${p}ROLE`, value: EnvValue.fromValue(role.role) },
        ],
        endpoints: [{ workload: entry, ports: tcp(PULSAR_PORT) }],
        secretFiles: [{ secretName: role.secretName, mountPath: clientDir, provisionedBy: roles.jobRef }],
      };
    };
    const topicVar = (topic: string, suffix: string, value: string): EnvVariable => ({ name: `${mq.topicEnvPrefix(topic)}${suffix}`, value: EnvValue.fromValue(value) });
    return {
      connection,
      producer: (topic, consumer) => {
        const c = connection(consumer);
        if (s.auth) roles.role(consumer).produces.add(topic.name);
        return { ...c, env: [...c.env, topicVar(topic.name, 'TOPIC', this.topicName(s, topic.name))] };
      },
      consumer: (topic, group, consumer) => {
        const c = connection(consumer);
        if (s.auth) {
          const r = roles.role(consumer);
          if (!r.consumes.has(topic.name)) r.consumes.set(topic.name, new Set());
          r.consumes.get(topic.name)!.add(group);
        }
        return {
          ...c,
          env: [
            ...c.env,
            topicVar(topic.name, 'TOPIC', this.topicName(s, topic.name)),
            topicVar(topic.name, 'GROUP', group),
            topicVar(topic.name, 'SUBSCRIPTION', group),
          ],
        };
      },
    };
  }
}
