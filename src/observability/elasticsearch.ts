import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { ElasticsearchStoreOptions } from './logging-options';
import type { ObservabilityStack } from './observability-stack';
import { MetricsKind } from './pillars';
import { IWorkload, NetworkPort, Protocol, SecretKeyReference } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { deployMetricsExporter } from '../internal/exporter';
import { ANNOTATION_EXTERNAL_SECRETS } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { compareStrings, objectName, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { secureContainer } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

export const ELASTICSEARCH_DEFAULT_IMAGE = 'docker.elastic.co/elasticsearch/elasticsearch:9.5.2';
export const KIBANA_DEFAULT_IMAGE = 'docker.elastic.co/kibana/kibana:9.5.2';
export const ELASTICSEARCH_HTTP_PORT = 9200;
export const ELASTICSEARCH_TRANSPORT_PORT = 9300;
export const KIBANA_PORT = 5601;
/** The index prefix every log pipeline writes to (`k8s-logs-YYYY.MM.DD`); deliberately not `logs-*-*`, which ES maps to data streams. */
export const LOG_INDEX_PREFIX = 'k8s-logs';
/** The user (and role) the provisioning Job creates for the log shippers: write access to `k8s-logs-*` only. */
export const LOG_WRITER_USER = 'log-writer';
/** prometheus-community/elasticsearch_exporter, pinned (its newest release, v1.11.0). */
export const ELASTICSEARCH_EXPORTER_DEFAULT_IMAGE = 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0';
/** The exporter's default `--web.listen-address` (main.go; the Dockerfile's EXPOSE 7979 is stale). */
export const ELASTICSEARCH_EXPORTER_PORT = 9114;
/** The user (and role) the provisioning Job creates for the exporter: cluster `monitor` only. */
export const METRICS_EXPORTER_USER = 'metrics-exporter';
/** The `kind` label of the exporter's series (selects the Elasticsearch alert rules). */
export const ELASTICSEARCH_METRICS_KIND = 'elasticsearch';
/** The exporter image's `USER nobody` (busybox). */
const EXPORTER_UID = 65534;

/**
 * The JVM's unified logging in the image's jvm.options writes `logs/gc.log` with
 * `filecount=32,filesize=64m` (up to 2 GiB, Elastic's "GC logging settings"), which would overflow
 * the `logs` emptyDir and get the pod evicted. ES_JAVA_OPTS come after jvm.options on the command
 * line: `-Xlog:disable` clears that configuration, then warnings go to stderr and the GC log is
 * bounded to GC_LOG_FILES x GC_LOG_FILE_MIB.
 */
export const ES_GC_LOG_FILES = 4;
export const ES_GC_LOG_FILE_MIB = 16;
/** The most the process writes below `logs/`: the bounded GC log plus a fatal-error file (`hs_err_pid*.log`, `-XX:ErrorFile=logs/...`) of a few MiB. */
export const ES_LOGS_MAX_MIB = ES_GC_LOG_FILES * ES_GC_LOG_FILE_MIB + 16;
/** The `logs` emptyDir: the maximum above with a margin (the image's log4j2 configuration logs to the console). */
export const ES_LOGS_VOLUME_MIB = 256;
const ES_GC_LOG_OPTS = '-Xlog:disable -Xlog:all=warning:stderr:utctime,level,tags '
  + `-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,level,pid,tags:filecount=${ES_GC_LOG_FILES},filesize=${ES_GC_LOG_FILE_MIB}m`;

/** How long one kind of data is kept in the shared cluster (an ILM policy), and how its indices get it. */
export interface IndexRetentionRule {
  /** The ILM policy's (and, for owned indices, the index template's) name. */
  readonly policy: string;
  /** Every index pattern the writer creates (one index per day). */
  readonly patterns: string[];
  /** Days after an index's creation before ILM deletes it. */
  readonly deleteAfterDays: number;
  /** Who writes these indices (for the script's comments and the error messages). */
  readonly writer: string;
  /**
   * The library owns these indices: an index template with the policy, these settings and these
   * mappings. Without it the writer installs its own template (Jaeger, Zipkin), which a second
   * template would replace (Elasticsearch applies only the highest-priority one): the policy is
   * then set on the writer's indices by the provisioning Job and the daily retention CronJob.
   */
  readonly template?: { readonly settings: Record<string, unknown>; readonly mappings: Record<string, unknown> };
}

/** `elasticsearch` in the official image (USER 1000:0); Kibana and Logstash use 1000 too. */
const UID = 1000;
const HOME = '/usr/share/elasticsearch';
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The shared Elasticsearch cluster of a stack, as its clients see it. */
export interface ElasticsearchEndpoint {
  /** `http://<client service>:9200`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The Elasticsearch pods. */
  readonly workload: IWorkload;
  /** The client ports (9200). */
  readonly ports: NetworkPort[];
  /** The user clients authenticate as (`elastic`; least-privilege users are left to the operator). */
  readonly username: string;
  /** The password of `username`, a Secret in the stack's namespace. */
  readonly passwordSecret: SecretKeyReference;
  /** The log writer's password Secret (`<stack>-log-writer`, key "password"): the provisioning Job sets it. */
  readonly logWriterPasswordSecret: SecretKeyReference;
  /** Kibana, if deployed. */
  readonly kibana?: StatelessWorkload;
  /** The major version of the image (undefined when pinned by digest only). */
  readonly majorVersion?: number;
  /** Every registered retention rule. */
  readonly retentionRules: readonly IndexRetentionRule[];
  /** Adds the edge `client` -> Elasticsearch (9200), both NetworkPolicy sides. */
  connect(client: IWorkload): void;
  /** Registers the indices a component writes and how long they are kept (the provisioning Job creates the policy). */
  retain(rule: IndexRetentionRule): void;
}

/** The major version in an image tag such as "...:9.5.2" (undefined for a digest or an unusual tag). */
export function imageMajorVersion(image: string): number | undefined {
  const m = /:(\d+)\.\d+[^/@]*(@sha256:[0-9a-f]+)?$/.exec(image);
  return m ? Number(m[1]) : undefined;
}

/** The retention part of the provisioning script: ILM policies, owned index templates, policies on the writers' indices. */
export function retentionScript(rules: readonly IndexRetentionRule[]): string[] {
  const lines: string[] = [];
  for (const r of [...rules].sort((a, b) => compareStrings(a.policy, b.policy))) {
    lines.push(`# ${r.writer}: ${r.patterns.join(', ')}, deleted ${r.deleteAfterDays} days after creation`);
    lines.push(`call -X PUT "$es/_ilm/policy/${r.policy}" -d '${JSON.stringify({
      policy: { _meta: { managed_by: 'cdk8s-architect' }, phases: { delete: { min_age: `${r.deleteAfterDays}d`, actions: { delete: {} } } } },
    })}'`);
    if (r.template) {
      lines.push(`call -X PUT "$es/_index_template/${r.policy}" -d '${JSON.stringify({
        index_patterns: r.patterns,
        // above the built-in templates (priority 100 and below for logs-*-* and friends)
        priority: 200,
        _meta: { managed_by: 'cdk8s-architect' },
        template: { settings: { 'index.lifecycle.name': r.policy, ...r.template.settings }, mappings: r.template.mappings },
      })}'`);
    }
    // existing indices (and, for writers with their own template, every new one: the CronJob)
    lines.push(`call -X PUT "$es/${r.patterns.join(',')}/_settings?allow_no_indices=true&expand_wildcards=open" -d '${JSON.stringify({ 'index.lifecycle.name': r.policy })}'`);
  }
  return lines;
}

export interface DeployElasticsearchOptions extends ElasticsearchStoreOptions {
  /** Deploy Kibana. */
  readonly kibana?: boolean;
  readonly kibanaImage?: string;
  /** The chart to put the objects in (default: a new chart `<stack>-elasticsearch`). */
  readonly chart?: Chart;
}

function validateSecretRef(stack: ObservabilityStack, what: string, ref: SecretKeyReference): SecretKeyReference {
  validateDnsLabel(stack, `${what}.secretName`, ref.secretName);
  if (!SECRET_KEY.test(ref.key)) {
    fail(stack, `${what}.key ${show(ref.key)} is not a valid Secret key`, 'use at most 253 letters, digits, "-", "_" or "."');
  }
  return ref;
}

/** Single-quotes a string for POSIX sh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/**
 * Elasticsearch 9.x on the shared StatefulCluster, security always on, plus optional Kibana and a
 * provisioning Job (kibana_system password, the log writer role and user).
 *
 * Decisions:
 * - `node.store.allow_mmap: false`: Lucene uses NIO instead of mmap, so the `vm.max_map_count`
 *   bootstrap check does not apply and no privileged sysctl init container is needed (the pods
 *   stay "restricted"); the cost is some search performance.
 * - The root filesystem is read-only: an init container copies the image's config directory into
 *   an emptyDir (the entrypoint writes the keystore there); logs and /tmp are emptyDirs, data is the
 *   PVC (production) or an emptyDir (development).
 * - HTTP is plain inside the cluster (NetworkPolicies admit only the wired clients); transport TLS
 *   (mandatory with security on and more than one node) comes from an external cert Secret.
 * - `cluster.initial_master_nodes` lists the StatefulSet's pod names (= `node.name`); Elasticsearch
 *   ignores it once the cluster has formed.
 */
export function deployElasticsearch(stack: ObservabilityStack, options: DeployElasticsearchOptions = {}): ElasticsearchEndpoint {
  const arch = stack.architecture;
  const production = arch.profile === Profile.PRODUCTION;
  const name = objectName(stack, stack.componentName, 'elasticsearch');
  const ns = stack.namespace;

  // ---- validation
  const image = options.image ?? ELASTICSEARCH_DEFAULT_IMAGE;
  validateImage(stack, image);
  const nodes = validateInteger(stack, 'elasticsearch nodes', options.nodes ?? (production ? 3 : 1), 1, 15, 'use 1 (single node) or an odd number up to 15 (3 in production)');
  if (nodes % 2 === 0) {
    fail(stack, `elasticsearch nodes ${nodes} is even: master election needs a majority, which ${nodes} nodes reach no more often than ${nodes - 1}`,
      `use an odd number of nodes (${nodes - 1} or ${nodes + 1})`);
  }
  const storage = validateInteger(stack, 'elasticsearch storageGibibytes', options.storageGibibytes ?? 30, 1, 65536, 'use a whole number of GiB');
  if (options.storageClassName !== undefined && !DNS_SUBDOMAIN.test(options.storageClassName)) {
    fail(stack, `elasticsearch storageClassName ${show(options.storageClassName)} is not a valid StorageClass name`, 'use a DNS subdomain name such as "standard" or "gp3"');
  }
  const resources = resolveResources(stack, arch.profile, options.resources, production
    ? { cpuRequestMillis: 1000, cpuLimitMillis: 2000, memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 }
    : { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 });
  if (resources.memoryLimitMebibytes < 1024) {
    fail(stack, `elasticsearch resources.memoryLimitMebibytes ${resources.memoryLimitMebibytes} is too small (the heap is half of it and Elasticsearch needs at least 512 MiB)`,
      'give each node at least 1024 MiB (4096 or more in production)');
  }
  const password = validateSecretRef(stack, 'elasticsearch passwordSecret', options.passwordSecret ?? { secretName: `${name}`, key: 'password' });
  const transportSecret = validateDnsLabel(stack, 'elasticsearch transportTlsSecretName', options.transportTlsSecretName ?? `${name}-transport`);
  const kibanaImage = options.kibanaImage ?? KIBANA_DEFAULT_IMAGE;
  validateImage(stack, kibanaImage);
  const esTag = validateImage(stack, image);
  const kibanaTag = validateImage(stack, kibanaImage);
  if (options.kibana !== false && !esTag.startsWith('sha256:') && !kibanaTag.startsWith('sha256:') && esTag !== kibanaTag) {
    fail(stack, `kibanaImage ${show(kibanaImage)} does not match the Elasticsearch version ${show(esTag)}`, 'use the Kibana release of exactly the same version');
  }
  const logWriter: SecretKeyReference = { secretName: objectName(stack, stack.componentName, 'log-writer'), key: 'password' };
  const kibanaSecret = objectName(stack, stack.componentName, 'kibana');
  const exporterOption = options.exporter ?? true;
  if (typeof exporterOption !== 'boolean') fail(stack, `elasticsearch exporter ${show(exporterOption)} is not a boolean`, 'use true (the default) or false');
  if (!exporterOption && options.exporterImage !== undefined) {
    fail(stack, 'elasticsearch exporterImage is set but exporter is false', 'remove exporterImage, or turn the exporter on (the default)');
  }
  // only a Prometheus scrapes it: an exporter asked for explicitly without one is an error, not ignored
  const prometheus = stack._pillarKinds.metrics === MetricsKind.PROMETHEUS;
  if (!prometheus && (options.exporter === true || options.exporterImage !== undefined)) {
    fail(stack, `elasticsearch ${options.exporterImage !== undefined ? 'exporterImage is set' : 'exporter is true'} but the stack's metrics pillar is ${show(stack._pillarKinds.metrics ?? 'none')}, and only Prometheus scrapes the exporter`,
      'use Metrics.prometheus() in the stack, or remove the exporter options');
  }
  const exporterOn = exporterOption && prometheus;
  const exporterImage = options.exporterImage ?? ELASTICSEARCH_EXPORTER_DEFAULT_IMAGE;
  if (exporterOn) validateImage(stack, exporterImage);
  const exporterName = objectName(stack, name, 'exporter');
  const exporterSecret: SecretKeyReference = { secretName: exporterName, key: 'password' };

  // ---- the cluster
  arch.addNamespace(stack, ns);
  const chart = options.chart ?? arch._newComponentChart(stack, `${stack.componentName}-elasticsearch`);
  const single = nodes === 1;
  const heap = Math.floor(resources.memoryLimitMebibytes / 2);
  const identity = { name, instance: `${arch.name}-${name}`, component: 'elasticsearch', partOf: arch.name };
  const secrets = [password.secretName, ...(single ? [] : [transportSecret])];

  const cluster = new StatefulCluster(stack, 'elasticsearch', {
    architecture: arch,
    chart,
    name,
    namespace: ns,
    identity,
    replicas: nodes,
    quorum: true,
    uid: UID,
    ports: [
      { name: 'http', port: ELASTICSEARCH_HTTP_PORT },
      { name: 'transport', port: ELASTICSEARCH_TRANSPORT_PORT, peerOnly: true },
    ],
    storage: { volumeName: 'data', mountPath: `${HOME}/data`, sizeGibibytes: storage, storageClassName: options.storageClassName },
    podAnnotations: { [ANNOTATION_EXTERNAL_SECRETS]: secrets.join(',') },
    terminationGracePeriodSeconds: 120,
    volumes: [
      // the image's config directory, copied by the init container (the entrypoint adds the keystore)
      { name: 'config', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
      // the bounded GC log (ES_LOGS_MAX_MIB) with a margin
      { name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString(`${ES_LOGS_VOLUME_MIB}Mi`) } },
      // ES_TMPDIR (JNA, native libraries) and a heap dump on OutOfMemoryError would go to data
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
      ...(single ? [] : [{ name: 'transport-tls', secret: { secretName: transportSecret, defaultMode: 0o440 } }]),
    ],
    initContainers: () => [secureContainer({
      name: 'config',
      image,
      command: ['/bin/sh', '-c', `cp -R ${HOME}/config/. /config-rw/`],
      resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
      volumeMounts: [{ name: 'config', mountPath: '/config-rw' }],
    })],
    containers: (c) => {
      const env: kplus.k8s.EnvVar[] = [
        // the entrypoint turns variables with dots into settings
        { name: 'cluster.name', value: name },
        { name: 'node.name', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'network.host', value: '0.0.0.0' },
        { name: 'node.store.allow_mmap', value: 'false' },
        { name: 'xpack.security.enabled', value: 'true' },
        { name: 'xpack.security.http.ssl.enabled', value: 'false' },
        { name: 'ES_JAVA_OPTS', value: `-Xms${heap}m -Xmx${heap}m ${ES_GC_LOG_OPTS}` },
        { name: 'ES_TMPDIR', value: '/tmp' },
        { name: 'ELASTIC_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } },
      ];
      if (single) {
        env.push({ name: 'discovery.type', value: 'single-node' });
        env.push({ name: 'xpack.security.transport.ssl.enabled', value: 'false' });
      } else {
        env.push(
          { name: 'discovery.seed_hosts', value: c.headlessServiceName },
          { name: 'cluster.initial_master_nodes', value: Array.from({ length: nodes }, (_, i) => `${c.statefulSetName}-${i}`).join(',') },
          { name: 'xpack.security.transport.ssl.enabled', value: 'true' },
          { name: 'xpack.security.transport.ssl.verification_mode', value: 'certificate' },
          { name: 'xpack.security.transport.ssl.key', value: 'certs/tls.key' },
          { name: 'xpack.security.transport.ssl.certificate', value: 'certs/tls.crt' },
          { name: 'xpack.security.transport.ssl.certificate_authorities', value: 'certs/ca.crt' },
        );
      }
      const health = [
        '/bin/sh', '-c',
        `curl -fsS -o /dev/null -m 5 -u "elastic:$ELASTIC_PASSWORD" 'http://127.0.0.1:${ELASTICSEARCH_HTTP_PORT}/_cluster/health?local=true'`,
      ];
      return [secureContainer({
        name: 'elasticsearch',
        image,
        env,
        resources,
        ports: [
          { name: 'http', containerPort: ELASTICSEARCH_HTTP_PORT },
          { name: 'transport', containerPort: ELASTICSEARCH_TRANSPORT_PORT },
        ],
        startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, failureThreshold: 30 },
        readinessProbe: { exec: { command: health }, periodSeconds: 10, timeoutSeconds: 6, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('transport') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: [
          { name: 'config', mountPath: `${HOME}/config` },
          ...(single ? [] : [{ name: 'transport-tls', mountPath: `${HOME}/config/certs`, readOnly: true }]),
          { name: 'data', mountPath: `${HOME}/data` },
          { name: 'logs', mountPath: `${HOME}/logs` },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      })];
    },
  });

  const ports: NetworkPort[] = [{ port: ELASTICSEARCH_HTTP_PORT, protocol: Protocol.TCP }];
  const host = cluster.clientHost;
  const url = `http://${host}:${ELASTICSEARCH_HTTP_PORT}`;
  const connect = (client: IWorkload) => {
    client.allowEgressTo(cluster, ports);
    cluster.allowIngressFrom(client, ports);
  };

  // ---- provisioning: the kibana_system password, the log writer, the retention of every kind of
  // data (idempotent PUT/POSTs). The retention rules are registered by the pillars after this
  // function returns, so the scripts are rendered at synth time.
  const kibana = options.kibana ?? true;
  const rules: IndexRetentionRule[] = [];
  const provision = new TaskPods(stack, 'elasticsearch-provision', {
    architecture: arch,
    chart,
    name: objectName(stack, name, 'provision'),
    namespace: ns,
    identity: { name, instance: `${arch.name}-${name}-provision`, component: 'provision', partOf: arch.name },
  });
  connect(provision);
  const json = 'esc() { printf \'%s\' "$1" | sed \'s/\\\\/\\\\\\\\/g; s/"/\\\\"/g\'; }';
  const prologue = [
    'set -eu',
    `es=${sq(url)}`,
    'call() { curl -fsS -m 30 -u "elastic:$ELASTIC_PASSWORD" -H \'Content-Type: application/json\' "$@"; echo; }',
    'until call -o /dev/null "$es/_cluster/health?wait_for_status=yellow&timeout=5s"; do echo "waiting for $es"; sleep 5; done',
  ];
  const script = () => [
    ...prologue,
    json,
    `call -X PUT "$es/_security/role/${LOG_WRITER_USER}" -d '${JSON.stringify({
      cluster: ['monitor'],
      indices: [{ names: [`${LOG_INDEX_PREFIX}-*`], privileges: ['create_index', 'create_doc', 'write', 'view_index_metadata', 'auto_configure'] }],
    })}'`,
    `call -X PUT "$es/_security/user/${LOG_WRITER_USER}" -d "{\\"password\\":\\"$(esc "$LOG_WRITER_PASSWORD")\\",\\"roles\\":[\\"${LOG_WRITER_USER}\\"]}"`,
    ...(exporterOn ? [
      // the exporter reads cluster health and node stats (its default collectors): cluster monitor only
      `call -X PUT "$es/_security/role/${METRICS_EXPORTER_USER}" -d '${JSON.stringify({ cluster: ['monitor'] })}'`,
      `call -X PUT "$es/_security/user/${METRICS_EXPORTER_USER}" -d "{\\"password\\":\\"$(esc "$EXPORTER_PASSWORD")\\",\\"roles\\":[\\"${METRICS_EXPORTER_USER}\\"]}"`,
    ] : []),
    ...(kibana ? ['call -X POST "$es/_security/user/kibana_system/_password" -d "{\\"password\\":\\"$(esc "$KIBANA_PASSWORD")\\"}"'] : []),
    ...retentionScript(rules),
    'echo done',
  ].join('\n');
  const jobSecrets = [...new Set([
    password.secretName, logWriter.secretName, ...(kibana ? [kibanaSecret] : []), ...(exporterOn ? [exporterSecret.secretName] : []),
  ])].sort();
  const jobEnv: kplus.k8s.EnvVar[] = [
    { name: 'ELASTIC_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } },
    { name: 'LOG_WRITER_PASSWORD', valueFrom: { secretKeyRef: { name: logWriter.secretName, key: logWriter.key } } },
    ...(kibana ? [{ name: 'KIBANA_PASSWORD', valueFrom: { secretKeyRef: { name: kibanaSecret, key: 'kibana-system-password' } } }] : []),
    ...(exporterOn ? [{ name: 'EXPORTER_PASSWORD', valueFrom: { secretKeyRef: { name: exporterSecret.secretName, key: exporterSecret.key } } }] : []),
  ];
  provision.job(provision.podTemplate([secureContainer({
    name: 'provision',
    image,
    command: lazy(() => ['/bin/sh', '-c', script()]),
    env: jobEnv,
    resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 32, memoryLimitMebibytes: 128 },
  })], UID, undefined, { [ANNOTATION_EXTERNAL_SECRETS]: jobSecrets.join(',') }), {
    // a Job's template is immutable: the name carries a hash of what it does (every step is idempotent)
    name: lazy(() => `${objectName(stack, name, 'provision')}-${createHash('sha256')
      .update(JSON.stringify({ script: script(), env: jobEnv, image })).digest('hex').slice(0, 10)}`),
    backoffLimit: 10,
    activeDeadlineSeconds: 3600,
  });

  // Writers that install their own index template (Jaeger, Zipkin) create an index a day: the
  // CronJob sets the ILM policy on the new ones (and re-asserts the policies and owned templates).
  const retention = new TaskPods(stack, 'elasticsearch-retention', {
    architecture: arch,
    chart,
    name: objectName(stack, name, 'retention'),
    namespace: ns,
    identity: { name, instance: `${arch.name}-${name}-retention`, component: 'retention', partOf: arch.name },
  });
  connect(retention);
  retention.cronJob('17 * * * *', retention.podTemplate([secureContainer({
    name: 'retention',
    image,
    command: lazy(() => ['/bin/sh', '-c', [...prologue, ...retentionScript(rules), 'echo done'].join('\n')]),
    env: [{ name: 'ELASTIC_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } }],
    resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 32, memoryLimitMebibytes: 128 },
  })], UID, undefined, { [ANNOTATION_EXTERNAL_SECRETS]: password.secretName }));

  // ---- elasticsearch_exporter: cluster health, node heap and disk (flags: main.go of v1.11.0)
  if (exporterOn) {
    const exporter = deployMetricsExporter(stack, 'elasticsearch-exporter', {
      architecture: arch,
      chart,
      componentName: name,
      name: exporterName,
      namespace: ns,
      kind: 'elasticsearch-exporter',
      metricsKind: ELASTICSEARCH_METRICS_KIND,
      image: exporterImage,
      port: ELASTICSEARCH_EXPORTER_PORT,
      uid: EXPORTER_UID,
      args: [
        `--es.uri=${url}`,
        // every node's stats from one exporter (the default is the node it talks to)
        '--es.all',
        '--es.timeout=20s',
        // the cluster name and version (and elasticsearch_clusterinfo_up) are re-read on this
        // interval: after a start before Elasticsearch was up, 1 minute instead of the default 5
        '--es.clusterinfo.interval=1m',
        `--web.listen-address=:${ELASTICSEARCH_EXPORTER_PORT}`,
      ],
      // the exporter reads ES_USERNAME/ES_PASSWORD (both set) for basic auth: nothing on the command line
      env: [
        { name: 'ES_USERNAME', value: METRICS_EXPORTER_USER },
        { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: exporterSecret.secretName, key: exporterSecret.key } } },
      ],
      externalSecrets: [exporterSecret.secretName],
      // the port opens after the first cluster-info request succeeds or times out
      startupSeconds: 120,
    });
    connect(exporter);
  }

  // ---- Kibana
  let kibanaWorkload: StatelessWorkload | undefined;
  if (kibana) {
    const kname = objectName(stack, stack.componentName, 'kibana');
    kibanaWorkload = new StatelessWorkload(stack, 'kibana', {
      architecture: arch,
      chart,
      name: kname,
      namespace: ns,
      identity: { name: kname, instance: `${arch.name}-${kname}`, component: 'kibana', partOf: arch.name },
      replicas: production ? 2 : 1,
      ports: [{ name: 'http', port: KIBANA_PORT, appProtocol: 'http' }],
      uid: UID,
      podAnnotations: { [ANNOTATION_EXTERNAL_SECRETS]: kibanaSecret },
      volumes: [
        // Kibana writes its UUID to data/; node and the optimizer use /tmp
        { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ],
      containers: (w) => [secureContainer({
        name: 'kibana',
        image: kibanaImage,
        ports: w.containerPorts,
        env: [
          { name: 'SERVER_HOST', value: '0.0.0.0' },
          { name: 'ELASTICSEARCH_HOSTS', value: url },
          // since 8.x Kibana may not use the elastic superuser: the built-in kibana_system user,
          // whose password the provisioning Job sets from the same Secret
          { name: 'ELASTICSEARCH_USERNAME', value: 'kibana_system' },
          { name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: kibanaSecret, key: 'kibana-system-password' } } },
          // Every replica must share these keys (each at least 32 characters): a session cookie
          // encrypted by one replica is read by the other (without a shared security key, every
          // request reaching the other replica logs the user out); saved objects and reports too.
          { name: 'XPACK_SECURITY_ENCRYPTIONKEY', valueFrom: { secretKeyRef: { name: kibanaSecret, key: 'security-encryption-key' } } },
          { name: 'XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY', valueFrom: { secretKeyRef: { name: kibanaSecret, key: 'encryption-key' } } },
          { name: 'XPACK_REPORTING_ENCRYPTIONKEY', valueFrom: { secretKeyRef: { name: kibanaSecret, key: 'reporting-encryption-key' } } },
          // /api/status answers unauthenticated requests (redacted), so the probe needs no credentials
          { name: 'STATUS_ALLOWANONYMOUS', value: 'true' },
        ],
        resources: production
          ? { cpuRequestMillis: 500, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 2048 }
          : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 },
        startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, failureThreshold: 30 },
        // 503 while Elasticsearch is unavailable: out of the Service, but not restarted
        readinessProbe: { httpGet: { path: '/api/status', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 20, failureThreshold: 6 },
        volumeMounts: [
          { name: 'data', mountPath: '/usr/share/kibana/data' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      })],
    });
    connect(kibanaWorkload);
  }

  return {
    url,
    host,
    port: ELASTICSEARCH_HTTP_PORT,
    workload: cluster,
    ports,
    username: 'elastic',
    passwordSecret: password,
    logWriterPasswordSecret: logWriter,
    kibana: kibanaWorkload,
    majorVersion: imageMajorVersion(image),
    connect,
    retain: (rule: IndexRetentionRule) => {
      if (rules.some((r) => r.policy === rule.policy)) {
        fail(stack, `the retention policy ${show(rule.policy)} is registered twice`, 'register each kind of data once');
      }
      validateInteger(stack, `${rule.writer} retentionDays`, rule.deleteAfterDays, 1, 3650, 'keep the data from 1 to 3650 days');
      rules.push(rule);
    },
    retentionRules: rules,
  };
}
