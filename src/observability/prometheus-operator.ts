import { Chart } from 'cdk8s';
import { AlertRuleGroup } from './alert-rules';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../imports/monitoring.coreos.com';
import { lazy } from '../internal/lazy';

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
        relabelings: [
          { action: replace, targetLabel: 'kind', replacement: m.kind },
          { action: replace, targetLabel: 'job', replacement: m.job },
        ],
      }],
    },
  });
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
        rules: g.rules.map((r) => ({
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
