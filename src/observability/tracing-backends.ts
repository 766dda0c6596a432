import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ElasticsearchEndpoint, imageMajorVersion } from './elasticsearch';
import type { ObservabilityStack } from './observability-stack';
import { CollectorExporter, deployCollector, OTEL_COLLECTOR_DEFAULT_IMAGE, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './otel-collector';
import { DeployedPillar, InstrumentationTarget, PillarImpl } from './pillar-impl';
import { ITracingBackend, MetricsKind, TracingKind } from './pillars';
import { JaegerOptions, SkyWalkingOptions, TracingOptions, TracingStorage, ZipkinOptions } from './tracing-options';
import { EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { ComputeResources } from '../architecture/resources';
import type { IConsole } from '../architecture/routable';
import { stringifyYaml } from '../internal/component-chart';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, DOMAIN } from '../internal/labels';
import { objectName, validateImage, validateInteger } from '../internal/names';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources, ResolvedResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';

const k8s = kplus.k8s;

export const JAEGER_DEFAULT_IMAGE = 'jaegertracing/jaeger:2.19.0';
export const ZIPKIN_DEFAULT_IMAGE = 'openzipkin/zipkin:3.6.1';
export const SKYWALKING_OAP_DEFAULT_IMAGE = 'apache/skywalking-oap-server:10.3.0';
export const SKYWALKING_UI_DEFAULT_IMAGE = 'apache/skywalking-ui:10.3.0';
/** OAP 10.3.0 bumped its BanyanDB dependency (server and client) to 0.9.0 (SkyWalking changes.md). */
export const BANYANDB_DEFAULT_IMAGE = 'apache/skywalking-banyandb:0.9.0';

const tcp = (port: number): NetworkPort => ({ port, protocol: Protocol.TCP });
const httpGet = (path: string, port: number) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(port), scheme: 'HTTP' } });
const tcpSocket = (port: number) => ({ tcpSocket: { port: k8s.IntOrString.fromNumber(port) } });
const configHash = (text: string) => ({ [`${DOMAIN}/config-hash`]: createHash('sha256').update(text).digest('hex').slice(0, 16) });

/** The stack's shared Elasticsearch (created on first use by whichever pillar asks first). */
function elasticsearchOf(stack: ObservabilityStack): ElasticsearchEndpoint {
  return stack._elasticsearch();
}

/** The Elasticsearch credentials: the user as a value, its password by secretKeyRef. */
function esCredentials(es: ElasticsearchEndpoint, userVar: string, passwordVar: string): kplus.k8s.EnvVar[] {
  return [
    { name: userVar, value: es.username },
    { name: passwordVar, valueFrom: { secretKeyRef: { name: es.passwordSecret.secretName, key: es.passwordSecret.key } } },
  ];
}

/** The pod annotation declaring the Elasticsearch password Secret as managed outside the manifests. */
function esSecretsAnnotation(es: ElasticsearchEndpoint | undefined): Record<string, string> {
  return es ? { [ANNOTATION_EXTERNAL_SECRETS]: es.passwordSecret.secretName } : {};
}

/** The edge server -> Elasticsearch HTTP port (both NetworkPolicy sides). */
function esEdge(server: IWorkload, es: ElasticsearchEndpoint): void {
  es.connect(server);
}

/** Settings common to every backend, resolved and validated. */
interface CommonSettings {
  readonly sampling: number;
  readonly storage: TracingStorage;
  readonly backendReplicas: number;
  readonly retentionDays: number;
}

/** What a backend hands back to the common part: where the collector sends spans. */
interface BackendEndpoint {
  readonly exporter: CollectorExporter;
  readonly workload: IWorkload;
  readonly ports: NetworkPort[];
  /** The backend's web UI (no login of its own). */
  readonly console: IConsole;
}

interface BackendContext {
  readonly stack: ObservabilityStack;
  readonly chart: Chart;
  readonly settings: CommonSettings;
  readonly profile: Profile;
}

/** Percent-encodes a key or value of `OTEL_RESOURCE_ATTRIBUTES` (W3C Baggage octets, as the SDK spec asks). */
function encodeAttribute(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The standard OpenTelemetry SDK variables a traced service gets. @internal */
export function tracingEnv(
  target: InstrumentationTarget, collectorHost: string, sampling: number, profile: Profile, otlpMetrics: boolean = false,
  traces: boolean = target.tracing,
): EnvVariable[] {
  const attrs: Array<[string, string]> = [
    ['service.namespace', target.context],
    ['service.version', target.version],
    ['deployment.environment', profile],
    ['k8s.namespace.name', target.workload.namespace],
    ...(target.team !== undefined ? [['team', target.team] as [string, string]] : []),
  ];
  const v = (name: string, value: string): EnvVariable => ({ name, value: EnvValue.fromValue(value) });
  return [
    v('OTEL_SERVICE_NAME', target.serviceName),
    v('OTEL_EXPORTER_OTLP_ENDPOINT', `http://${collectorHost}:${OTLP_HTTP_PORT}`),
    v('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'),
    v('OTEL_TRACES_EXPORTER', traces ? 'otlp' : 'none'),
    // metrics pushed over OTLP: the metrics pillar sets OTEL_METRICS_EXPORTER and its endpoint
    ...(otlpMetrics ? [] : [v('OTEL_METRICS_EXPORTER', 'none')]),
    v('OTEL_LOGS_EXPORTER', 'none'),
    v('OTEL_TRACES_SAMPLER', 'parentbased_traceidratio'),
    v('OTEL_TRACES_SAMPLER_ARG', String(sampling)),
    v('OTEL_PROPAGATORS', 'tracecontext,baggage'),
    v('OTEL_RESOURCE_ATTRIBUTES', attrs.map(([k, val]) => `${encodeAttribute(k)}=${encodeAttribute(val)}`).join(',')),
  ];
}

/** The service pushes OTLP metrics that the Prometheus metrics pillar takes. @internal */
export function pushesMetrics(stack: ObservabilityStack, target: InstrumentationTarget): boolean {
  return target.scraping && target.metricsExport === 'otlp' && stack._pillarKinds.metrics === MetricsKind.PROMETHEUS;
}

/**
 * The shared part of every tracing backend: the OpenTelemetry Collector hub every service sends
 * OTLP to, the backend behind it, and the instrumentation of the services.
 */
abstract class TracingBackendImpl implements ITracingBackend, PillarImpl {
  public abstract readonly kind: TracingKind;

  constructor(private readonly common: TracingOptions) {}

  public _deploy(stack: ObservabilityStack): DeployedPillar {
    const arch = stack.architecture;
    const profile = arch.profile;
    const o = this.common;
    const production = profile === Profile.PRODUCTION;
    const sampling = o.sampling ?? (production ? 0.1 : 1);
    if (typeof sampling !== 'number' || !Number.isFinite(sampling) || sampling < 0 || sampling > 1) {
      fail(stack, `tracing sampling ${show(sampling)} is not a ratio from 0 to 1`, 'use e.g. 1 (every trace), 0.1 (one in ten) or 0 (only traces the caller sampled)');
    }
    const skywalking = this.kind === TracingKind.SKYWALKING;
    const storage = o.storage ?? (production ? (skywalking ? TracingStorage.BANYANDB : TracingStorage.ELASTICSEARCH) : TracingStorage.MEMORY);
    if (!Object.values(TracingStorage).includes(storage)) {
      fail(stack, `tracing storage ${show(storage)} is not supported`, `use one of ${Object.values(TracingStorage).map((s) => show(s)).join(', ')}`);
    }
    if (storage === TracingStorage.BANYANDB && !skywalking) {
      fail(stack, `tracing storage ${show(storage)} is SkyWalking's own database: ${this.kind} cannot store in it`,
        'use TracingStorage.ELASTICSEARCH (production) or TracingStorage.MEMORY (development)');
    }
    const retentionDays = validateInteger(stack, 'tracing retentionDays', o.retentionDays ?? 7, 1, 3650, 'keep the traces from 1 to 3650 days');
    const collectorReplicas = validateInteger(stack, 'tracing collectorReplicas', o.collectorReplicas ?? (production ? 2 : 1), 1, 100,
      'use at least 1 collector (2 or more in production)');
    const collectorImage = o.collectorImage ?? OTEL_COLLECTOR_DEFAULT_IMAGE;
    validateImage(stack, collectorImage);
    const collectorResources = resolveResources(stack, profile, o.collectorResources, production
      ? { cpuRequestMillis: 200, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 });
    const backendReplicas = validateInteger(stack, 'tracing backendReplicas',
      o.backendReplicas ?? (storage === TracingStorage.ELASTICSEARCH && this.kind !== TracingKind.SKYWALKING ? 2 : 1), 1, 100,
      'use at least 1 replica');
    if (backendReplicas > 1 && storage === TracingStorage.MEMORY) {
      fail(stack, `tracing backendReplicas ${backendReplicas} with TracingStorage.MEMORY would split the traces across replicas`,
        'use 1 replica with memory storage, or TracingStorage.ELASTICSEARCH');
    }
    if (backendReplicas > 1 && this.kind === TracingKind.SKYWALKING) {
      fail(stack, `tracing backendReplicas ${backendReplicas}: the SkyWalking OAP runs one replica (its cluster coordination needs the Kubernetes API)`,
        'use 1 replica');
    }

    arch.addNamespace(stack, stack.namespace);
    const chart = arch._newComponentChart(stack, `${stack.componentName}-tracing`);
    const settings: CommonSettings = { sampling, storage, backendReplicas, retentionDays };
    const backend = this.deployBackend({ stack, chart, settings, profile });

    const collector = deployCollector(stack, {
      chart,
      name: objectName(stack, stack.componentName, 'otel-collector'),
      image: collectorImage,
      replicas: collectorReplicas,
      resources: collectorResources,
      exporter: backend.exporter,
      // the OTLP metrics of the services, for Prometheus to scrape
      metrics: stack._pillarKinds.metrics === MetricsKind.PROMETHEUS,
    });
    stack._collector = collector;
    collector.allowEgressTo(backend.workload, backend.ports);
    backend.workload.allowIngressFrom(collector, backend.ports);

    const otlpPorts = [tcp(OTLP_GRPC_PORT), tcp(OTLP_HTTP_PORT)];
    return {
      consoles: [backend.console],
      instrument: (target: InstrumentationTarget) => {
        const otlpMetrics = pushesMetrics(stack, target);
        // a service that pushes metrics but is not traced still needs its identity variables
        if (!target.tracing && !otlpMetrics) return;
        target.addEnv(tracingEnv(target, collector.host, sampling, profile, otlpMetrics), `observability stack ${show(stack.node.path)} (tracing)`);
        target.workload.allowEgressTo(collector, otlpPorts);
        collector.allowIngressFrom(target.workload, otlpPorts);
      },
    };
  }

  protected abstract deployBackend(ctx: BackendContext): BackendEndpoint;
}

function imageOf(stack: ObservabilityStack, image: string | undefined, fallback: string): string {
  const i = image ?? fallback;
  validateImage(stack, i);
  return i;
}

function resourcesOf(
  stack: ObservabilityStack, user: ComputeResources | undefined, dev: ResolvedResources, prod: ResolvedResources,
): ResolvedResources {
  const profile = stack.architecture.profile;
  return resolveResources(stack, profile, user, profile === Profile.PRODUCTION ? prod : dev);
}

function identity(stack: ObservabilityStack, name: string, component: string) {
  const arch = stack.architecture;
  return { name, instance: `${arch.name}-${name}`, component, partOf: arch.name };
}

/** Jaeger v2 (an OpenTelemetry Collector build): OTLP in, memory or Elasticsearch storage, query UI on 16686. */
export class JaegerTracing extends TracingBackendImpl {
  public readonly kind = TracingKind.JAEGER;
  constructor(private readonly options: JaegerOptions) { super(options); }

  protected deployBackend(ctx: BackendContext): BackendEndpoint {
    const { stack, chart, settings } = ctx;
    const image = imageOf(stack, this.options.image, JAEGER_DEFAULT_IMAGE);
    const resources = resourcesOf(stack, this.options.resources,
      { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 },
      { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 });
    const name = objectName(stack, stack.componentName, 'jaeger');
    const configMapName = `${name}-config`;
    const es = settings.storage === TracingStorage.ELASTICSEARCH ? elasticsearchOf(stack) : undefined;
    const configYaml = renderJaegerConfig(es?.url, ctx.profile === Profile.PRODUCTION ? 1 : 0);
    const tmp = writableVolumes(stack, ['/tmp'], 64);
    const workload = new StatelessWorkload(stack, 'jaeger', {
      architecture: stack.architecture,
      chart,
      name,
      namespace: stack.namespace,
      identity: identity(stack, name, 'jaeger'),
      replicas: settings.backendReplicas,
      uid: 10001, // Dockerfile USER 10001
      ports: [
        { name: 'otlp-grpc', port: OTLP_GRPC_PORT, appProtocol: 'grpc' },
        { name: 'query-http', port: 16686, appProtocol: 'http' },
      ],
      podAnnotations: { ...configHash(configYaml), ...esSecretsAnnotation(es) },
      volumes: [{ name: 'config', configMap: { name: configMapName } }, ...tmp.volumes],
      containers: (w) => [secureContainer({
        name: 'jaeger',
        image,
        args: ['--config=/etc/jaeger/config.yaml'],
        ports: [...w.containerPorts, { name: 'health', containerPort: 13133 }],
        env: es ? esCredentials(es, 'ES_USERNAME', 'ES_PASSWORD') : undefined,
        resources,
        startupProbe: { ...httpGet('/status', 13133), periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...httpGet('/status', 13133), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...httpGet('/status', 13133), periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 5 },
        volumeMounts: [{ name: 'config', mountPath: '/etc/jaeger', readOnly: true }, ...tmp.mounts],
      })],
    });
    if (es) {
      esEdge(workload, es);
      // index_prefix "jaeger": jaeger-jaeger-span-YYYY-MM-DD, -service-, -dependencies- (Jaeger installs their templates)
      es.retain({ policy: 'jaeger', patterns: ['jaeger-*'], deleteAfterDays: settings.retentionDays, writer: 'Jaeger' });
    }
    new k8s.KubeConfigMap(chart, 'jaeger-config', {
      metadata: { name: configMapName, namespace: stack.namespace, labels: workload.labels },
      data: { 'config.yaml': configYaml },
    });
    return {
      exporter: { kind: 'otlp', name: 'jaeger', endpoint: `${workload.host}:${OTLP_GRPC_PORT}` },
      workload,
      ports: [tcp(OTLP_GRPC_PORT)],
      console: new PlatformConsole('jaeger', workload, workload.name, 16686, false),
    };
  }
}

/** Jaeger v2's configuration (pure): OTLP receivers, `jaeger_storage` (memory or Elasticsearch), query and health extensions. */
export function renderJaegerConfig(elasticsearchUrl: string | undefined, indexReplicas: number): string {
  const backend = elasticsearchUrl !== undefined
    ? {
      elasticsearch: {
        server_urls: [elasticsearchUrl],
        auth: { basic: { username: '${env:ES_USERNAME}', password: '${env:ES_PASSWORD}' } },
        indices: {
          index_prefix: 'jaeger',
          spans: { shards: 3, replicas: indexReplicas },
          services: { shards: 1, replicas: indexReplicas },
          dependencies: { shards: 1, replicas: indexReplicas },
        },
      },
    }
    : { memory: { max_traces: 50000 } };
  return stringifyYaml({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: '0.0.0.0:13133' } },
      jaeger_query: { storage: { traces: 'main' }, http: { endpoint: '0.0.0.0:16686' }, grpc: { endpoint: '0.0.0.0:16685' } },
      jaeger_storage: { backends: { main: backend } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'main' } },
  });
}

/** Zipkin: the collector's `zipkin` exporter posts to `/api/v2/spans`; memory or Elasticsearch storage. */
export class ZipkinTracing extends TracingBackendImpl {
  public readonly kind = TracingKind.ZIPKIN;
  constructor(private readonly options: ZipkinOptions) { super(options); }

  protected deployBackend(ctx: BackendContext): BackendEndpoint {
    const { stack, chart, settings } = ctx;
    const image = imageOf(stack, this.options.image, ZIPKIN_DEFAULT_IMAGE);
    const resources = resourcesOf(stack, this.options.resources,
      { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 },
      { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 });
    const name = objectName(stack, stack.componentName, 'zipkin');
    const es = settings.storage === TracingStorage.ELASTICSEARCH ? elasticsearchOf(stack) : undefined;
    const tmp = writableVolumes(stack, ['/tmp'], 64);
    const heap = Math.floor(resources.memoryLimitMebibytes * 0.6);
    const env: kplus.k8s.EnvVar[] = [
      { name: 'STORAGE_TYPE', value: es ? 'elasticsearch' : 'mem' },
      { name: 'JAVA_OPTS', value: `-Xms${heap}m -Xmx${heap}m -XX:+ExitOnOutOfMemoryError` },
      ...(es ? [
        { name: 'ES_HOSTS', value: es.url },
        { name: 'ES_INDEX', value: 'zipkin' },
        { name: 'ES_INDEX_REPLICAS', value: ctx.profile === Profile.PRODUCTION ? '1' : '0' },
        ...esCredentials(es, 'ES_USERNAME', 'ES_PASSWORD'),
      ] : []),
    ];
    const workload = new StatelessWorkload(stack, 'zipkin', {
      architecture: stack.architecture,
      chart,
      name,
      namespace: stack.namespace,
      identity: identity(stack, name, 'zipkin'),
      replicas: settings.backendReplicas,
      // the image's `zipkin` user (adduser on Alpine: the first user, uid 1000)
      uid: 1000,
      ports: [{ name: 'http', port: 9411, appProtocol: 'http' }],
      podAnnotations: es ? esSecretsAnnotation(es) : undefined,
      volumes: tmp.volumes,
      containers: (w) => [secureContainer({
        name: 'zipkin',
        image,
        ports: w.containerPorts,
        env,
        resources,
        startupProbe: { ...httpGet('/health', 9411), periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...httpGet('/health', 9411), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...httpGet('/health', 9411), periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 5 },
        volumeMounts: tmp.mounts,
      })],
    });
    if (es) {
      esEdge(workload, es);
      // ES_INDEX "zipkin": zipkin-span-YYYY-MM-DD and zipkin-dependency-YYYY-MM-DD (Zipkin installs their templates)
      es.retain({ policy: 'zipkin', patterns: ['zipkin*'], deleteAfterDays: settings.retentionDays, writer: 'Zipkin' });
    }
    return {
      exporter: { kind: 'zipkin', endpoint: `http://${workload.host}:9411/api/v2/spans` },
      workload,
      ports: [tcp(9411)],
      console: new PlatformConsole('zipkin', workload, workload.name, 9411, false, '/health'),
    };
  }
}

/** BanyanDB standalone, its data below /tmp (an emptyDir in development, the volume otherwise). */
function banyanDbContainer(
  stack: ObservabilityStack, image: string, ports: kplus.k8s.ContainerPort[], profile: Profile, mounts: kplus.k8s.VolumeMount[],
): kplus.k8s.Container {
  return secureContainer({
    name: 'banyandb',
    image,
    args: ['standalone'],
    ports,
    resources: resolveResources(stack, profile, undefined, profile === Profile.PRODUCTION
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 2048 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 }),
    startupProbe: { ...httpGet('/api/healthz', BANYANDB_HTTP), periodSeconds: 5, failureThreshold: 60 },
    readinessProbe: { ...httpGet('/api/healthz', BANYANDB_HTTP), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { ...httpGet('/api/healthz', BANYANDB_HTTP), periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 5 },
    volumeMounts: mounts,
  });
}

const OAP_GRPC = 11800;
const OAP_REST = 12800;
const OAP_ZIPKIN_QUERY = 9412;
const BANYANDB_GRPC = 17912;
const BANYANDB_HTTP = 17913;

/**
 * Apache SkyWalking: the OAP receives OTLP traces on 11800 through its `otlp-traces` handler (stored
 * as Zipkin traces, so the Zipkin receiver and query modules are on), the UI reads the OAP's REST and
 * Zipkin query ports. Storage: Elasticsearch, or in development a standalone BanyanDB on an emptyDir
 * (SkyWalking removed its embedded H2 in 10.2.0; BanyanDB is the storage that needs nothing else).
 */
export class SkyWalkingTracing extends TracingBackendImpl {
  public readonly kind = TracingKind.SKYWALKING;
  constructor(private readonly options: SkyWalkingOptions) { super(options); }

  protected deployBackend(ctx: BackendContext): BackendEndpoint {
    const { stack, chart, settings } = ctx;
    const o = this.options;
    const oapImage = imageOf(stack, o.oapImage, SKYWALKING_OAP_DEFAULT_IMAGE);
    const uiImage = imageOf(stack, o.uiImage, SKYWALKING_UI_DEFAULT_IMAGE);
    const banyanDbImage = imageOf(stack, o.banyanDbImage, BANYANDB_DEFAULT_IMAGE);
    const oapResources = resourcesOf(stack, o.resources,
      { cpuRequestMillis: 250, cpuLimitMillis: 2000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 2048 },
      { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 4096 });
    const uiResources = resolveResources(stack, ctx.profile, o.uiResources,
      { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 });
    const arch = stack.architecture;
    const oapName = objectName(stack, stack.componentName, 'skywalking-oap');
    const uiName = objectName(stack, stack.componentName, 'skywalking-ui');
    const es = settings.storage === TracingStorage.ELASTICSEARCH ? elasticsearchOf(stack) : undefined;
    if (es) {
      // OAP 10.x's Elasticsearch client accepts majors 6 to 8 ("Unsupported version" otherwise,
      // and the OAP exits); Elasticsearch 9 is supported from SkyWalking 11.0.0 on
      const oapMajor = imageMajorVersion(oapImage);
      if (oapMajor !== undefined && oapMajor < 11 && es.majorVersion !== undefined && es.majorVersion >= 9) {
        fail(stack, `tracing storage "elasticsearch" pairs the SkyWalking OAP ${show(oapImage)} with Elasticsearch ${es.majorVersion}, `
          + 'which that OAP refuses at start ("Unsupported version": it supports Elasticsearch 6 to 8)',
        'use TracingStorage.BANYANDB (the production default), or an 8.x Elasticsearch image in the log store (LogStore.elasticsearch({ image }), '
          + 'with the matching Kibana), or an OAP image of SkyWalking 11 or later');
      }
    }

    let banyanDb: IWorkload & { readonly host: string } | undefined;
    const bydbName = objectName(stack, stack.componentName, 'banyandb');
    // one BanyanDB standalone server, as the chart's default user
    const bydb = { architecture: arch, chart, name: bydbName, namespace: stack.namespace, identity: identity(stack, bydbName, 'banyandb'), replicas: 1, uid: 1000 };
    if (settings.storage === TracingStorage.MEMORY) {
      // standalone BanyanDB keeps its data under /tmp (the chart mounts its volumes at /tmp/<kind>): an emptyDir
      const data = writableVolumes(stack, ['/tmp'], 2048);
      banyanDb = new StatelessWorkload(stack, 'banyandb', {
        ...bydb,
        ports: [{ name: 'grpc', port: BANYANDB_GRPC, appProtocol: 'grpc' }, { name: 'http', port: BANYANDB_HTTP, appProtocol: 'http' }],
        volumes: data.volumes,
        containers: (w) => [banyanDbContainer(stack, banyanDbImage, w.containerPorts, ctx.profile, data.mounts)],
      });
    } else if (settings.storage === TracingStorage.BANYANDB) {
      const size = validateInteger(stack, 'banyanDbStorageGibibytes', o.banyanDbStorageGibibytes ?? 50, 1, 65536, 'use a whole number of GiB');
      // One member: BanyanDB's standalone server is one process (its cluster mode, liaison and data
      // nodes with etcd, is not generated here). The OAP buffers and retries its writes while the
      // pod is rescheduled; the data survives on the volume.
      const cluster = new StatefulCluster(stack, 'banyandb', {
        ...bydb,
        quorum: false,
        ports: [{ name: 'grpc', port: BANYANDB_GRPC }, { name: 'http', port: BANYANDB_HTTP }],
        storage: { volumeName: 'data', mountPath: '/tmp', sizeGibibytes: size, storageClassName: o.banyanDbStorageClassName },
        containers: () => [banyanDbContainer(stack, banyanDbImage,
          [{ name: 'grpc', containerPort: BANYANDB_GRPC }, { name: 'http', containerPort: BANYANDB_HTTP }], ctx.profile, [{ name: 'data', mountPath: '/tmp' }])],
      });
      banyanDb = Object.assign(cluster, { host: cluster.clientHost });
    }

    const heap = Math.floor(oapResources.memoryLimitMebibytes * 0.6);
    const oapEnv: kplus.k8s.EnvVar[] = [
      // one OAP: the Kubernetes coordinator needs API access (RBAC and an egress the namespace policy does not allow)
      { name: 'SW_CLUSTER', value: 'standalone' },
      { name: 'JAVA_OPTS', value: `-Xms${heap}m -Xmx${heap}m -XX:+ExitOnOutOfMemoryError` },
      { name: 'SW_OTEL_RECEIVER', value: 'default' },
      { name: 'SW_OTEL_RECEIVER_ENABLED_HANDLERS', value: 'otlp-traces,otlp-metrics,otlp-logs' },
      // OTLP traces are converted to Zipkin traces: the Zipkin receiver and query modules must be on
      { name: 'SW_RECEIVER_ZIPKIN', value: 'default' },
      { name: 'SW_QUERY_ZIPKIN', value: 'default' },
      { name: 'SW_QUERY_ZIPKIN_REST_PORT', value: String(OAP_ZIPKIN_QUERY) },
      // the OAP deletes its own data (Elasticsearch indices, BanyanDB) after these many days
      { name: 'SW_CORE_RECORD_DATA_TTL', value: String(settings.retentionDays) },
      { name: 'SW_CORE_METRICS_DATA_TTL', value: String(settings.retentionDays) },
    ];
    if (es) {
      const url = new URL(es.url);
      const port = url.port !== '' ? url.port : (url.protocol === 'https:' ? '443' : '80');
      oapEnv.push(
        { name: 'SW_STORAGE', value: 'elasticsearch' },
        { name: 'SW_STORAGE_ES_CLUSTER_NODES', value: `${url.hostname}:${port}` },
        { name: 'SW_STORAGE_ES_HTTP_PROTOCOL', value: url.protocol.replace(/:$/, '') },
        { name: 'SW_STORAGE_ES_INDEX_REPLICAS_NUMBER', value: ctx.profile === Profile.PRODUCTION ? '1' : '0' },
        ...esCredentials(es, 'SW_ES_USER', 'SW_ES_PASSWORD'),
      );
    } else {
      oapEnv.push(
        { name: 'SW_STORAGE', value: 'banyandb' },
        { name: 'SW_STORAGE_BANYANDB_TARGETS', value: `${banyanDb!.host}:${BANYANDB_GRPC}` },
      );
    }
    const tmp = writableVolumes(stack, ['/tmp', '/skywalking/logs'], 256);
    const oap = new StatelessWorkload(stack, 'skywalking-oap', {
      architecture: arch,
      chart,
      name: oapName,
      namespace: stack.namespace,
      identity: identity(stack, oapName, 'skywalking-oap'),
      replicas: 1,
      uid: 1000, // the image sets no numeric user: run as an unprivileged one
      ports: [
        { name: 'grpc', port: OAP_GRPC, appProtocol: 'grpc' },
        { name: 'rest', port: OAP_REST, appProtocol: 'http' },
        { name: 'zipkin-query', port: OAP_ZIPKIN_QUERY, appProtocol: 'http' },
      ],
      podAnnotations: es ? esSecretsAnnotation(es) : undefined,
      volumes: tmp.volumes,
      terminationGracePeriodSeconds: 60,
      containers: (w) => [secureContainer({
        name: 'oap',
        image: oapImage,
        ports: w.containerPorts,
        env: oapEnv,
        resources: oapResources,
        // the chart's probes: TCP on the REST port, a long startup (schema creation)
        startupProbe: { ...tcpSocket(OAP_REST), periodSeconds: 10, failureThreshold: 30 },
        readinessProbe: { ...tcpSocket(OAP_REST), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...tcpSocket(OAP_REST), periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 5 },
        volumeMounts: tmp.mounts,
      })],
    });
    if (es) {
      esEdge(oap, es);
    } else {
      const ports = [tcp(BANYANDB_GRPC)];
      oap.allowEgressTo(banyanDb!, ports);
      banyanDb!.allowIngressFrom(oap, ports);
    }

    const uiTmp = writableVolumes(stack, ['/tmp'], 64);
    const ui = new StatelessWorkload(stack, 'skywalking-ui', {
      architecture: arch,
      chart,
      name: uiName,
      namespace: stack.namespace,
      identity: identity(stack, uiName, 'skywalking-ui'),
      // stateless (it proxies to the OAP): two in production
      replicas: ctx.profile === Profile.PRODUCTION ? 2 : 1,
      uid: 1000,
      ports: [{ name: 'http', port: 8080, appProtocol: 'http' }],
      volumes: uiTmp.volumes,
      containers: (w) => [secureContainer({
        name: 'ui',
        image: uiImage,
        ports: w.containerPorts,
        env: [
          { name: 'SW_OAP_ADDRESS', value: `http://${oap.host}:${OAP_REST}` },
          { name: 'SW_ZIPKIN_ADDRESS', value: `http://${oap.host}:${OAP_ZIPKIN_QUERY}` },
        ],
        resources: uiResources,
        startupProbe: { ...tcpSocket(8080), periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...tcpSocket(8080), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...tcpSocket(8080), periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 5 },
        volumeMounts: uiTmp.mounts,
      })],
    });
    const uiPorts = [tcp(OAP_REST), tcp(OAP_ZIPKIN_QUERY)];
    ui.allowEgressTo(oap, uiPorts);
    oap.allowIngressFrom(ui, uiPorts);

    return {
      exporter: { kind: 'otlp', name: 'skywalking', endpoint: `${oap.host}:${OAP_GRPC}` },
      workload: oap,
      ports: [tcp(OAP_GRPC)],
      console: new PlatformConsole('skywalking', ui, ui.name, 8080, false),
    };
  }
}
