import * as kplus from 'cdk8s-plus-28';
import { DeployElasticsearchOptions, ElasticsearchEndpoint, LOG_INDEX_PREFIX, LOG_WRITER_USER } from './elasticsearch';
import {
  agentStateDir, ANNOTATION_FLUENT_BIT_EXCLUDE, APP_FIELDS_KEY, ANNOTATION_LOGS, FILEBEAT_DEFAULT_IMAGE, filebeatConfig, filebeatScript,
  FLUENT_BIT_DEFAULT_IMAGE, fluentBitConfig, fluentBitLua, FLUENTD_DEFAULT_IMAGE, fluentdConfig, LogAgent, LOGSTASH_BEATS_PORT,
  LOGSTASH_HTTP_PORT, logstashPipeline, AgentDestination,
} from './log-agents';
import { ElasticsearchStoreOptions, ILogStore, LoggingPipelineOptions, LogStoreKind } from './logging-options';
import type { ObservabilityStack } from './observability-stack';
import { DeployedPillar, InstrumentationTarget, PillarImpl } from './pillar-impl';
import { ILoggingPipeline, LoggingKind, MetricsKind } from './pillars';
import { LogSeverity, Severities } from './severity';
import { NetworkPort, Protocol } from '../architecture/binding';
import { PodSecurityLevel } from '../architecture/pod-security';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { objectName, validateImage, validateInteger } from '../internal/names';
import { secureContainer } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatelessWorkload } from '../internal/stateless-workload';

const k8s = kplus.k8s;
const LOGSTASH_DEFAULT_IMAGE = 'docker.elastic.co/logstash/logstash:9.5.2';
const LOGSTASH_API_PORT = 9600;
const ELASTIC_UID = 1000;

/** The Elasticsearch store (implementation). @internal */
class ElasticsearchStore implements ILogStore {
  public readonly kind = LogStoreKind.ELASTICSEARCH;
  constructor(public readonly options: ElasticsearchStoreOptions) {}
}

/** Factories for the log stores. */
export class LogStore {
  /** Elasticsearch (with Kibana unless the pipeline says otherwise), shared with tracing backends that store in Elasticsearch. */
  public static elasticsearch(options: ElasticsearchStoreOptions = {}): ILogStore {
    return new ElasticsearchStore(options);
  }

  private constructor() {}
}

/** Factories for the logging pipelines. */
export class Logging {
  /** Fluent Bit DaemonSet (tail + kubernetes filter + a Lua severity filter). */
  public static fluentBit(options: LoggingPipelineOptions = {}): ILoggingPipeline {
    return new LoggingPipeline(LoggingKind.FLUENT_BIT, options);
  }

  /** Fluentd DaemonSet (tail + kubernetes_metadata + record_transformer severity mapping). */
  public static fluentd(options: LoggingPipelineOptions = {}): ILoggingPipeline {
    return new LoggingPipeline(LoggingKind.FLUENTD, options);
  }

  /** Filebeat DaemonSet (filestream + add_kubernetes_metadata + a script processor for severities). */
  public static filebeat(options: LoggingPipelineOptions = {}): ILoggingPipeline {
    return new LoggingPipeline(LoggingKind.FILEBEAT, options);
  }

  /**
   * The Elasticsearch settings a logging pipeline asks for (the stack creates the shared cluster
   * with them), or undefined if it does not store in Elasticsearch. @internal
   */
  public static _elasticsearchOptions(pipeline: ILoggingPipeline | undefined): DeployElasticsearchOptions | undefined {
    if (!(pipeline instanceof LoggingPipeline)) return undefined;
    const store = pipeline.options.store ?? LogStore.elasticsearch();
    if (!(store instanceof ElasticsearchStore)) return undefined;
    return { ...store.options, kibana: pipeline.options.kibana ?? true, kibanaImage: pipeline.options.kibanaImage };
  }

  private constructor() {}
}

const AGENT_IMAGES: Record<LoggingKind, string> = {
  [LoggingKind.FLUENT_BIT]: FLUENT_BIT_DEFAULT_IMAGE,
  [LoggingKind.FLUENTD]: FLUENTD_DEFAULT_IMAGE,
  [LoggingKind.FILEBEAT]: FILEBEAT_DEFAULT_IMAGE,
};

class LoggingPipeline implements ILoggingPipeline, PillarImpl {
  constructor(public readonly kind: LoggingKind, public readonly options: LoggingPipelineOptions) {}

  public _deploy(stack: ObservabilityStack): DeployedPillar {
    const o = this.options;
    const arch = stack.architecture;
    const production = arch.profile === Profile.PRODUCTION;

    // ---- validation
    const store = o.store ?? LogStore.elasticsearch();
    if (!(store instanceof ElasticsearchStore)) {
      fail(stack, `log store ${show(store.kind)} is not one of the library's stores`, 'choose it with the factories of LogStore (e.g. LogStore.elasticsearch())');
    }
    const image = o.image ?? AGENT_IMAGES[this.kind];
    validateImage(stack, image);
    const scraped = stack._pillarKinds.metrics === MetricsKind.PROMETHEUS;
    if (o.filebeatExporterImage !== undefined) {
      if (this.kind !== LoggingKind.FILEBEAT) {
        fail(stack, `filebeatExporterImage is set for the ${this.kind} pipeline`, `remove it (${this.kind} serves Prometheus metrics itself)`);
      }
      if (!scraped) fail(stack, 'filebeatExporterImage is set but the metrics pillar is not Metrics.prometheus(): nothing would scrape it', 'remove it, or use Metrics.prometheus()');
      validateImage(stack, o.filebeatExporterImage);
    }
    const minimum = o.minimumSeverity ?? LogSeverity.DEBUG;
    if (!Severities.all().includes(minimum)) {
      fail(stack, `minimumSeverity ${show(minimum)} is not an RFC 5424 severity`, 'use a LogSeverity value (e.g. LogSeverity.INFORMATIONAL)');
    }
    const resources = resolveResources(stack, arch.profile, o.resources, this.kind === LoggingKind.FLUENTD
      ? { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 });
    if (o.kibana === false && o.kibanaImage !== undefined) {
      fail(stack, `kibanaImage ${show(o.kibanaImage)} is set but kibana is false`, 'remove kibanaImage, or set kibana to true');
    }
    if (o.logstash === false && o.logstashOptions !== undefined) {
      fail(stack, 'logstashOptions are set but logstash is false', 'remove logstashOptions, or set logstash to true');
    }
    const useLogstash = o.logstash === true || o.logstashOptions !== undefined;
    const ls = o.logstashOptions ?? {};
    const lsImage = ls.image ?? LOGSTASH_DEFAULT_IMAGE;
    validateImage(stack, lsImage);
    const lsReplicas = validateInteger(stack, 'logstash replicas', ls.replicas ?? (production ? 2 : 1), 1, 50, 'use 1 to 50 replicas (2 or more in production)');
    const lsResources = resolveResources(stack, arch.profile, ls.resources, production
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 });
    if (useLogstash && lsResources.memoryLimitMebibytes < 1024) {
      fail(stack, `logstash resources.memoryLimitMebibytes ${lsResources.memoryLimitMebibytes} is too small (the heap is half of it)`, 'give Logstash at least 1024 MiB');
    }

    // ---- the store (the stack's shared cluster), its retention, and the agents' namespace
    const es: ElasticsearchEndpoint = stack._elasticsearch();
    es.retain({
      policy: LOG_INDEX_PREFIX,
      patterns: [`${LOG_INDEX_PREFIX}-*`],
      deleteAfterDays: o.retentionDays ?? (production ? 14 : 7),
      writer: `the ${useLogstash ? 'Logstash' : this.kind} log pipeline`,
      template: {
        settings: { 'index.number_of_shards': 1, 'index.number_of_replicas': production ? 1 : 0 },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            'severity': { type: 'keyword' },
            'severity_code': { type: 'byte' },
            // every application's own fields: one field, no per-application mappings to conflict
            [APP_FIELDS_KEY]: { type: 'flattened' },
            'kubernetes': { properties: { labels: { type: 'flattened' }, annotations: { type: 'flattened' } } },
          },
        },
      },
    });
    const agentNamespace = objectName(stack, stack.namespace, 'agents');
    arch.addNamespace(stack, agentNamespace, {
      podSecurity: PodSecurityLevel.PRIVILEGED,
      reason: `the ${this.kind} log agent mounts the nodes' /var/log/pods and /var/log/containers (hostPath volumes, which "baseline" forbids) `
        + 'and runs as uid 0 to read the root-owned log files (no capabilities, no privilege escalation, read-only root filesystem)',
    });
    arch.addNamespace(stack, stack.namespace);
    const chart = arch._newComponentChart(stack, `${stack.componentName}-logging`);
    const agentName = objectName(stack, stack.componentName, this.kind);
    const stateDir = agentStateDir(stack.componentName, this.kind);

    // ---- Logstash (optional)
    let logstash: StatelessWorkload | undefined;
    if (useLogstash) {
      const name = objectName(stack, stack.componentName, 'logstash');
      const configMap = objectName(stack, name, 'config');
      const inputPort = this.kind === LoggingKind.FILEBEAT
        ? { name: 'beats', port: LOGSTASH_BEATS_PORT }
        : { name: 'http', port: LOGSTASH_HTTP_PORT, appProtocol: 'http' };
      new k8s.KubeConfigMap(chart, 'logstash-config', {
        metadata: { name: configMap, namespace: stack.namespace },
        data: {
          'logstash.yml': 'api.http.host: "0.0.0.0"\npath.data: /usr/share/logstash/data\n',
          'logstash.conf': logstashPipeline(this.kind, { url: es.url, user: LOG_WRITER_USER, indexPrefix: LOG_INDEX_PREFIX }),
        },
      });
      const heap = Math.floor(lsResources.memoryLimitMebibytes / 2);
      logstash = new StatelessWorkload(stack, 'logstash', {
        architecture: arch,
        chart,
        name,
        namespace: stack.namespace,
        identity: { name, instance: `${arch.name}-${name}`, component: 'logstash', partOf: arch.name },
        replicas: lsReplicas,
        ports: [inputPort, { name: 'api', port: LOGSTASH_API_PORT, appProtocol: 'http' }],
        uid: ELASTIC_UID,
        podAnnotations: { 'cdk8s-architect.dev/external-secrets': es.logWriterPasswordSecret.secretName },
        volumes: [
          { name: 'settings', configMap: { name: configMap, items: [{ key: 'logstash.yml', path: 'logstash.yml' }] } },
          { name: 'pipeline', configMap: { name: configMap, items: [{ key: 'logstash.conf', path: 'logstash.conf' }] } },
          // the image's config directory plus our logstash.yml (the entrypoint's env2yaml rewrites it)
          { name: 'config', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
          { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        ],
        initContainers: () => [secureContainer({
          name: 'config',
          image: lsImage,
          command: ['/bin/sh', '-c', 'cp -R /usr/share/logstash/config/. /config-rw/ && cp /settings/logstash.yml /config-rw/logstash.yml'],
          resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
          volumeMounts: [{ name: 'config', mountPath: '/config-rw' }, { name: 'settings', mountPath: '/settings', readOnly: true }],
        })],
        containers: (w) => [secureContainer({
          name: 'logstash',
          image: lsImage,
          ports: w.containerPorts,
          env: [
            { name: 'LS_JAVA_OPTS', value: `-Xms${heap}m -Xmx${heap}m` },
            { name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: es.logWriterPasswordSecret.secretName, key: es.logWriterPasswordSecret.key } } },
          ],
          resources: lsResources,
          startupProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('api') }, periodSeconds: 10, failureThreshold: 30 },
          readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('api') }, periodSeconds: 10, timeoutSeconds: 5 },
          livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('api') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            { name: 'config', mountPath: '/usr/share/logstash/config' },
            { name: 'pipeline', mountPath: '/usr/share/logstash/pipeline', readOnly: true },
            { name: 'data', mountPath: '/usr/share/logstash/data' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        })],
      });
      es.connect(logstash);
    }

    // ---- the agent
    const destination: AgentDestination = logstash
      ? { logstash: { host: logstash.host } }
      : { elasticsearch: { url: es.url, user: LOG_WRITER_USER, passwordSecret: es.logWriterPasswordSecret, indexPrefix: LOG_INDEX_PREFIX } };
    const ctx = { destination, maximumCode: Severities.code(minimum), agentNamespace, stateDir };
    const files: Record<string, string> = this.kind === LoggingKind.FLUENT_BIT
      ? { 'fluent-bit.conf': fluentBitConfig(ctx), 'severity.lua': fluentBitLua(ctx.maximumCode) }
      : this.kind === LoggingKind.FLUENTD
        ? { 'fluent.conf': fluentdConfig(ctx) }
        : // JSON is YAML: no YAML library at runtime
        { 'filebeat.yml': `${JSON.stringify(filebeatConfig(ctx), null, 2)}\n`, 'severity.js': filebeatScript(ctx.maximumCode) };
    const agent = new LogAgent(stack, 'log-agent', {
      architecture: arch,
      chart,
      kind: this.kind,
      name: agentName,
      namespace: agentNamespace,
      image,
      resources,
      stateDir,
      files,
      // the log writer's password, a copy of the stack namespace's Secret in the agents' namespace
      passwordSecret: logstash ? undefined : es.logWriterPasswordSecret,
      // Fluent Bit and Fluentd serve Prometheus metrics themselves, Filebeat through a json_exporter
      // sidecar: scraped when the metrics pillar is Prometheus
      scraped,
      exporterImage: o.filebeatExporterImage,
    });
    if (logstash) {
      const ports: NetworkPort[] = [{ port: this.kind === LoggingKind.FILEBEAT ? LOGSTASH_BEATS_PORT : LOGSTASH_HTTP_PORT, protocol: Protocol.TCP }];
      agent.allowEgressTo(logstash, ports);
      logstash.allowIngressFrom(agent, ports);
    } else {
      es.connect(agent);
    }

    const kind = this.kind;
    return {
      instrument: (target: InstrumentationTarget) => {
        if (target.logShipping) {
          target.addPodAnnotations({ [ANNOTATION_LOGS]: 'true' });
          return;
        }
        target.addPodAnnotations({
          [ANNOTATION_LOGS]: 'false',
          ...(kind === LoggingKind.FLUENT_BIT ? { [ANNOTATION_FLUENT_BIT_EXCLUDE]: 'true' } : {}),
        });
      },
    };
  }
}
