import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { ObservabilityStack } from './observability-stack';
import { ComputeResources } from '../architecture/resources';
import { stringifyYaml } from '../internal/component-chart';
import { ANNOTATION_EXTERNAL_SECRETS } from '../internal/labels';
import { objectName, validateDnsLabel, validateImage } from '../internal/names';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatelessWorkload } from '../internal/stateless-workload';

const k8s = kplus.k8s;

export const GRAFANA_DEFAULT_IMAGE = 'grafana/grafana:13.2.0';
const GRAFANA_PORT = 3000;
/** The image's `grafana` user. */
const UID = 472;
const DASHBOARD_DIR = '/var/lib/grafana-dashboards';

export interface GrafanaSettings {
  readonly image?: string;
  readonly adminSecretName?: string;
  readonly resources?: ComputeResources;
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
}

/** The provisioned data sources: Prometheus (default) and Alertmanager. */
export function renderGrafanaDatasources(prometheusUrl: string, alertmanagerUrl: string): string {
  return stringifyYaml({
    apiVersion: 1,
    datasources: [
      { name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy', url: prometheusUrl, isDefault: true, editable: false },
      { name: 'Alertmanager', uid: 'alertmanager', type: 'alertmanager', access: 'proxy', url: alertmanagerUrl, editable: false, jsonData: { implementation: 'prometheus' } },
    ],
  });
}

/** The dashboard provider: files from the mounted ConfigMap, in a folder of their own. */
export function renderGrafanaDashboardProvider(): string {
  return stringifyYaml({
    apiVersion: 1,
    providers: [{ name: 'cdk8s-architect', folder: 'Architecture', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARD_DIR } }],
  });
}

/** Every PromQL expression of the overview dashboard (tests parse them). */
export const OVERVIEW_QUERIES = {
  requestRate: 'sum by (namespace, job) (rate(http_server_request_duration_seconds_count{kind="microservice"}[5m]))',
  errorRatio: 'sum by (namespace, job) (rate(http_server_request_duration_seconds_count{kind="microservice", http_response_status_code=~"5.."}[5m]))'
    + ' / sum by (namespace, job) (rate(http_server_request_duration_seconds_count{kind="microservice"}[5m]))',
  latencyP95: 'histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_server_request_duration_seconds_bucket{kind="microservice"}[5m])))',
  platformUp: 'sum by (namespace, job, kind) (up{kind!="microservice"})',
  serviceUp: 'sum by (namespace, job) (up{kind="microservice"})',
};

/** The "Architecture overview" dashboard: golden signals per service and `up` per platform job. */
export function architectureOverviewDashboard(architecture: string): any {
  const panel = (id: number, title: string, expr: string, unit: string, legend: string, x: number, y: number) => ({
    id,
    title,
    type: 'timeseries',
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { x, y, w: 12, h: 8 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: legend, datasource: { type: 'prometheus', uid: 'prometheus' } }],
  });
  return {
    uid: 'architecture-overview',
    title: `Architecture overview (${architecture})`,
    tags: ['cdk8s-architect', architecture],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    panels: [
      panel(1, 'Request rate per service', OVERVIEW_QUERIES.requestRate, 'reqps', '{{namespace}}/{{job}}', 0, 0),
      panel(2, 'Error ratio (5xx) per service', OVERVIEW_QUERIES.errorRatio, 'percentunit', '{{namespace}}/{{job}}', 12, 0),
      panel(3, 'Latency p95 per service', OVERVIEW_QUERIES.latencyP95, 's', '{{namespace}}/{{job}}', 0, 8),
      panel(4, 'Service instances up', OVERVIEW_QUERIES.serviceUp, 'short', '{{namespace}}/{{job}}', 12, 8),
      panel(5, 'Platform members up per job', OVERVIEW_QUERIES.platformUp, 'short', '{{kind}} {{namespace}}/{{job}}', 0, 16),
    ],
  };
}

/**
 * Grafana: one replica (its SQLite database lives on an emptyDir; everything that matters is
 * provisioned from the ConfigMap, so a restart loses only UI-made changes), read-only root,
 * administrator from an external Secret, no phoning home.
 */
export function deployGrafana(stack: ObservabilityStack, chart: Chart, s: GrafanaSettings): StatelessWorkload {
  const arch = stack.architecture;
  const image = s.image ?? GRAFANA_DEFAULT_IMAGE;
  validateImage(stack, image);
  const adminSecret = validateDnsLabel(stack, 'grafanaAdminSecretName', s.adminSecretName ?? `${stack.componentName}-grafana-admin`);
  const resources = resolveResources(stack, arch.profile, s.resources,
    { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 });
  const name = objectName(stack, stack.componentName, 'grafana');
  const configMap = objectName(stack, name, 'provisioning');
  // data (SQLite, plugins), logs and temporary files; the rest of the root filesystem is read-only
  const writable = writableVolumes(stack, ['/var/lib/grafana', '/var/log/grafana', '/tmp'], 512);
  const secretEnv = (envName: string, key: string): kplus.k8s.EnvVar => ({ name: envName, valueFrom: { secretKeyRef: { name: adminSecret, key } } });

  const workload = new StatelessWorkload(stack, 'grafana', {
    architecture: arch,
    chart,
    name,
    namespace: stack.namespace,
    identity: { name, instance: `${arch.name}-${name}`, component: 'grafana', partOf: arch.name },
    // One replica in every profile, deliberately: sessions (user_auth_token) and UI edits live in
    // the SQLite database on an emptyDir, so two replicas with separate databases would log users
    // out whenever a request reached the other one; datasources and dashboards are provisioned
    // from the ConfigMap, so a restart loses only sessions and UI edits.
    replicas: 1,
    ports: [{ name: 'http', port: GRAFANA_PORT, appProtocol: 'http' }],
    uid: UID,
    podAnnotations: { [ANNOTATION_EXTERNAL_SECRETS]: adminSecret },
    volumes: [
      {
        name: 'provisioning',
        configMap: {
          name: configMap,
          items: [{ key: 'datasources.yaml', path: 'datasources/datasources.yaml' }, { key: 'dashboards.yaml', path: 'dashboards/dashboards.yaml' }],
        },
      },
      { name: 'dashboards', configMap: { name: configMap, items: [{ key: 'architecture-overview.json', path: 'architecture-overview.json' }] } },
      ...writable.volumes,
    ],
    containers: (w) => {
      const http = { httpGet: { path: '/api/health', port: k8s.IntOrString.fromNumber(GRAFANA_PORT) } };
      return [secureContainer({
        name: 'grafana',
        image,
        ports: w.containerPorts,
        env: [
          secretEnv('GF_SECURITY_ADMIN_USER', 'admin-user'),
          secretEnv('GF_SECURITY_ADMIN_PASSWORD', 'admin-password'),
          { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
          { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
          { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
          { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
          { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
          { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
        ],
        resources,
        readinessProbe: { ...http, periodSeconds: 10, timeoutSeconds: 5 },
        livenessProbe: { ...http, initialDelaySeconds: 60, periodSeconds: 15, timeoutSeconds: 30, failureThreshold: 10 },
        volumeMounts: [
          { name: 'provisioning', mountPath: '/etc/grafana/provisioning', readOnly: true },
          { name: 'dashboards', mountPath: DASHBOARD_DIR, readOnly: true },
          ...writable.mounts,
        ],
      })];
    },
  });
  new k8s.KubeConfigMap(chart, 'grafana-provisioning', {
    metadata: { name: configMap, namespace: stack.namespace, labels: workload.labels },
    data: {
      'datasources.yaml': renderGrafanaDatasources(s.prometheusUrl, s.alertmanagerUrl),
      'dashboards.yaml': renderGrafanaDashboardProvider(),
      'architecture-overview.json': JSON.stringify(architectureOverviewDashboard(arch.name), null, 2),
    },
  });
  return workload;
}
