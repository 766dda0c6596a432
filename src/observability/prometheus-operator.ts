import { Chart } from 'cdk8s';
import { AlertRule, AlertRuleGroup, MICROSERVICE_KIND, RecordingRule } from './alert-rules';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  PodMonitorSpecPodMetricsEndpointsScheme,
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../imports/monitoring.coreos.com';
import { lazy } from '../internal/lazy';
import { ANNOTATION_SCRAPE_PATH, ANNOTATION_SCRAPE_PORT, podAnnotationMetaLabel } from '../internal/stateful-cluster';

/**
 * Prometheus Operator objects, for clusters where the operator runs: a PodMonitor per scraped
 * workload (the same targets, paths and `kind`/`job` labels the library's own Prometheus uses) and
 * a PrometheusRule with the same alert rules. Built with the classes `cdk8s import` generated from
 * the operator's CRDs (src/imports/).
 */
export interface OperatorObjectsProps {
  readonly chart: Chart;
  /** Labels every monitor and rule carries (recommended labels plus the user's selector labels). */
  readonly labels: Record<string, string>;
}

export interface OperatorPodMonitorProps {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly port: number;
  readonly path: string;
  /** The `kind` label (selects alert rules): "microservice", "etcd", ... */
  readonly kind: string;
  /** The `job` label: the service or component name. */
  readonly job: string;
  /** URL query parameters of every scrape. @default - none */
  readonly params?: Record<string, string>;
  /** HTTPS: the Secret (in the monitor's namespace) whose `ca.crt` checks the server's certificate for `serverName`. */
  readonly tls?: { readonly secretName: string; readonly serverName: string };
  /** A bearer token: the Secret (in the monitor's namespace) whose `token` each scrape sends. */
  readonly tokenSecretName?: string;
  /**
   * Scrape the port and path of the pod's scrape annotations rather than `port`/`path` (which then
   * only select the pods' container): a mesh moves them (Istio sidecars' merged metrics on 15020).
   */
  readonly followScrapeAnnotations?: boolean;
}


export function operatorPodMonitor(o: OperatorObjectsProps, m: OperatorPodMonitorProps): PodMonitor {
  const replace = PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE;
  return new PodMonitor(o.chart, m.id, {
    metadata: { name: m.name, namespace: m.namespace, labels: o.labels },
    spec: {
      selector: { matchLabels: { ...m.selector } },
      podMetricsEndpoints: [{
        portNumber: m.port,
        path: m.path,
        ...(m.params ? { params: Object.fromEntries(Object.keys(m.params).sort().map((k) => [k, [m.params![k]]])) } : {}),
        ...(m.tls
          ? {
            scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTPS,
            tlsConfig: { ca: { secret: { name: m.tls.secretName, key: 'ca.crt' } }, serverName: m.tls.serverName },
          }
          : {}),
        ...(m.tokenSecretName ? { authorization: { type: 'Bearer', credentials: { name: m.tokenSecretName, key: 'token' } } } : {}),
        relabelings: [
          ...(m.followScrapeAnnotations
            ? [
              { action: replace, sourceLabels: [podAnnotationMetaLabel(ANNOTATION_SCRAPE_PATH)], regex: '(/.*)', targetLabel: '__metrics_path__' },
              {
                action: replace,
                sourceLabels: ['__meta_kubernetes_pod_ip', podAnnotationMetaLabel(ANNOTATION_SCRAPE_PORT)],
                regex: '([^:]+);(\\d+)',
                replacement: '$1:$2',
                targetLabel: '__address__',
              },
              {
                action: replace,
                sourceLabels: ['__meta_kubernetes_pod_ip', podAnnotationMetaLabel(ANNOTATION_SCRAPE_PORT)],
                regex: '(.+:.+);(\\d+)',
                replacement: '[$1]:$2',
                targetLabel: '__address__',
              },
            ]
            : []),
          { action: replace, targetLabel: 'kind', replacement: m.kind },
          { action: replace, targetLabel: 'job', replacement: m.job },
        ],
      }],
    },
  });
}

/**
 * The PodMonitor of the OTLP metrics: the collector's Prometheus exporter, with the same label
 * handling as the library's own `otlp-metrics` job (honoured `job`, `namespace` from
 * `k8s_namespace_name`, `kind="microservice"`).
 */
export function operatorOtlpPodMonitor(
  o: OperatorObjectsProps,
  m: { readonly id: string; readonly name: string; readonly namespace: string; readonly selector: Record<string, string>; readonly port: number },
): PodMonitor {
  const A = PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction;
  return new PodMonitor(o.chart, m.id, {
    metadata: { name: m.name, namespace: m.namespace, labels: o.labels },
    spec: {
      selector: { matchLabels: { ...m.selector } },
      podMetricsEndpoints: [{
        portNumber: m.port,
        path: '/metrics',
        honorLabels: true,
        metricRelabelings: [
          { action: A.REPLACE, sourceLabels: ['job'], regex: '.+/(.+)', targetLabel: 'job', replacement: '$1' },
          { action: A.REPLACE, sourceLabels: ['k8s_namespace_name'], regex: '(.+)', targetLabel: 'namespace', replacement: '$1' },
          { action: A.REPLACE, targetLabel: 'kind', replacement: MICROSERVICE_KIND },
          { action: A.LABELDROP, regex: 'k8s_namespace_name|service_name|service_namespace' },
        ],
      }],
    },
  });
}

function isRecording(r: AlertRule | RecordingRule): r is RecordingRule {
  return (r as RecordingRule).record !== undefined;
}

export function operatorPrometheusRule(
  o: OperatorObjectsProps,
  id: string,
  name: string,
  namespace: string,
  groups: () => AlertRuleGroup[],
): PrometheusRule {
  return new PrometheusRule(o.chart, id, {
    metadata: { name, namespace, labels: o.labels },
    spec: {
      groups: lazy(() => groups().map((g) => ({
        name: g.name,
        rules: g.rules.map((r) => (isRecording(r) ? { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) } : {
          alert: r.alert,
          expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
          for: r.for,
          labels: r.labels,
          annotations: r.annotations,
        })),
      }))),
    },
  });
}
