import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { ObservabilityStack } from './observability-stack';
import { Protocol } from '../architecture/binding';
import { stringifyYaml } from '../internal/component-chart';
import { DOMAIN } from '../internal/labels';
import { secureContainer } from '../internal/pod';
import { ResolvedResources } from '../internal/profile-defaults';
import { scrapeAnnotations } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';

const k8s = kplus.k8s;

/** The OpenTelemetry Collector (contrib) image, pinned (MIDDLEWARE.md §4.4: Helm chart 0.170.0 → appVersion 0.158.0). */
export const OTEL_COLLECTOR_DEFAULT_IMAGE = 'otel/opentelemetry-collector-contrib:0.158.0';
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
const HEALTH_PORT = 13133;
/**
 * The collector's Prometheus exporter (the OTLP metrics services push, for Prometheus to scrape);
 * 8889 is the port the exporter's documentation and the upstream examples use.
 */
export const PROMETHEUS_EXPORTER_PORT = 8889;
/**
 * The collector's own telemetry (`service.telemetry.metrics`, a pull reader with the Prometheus
 * exporter, the port the official chart uses): its receivers', processors' and exporters' counters
 * (`otelcol_exporter_send_failed_spans_total`, `otelcol_receiver_refused_spans_total`,
 * `otelcol_exporter_queue_size`, ...). Served on all interfaces, for Prometheus to scrape.
 */
export const SELF_METRICS_PORT = 8888;
/** The `kind` label of the collector's own metrics (selects its alert rules). */
export const COLLECTOR_KIND = 'otel-collector';
/** The image's user (Dockerfile `USER 10001:10001`). */
const UID = 10001;
const CONFIG_DIR = '/etc/otelcol-contrib';

/** How the collector forwards spans to the backend. */
export type CollectorExporter =
  /** OTLP over gRPC (Jaeger v2, SkyWalking OAP), `host:port`. */
  | { readonly kind: 'otlp'; readonly name: string; readonly endpoint: string }
  /** Zipkin v2 JSON over HTTP, the full URL (`http://host:9411/api/v2/spans`). */
  | { readonly kind: 'zipkin'; readonly endpoint: string };

export interface CollectorConfigOptions {
  /** The collector container's memory limit: `memory_limiter` keeps the heap below it. */
  readonly memoryLimitMebibytes: number;
  /** The traces backend (none: a metrics-only collector, without a traces pipeline). */
  readonly exporter?: CollectorExporter;
  /**
   * Also run a metrics pipeline: OTLP metrics in, the Prometheus exporter out on
   * PROMETHEUS_EXPORTER_PORT, every resource attribute a label (namespace, team, ...); and serve
   * the collector's own metrics on SELF_METRICS_PORT.
   */
  readonly metrics?: boolean;
}

/**
 * The collector's configuration (pure): OTLP in (gRPC 4317, HTTP 4318), `memory_limiter` then
 * `batch`, one exporter to the backend, and the `health_check` extension on 13133 for the probes.
 */
export function renderCollectorConfig(o: CollectorConfigOptions): string {
  // memory_limiter: hard limit at 80 % of the container limit, spikes of 20 % (the chart's ratios)
  const limit = Math.floor(o.memoryLimitMebibytes * 0.8);
  const spike = Math.max(1, Math.floor(o.memoryLimitMebibytes * 0.2));
  // The gRPC OTLP exporter is `otlp_grpc` since collector v0.144.0 (`otlp` is a deprecated alias).
  const traces = o.exporter;
  const exporterId = traces === undefined ? undefined : traces.kind === 'otlp' ? `otlp_grpc/${traces.name}` : 'zipkin';
  const exporter = traces === undefined ? undefined : traces.kind === 'otlp'
    ? { endpoint: traces.endpoint, tls: { insecure: true } }
    : { endpoint: traces.endpoint };
  const config = {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
          http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` },
        },
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_mib: limit, spike_limit_mib: spike },
      batch: { send_batch_size: 8192, timeout: '5s' },
    },
    exporters: {
      ...(exporterId ? { [exporterId]: { ...exporter, sending_queue: { enabled: true }, retry_on_failure: { enabled: true } } } : {}),
      ...(o.metrics ? {
        prometheus: {
          endpoint: `0.0.0.0:${PROMETHEUS_EXPORTER_PORT}`,
          // service.name/namespace become job, k8s.namespace.name and team labels of their own
          resource_to_telemetry_conversion: { enabled: true },
          // a service that stops pushing drops out after 5 minutes (the exporter's default)
          metric_expiration: '5m',
        },
      } : {}),
    },
    extensions: {
      health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` },
    },
    service: {
      ...(o.metrics ? {
        telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: SELF_METRICS_PORT } } } }] } },
      } : {}),
      extensions: ['health_check'],
      pipelines: {
        ...(exporterId ? { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [exporterId] } } : {}),
        ...(o.metrics ? { metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] } } : {}),
      },
    },
  };
  return stringifyYaml(config);
}

export interface CollectorProps {
  readonly chart: Chart;
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  readonly resources: ResolvedResources;
  /** The traces backend (none: metrics only). */
  readonly exporter?: CollectorExporter;
  /** Run the metrics pipeline (see CollectorConfigOptions.metrics). */
  readonly metrics?: boolean;
}

/**
 * The collector as a restricted stateless Deployment (uid 10001, read-only root, config from a
 * ConfigMap whose hash rolls the pods), with the OTLP ports on its Service.
 */
export function deployCollector(stack: ObservabilityStack, p: CollectorProps): StatelessWorkload {
  const arch = stack.architecture;
  const configYaml = renderCollectorConfig({ memoryLimitMebibytes: p.resources.memoryLimitMebibytes, exporter: p.exporter, metrics: p.metrics });
  const configMapName = `${p.name}-config`;
  const identity = { name: p.name, instance: `${arch.name}-${p.name}`, component: 'otel-collector', partOf: arch.name };
  const health = { httpGet: { path: '/', port: k8s.IntOrString.fromNumber(HEALTH_PORT), scheme: 'HTTP' } };
  const workload = new StatelessWorkload(stack, 'otel-collector', {
    architecture: arch,
    chart: p.chart,
    name: p.name,
    namespace: stack.namespace,
    identity,
    replicas: p.replicas,
    uid: UID,
    ports: [
      { name: 'otlp-grpc', port: OTLP_GRPC_PORT, appProtocol: 'grpc' },
      { name: 'otlp-http', port: OTLP_HTTP_PORT, appProtocol: 'http' },
      ...(p.metrics ? [
        { name: 'prom-metrics', port: PROMETHEUS_EXPORTER_PORT, appProtocol: 'http' },
        { name: 'metrics', port: SELF_METRICS_PORT, appProtocol: 'http' },
      ] : []),
    ],
    podAnnotations: {
      [`${DOMAIN}/config-hash`]: createHash('sha256').update(configYaml).digest('hex').slice(0, 16),
      ...(p.metrics ? scrapeAnnotations({ port: SELF_METRICS_PORT, path: '/metrics', kind: COLLECTOR_KIND, job: p.name }) : {}),
    },
    volumes: [{ name: 'config', configMap: { name: configMapName } }],
    containers: (w) => [secureContainer({
      name: 'otel-collector',
      image: p.image,
      args: [`--config=${CONFIG_DIR}/config.yaml`],
      ports: [...w.containerPorts, { name: 'health', containerPort: HEALTH_PORT, protocol: Protocol.TCP }],
      // the Go runtime's soft limit below memory_limiter's hard limit
      env: [{ name: 'GOMEMLIMIT', value: `${Math.floor(p.resources.memoryLimitMebibytes * 0.8)}MiB` }],
      resources: p.resources,
      readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
      livenessProbe: { ...health, initialDelaySeconds: 10, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 5 },
      volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
    })],
  });
  new k8s.KubeConfigMap(p.chart, 'otel-collector-config', {
    metadata: { name: configMapName, namespace: stack.namespace, labels: workload.labels },
    data: { 'config.yaml': configYaml },
  });
  if (p.metrics) {
    // Prometheus scrapes the collector's own metrics like a platform component's (rules of its kind)
    arch._registerScrapeTarget({ workload, port: SELF_METRICS_PORT, path: '/metrics', kind: COLLECTOR_KIND, job: p.name });
  }
  return workload;
}
