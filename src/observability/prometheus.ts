import { createHash } from 'crypto';
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { alertRuleGroups, AlertmanagerReceiver, MICROSERVICE_KIND, RedService, renderAlertmanagerConfig, renderAlertRules } from './alert-rules';
import { deployGrafana } from './grafana';
import type { ObservabilityStack } from './observability-stack';
import { deployCollector, OTEL_COLLECTOR_DEFAULT_IMAGE, OTLP_HTTP_PORT, PROMETHEUS_EXPORTER_PORT } from './otel-collector';
import { DeployedPillar, InstrumentationTarget, PillarImpl, ScrapeTarget } from './pillar-impl';
import { IMetricsBackend, MetricsKind } from './pillars';
import { operatorOtlpPodMonitor, operatorPodMonitor, operatorPrometheusRule } from './prometheus-operator';
import { PrometheusOptions } from './prometheus-options';
import { tracingEnv } from './tracing-backends';
import { EnvValue, EnvVariable, IWorkload, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import type { IConsole } from '../architecture/routable';
import { oncePerSynth, stringifyYaml } from '../internal/component-chart';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ExternalPods } from '../internal/external-pods';
import { ANNOTATION_EXTERNAL_SECRETS, ANNOTATION_PROVISIONED_SECRETS, DOMAIN, LABEL_MANAGED_BY, LABEL_PART_OF, LABEL_TEAM, MANAGED_BY } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { compareStrings, objectName, validateDnsLabel, validateImage, validateInteger, validateLabels, validateLabelValue } from '../internal/names';
import { secureContainer } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import {
  ANNOTATION_SCRAPE, ANNOTATION_SCRAPE_JOB, ANNOTATION_SCRAPE_KIND, ANNOTATION_SCRAPE_PATH, ANNOTATION_SCRAPE_PORT,
  podAnnotationMetaLabel, scrapeAnnotations, StatefulCluster,
} from '../internal/stateful-cluster';
import { SCRAPER_KIND } from '../mesh/decisions';

const k8s = kplus.k8s;

export const PROMETHEUS_DEFAULT_IMAGE = 'quay.io/prometheus/prometheus:v3.14.0';
export const ALERTMANAGER_DEFAULT_IMAGE = 'quay.io/prometheus/alertmanager:v0.34.0';
const PROMETHEUS_PORT = 9090;
const ALERTMANAGER_PORT = 9093;
const ALERTMANAGER_CLUSTER_PORT = 9094;
/** The images' user: nobody. */
const UID = 65534;
const CONFIG_DIR = '/etc/prometheus';
const AM_CONFIG_DIR = '/etc/alertmanager';
const AM_WEBHOOK_DIR = '/etc/alertmanager/webhooks';
const ANNOTATION_CONFIG_HASH = `${DOMAIN}/config-hash`;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function metaLabel(key: string): string {
  return `__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** What `renderPrometheusConfig` needs. */
export interface PrometheusConfigInput {
  /** Whole seconds. */
  readonly scrapeIntervalSeconds: number;
  /** The namespaces whose pods are discovered (sorted). */
  readonly namespaces: string[];
  /** Every Alertmanager instance, `host:port` (not a load-balanced Service: the cluster deduplicates). */
  readonly alertmanagers: string[];
  /** The rules file path. */
  readonly ruleFile: string;
  /** Labels added to every series and alert sent (e.g. the architecture). */
  readonly externalLabels: Record<string, string>;
  /**
   * The OpenTelemetry Collector whose Prometheus exporter serves the OTLP metrics services push
   * (none: no service pushes).
   */
  readonly otlpCollector?: { readonly namespace: string; readonly podSelector: Record<string, string>; readonly port: number };
  /** Platform targets that need a job of their own (HTTPS, a bearer token, URL parameters). */
  readonly targetJobs?: TargetScrapeJob[];
}

/** A platform target scraped by a job of its own: HTTPS, a bearer token or URL parameters (Consul's agent metrics). */
export interface TargetScrapeJob {
  readonly namespace: string;
  readonly podSelector: Record<string, string>;
  readonly port: number;
  readonly path: string;
  /** The `kind` label (selects the alert rules). */
  readonly kind: string;
  /** The `job` label. */
  readonly job: string;
  readonly params?: Record<string, string>;
  /** HTTPS, the server's certificate checked against `caFile` for `serverName`. */
  readonly tls?: { readonly caFile: string; readonly serverName: string };
  /** A bearer token read from this file at every scrape (a rotated token needs no restart). */
  readonly tokenFile?: string;
}

/**
 * The relabeling that keeps the running pods of one workload (its selector labels) and scrapes
 * each on `port`, IPv4 or IPv6.
 */
function selectedPods(podSelector: Record<string, string>, port: number): Array<Record<string, unknown>> {
  const selector = Object.entries(podSelector).sort(([a], [b]) => compareStrings(a, b));
  return [
    { source_labels: selector.map(([k]) => metaLabel(k)), action: 'keep', regex: selector.map(([, v]) => v).join(';') },
    { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed|Unknown' },
    { source_labels: ['__meta_kubernetes_pod_ip'], regex: '([^:]+)', replacement: `$1:${port}`, target_label: '__address__' },
    { source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+:.+)', replacement: `[$1]:${port}`, target_label: '__address__' },
  ];
}

/** Where Prometheus mounts a Secret a scrape job reads (beside, not under, the ConfigMap's directory). */
export const SCRAPE_SECRETS_DIR = '/etc/prometheus-secrets';

/**
 * The job of one platform target that plain pod discovery cannot scrape: its pods by their
 * selector, the target's scheme, CA, token file and parameters, and the labels every platform
 * series has (`job`, `kind`, `namespace`, `pod`). The job name is `<namespace>/<job>` (unique).
 */
function targetJob(t: TargetScrapeJob): Record<string, unknown> {
  const params = t.params ? Object.keys(t.params).sort(compareStrings).map((k) => [k, [t.params![k]]]) : [];
  return {
    job_name: `${t.namespace}/${t.job}`,
    ...(t.tls ? { scheme: 'https' } : {}),
    metrics_path: t.path,
    ...(params.length > 0 ? { params: Object.fromEntries(params) } : {}),
    ...(t.tokenFile ? { authorization: { type: 'Bearer', credentials_file: t.tokenFile } } : {}),
    ...(t.tls ? { tls_config: { ca_file: t.tls.caFile, server_name: t.tls.serverName } } : {}),
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [t.namespace] } }],
    relabel_configs: [
      ...selectedPods(t.podSelector, t.port),
      { target_label: 'job', replacement: t.job },
      { target_label: 'kind', replacement: t.kind },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ],
  };
}

/** The scrape job of the OTLP metrics (the collector's Prometheus exporter). */
export const OTLP_METRICS_JOB = 'otlp-metrics';

/**
 * The job scraping the collector's Prometheus exporter. The exporter names each series' `job`
 * after `service.namespace/service.name` (honoured) and turns every resource attribute into a
 * label; the metric relabeling gives the series the labels of a scraped service: `job` = the
 * service name, `namespace` = its Kubernetes namespace (`k8s.namespace.name`), `team` (already a
 * resource attribute) and `kind="microservice"`.
 */
function otlpMetricsJob(c: NonNullable<PrometheusConfigInput['otlpCollector']>): Record<string, unknown> {
  return {
    job_name: OTLP_METRICS_JOB,
    honor_labels: true,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [c.namespace] } }],
    relabel_configs: [
      ...selectedPods(c.podSelector, c.port),
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'collector' },
    ],
    metric_relabel_configs: [
      { source_labels: ['job'], regex: '.+/(.+)', target_label: 'job', replacement: '$1' },
      { source_labels: ['k8s_namespace_name'], regex: '(.+)', target_label: 'namespace', replacement: '$1' },
      { target_label: 'kind', replacement: MICROSERVICE_KIND },
      { action: 'labeldrop', regex: 'k8s_namespace_name|service_name|service_namespace' },
    ],
  };
}

/**
 * `prometheus.yml`: Prometheus itself, Alertmanager, and one pod-discovery job restricted to the
 * architecture's namespaces that keeps only pods the library annotated
 * (`cdk8s-architect.dev/scrape: "true"`), scraping the annotated port and path, with `job`, `kind`,
 * `namespace`, `pod` and `team` labels.
 */
export function renderPrometheusConfig(input: PrometheusConfigInput): string {
  const interval = `${input.scrapeIntervalSeconds}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, external_labels: input.externalLabels },
    rule_files: [input.ruleFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: input.alertmanagers }] }] },
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`], labels: { kind: 'prometheus' } }] },
      { job_name: 'alertmanager', static_configs: [{ targets: input.alertmanagers, labels: { kind: 'alertmanager' } }] },
      {
        job_name: 'architecture-pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: input.namespaces } }],
        relabel_configs: [
          { source_labels: [podAnnotationMetaLabel(ANNOTATION_SCRAPE)], action: 'keep', regex: 'true' },
          { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed|Unknown' },
          { source_labels: [podAnnotationMetaLabel(ANNOTATION_SCRAPE_PATH)], target_label: '__metrics_path__', regex: '(/.*)' },
          // one target per pod (every container port yields the same address; Prometheus keeps one)
          { source_labels: ['__meta_kubernetes_pod_ip', podAnnotationMetaLabel(ANNOTATION_SCRAPE_PORT)], regex: '([^:]+);(\\d+)', replacement: '$1:$2', target_label: '__address__' },
          { source_labels: ['__meta_kubernetes_pod_ip', podAnnotationMetaLabel(ANNOTATION_SCRAPE_PORT)], regex: '(.+:.+);(\\d+)', replacement: '[$1]:$2', target_label: '__address__' },
          { source_labels: [podAnnotationMetaLabel(ANNOTATION_SCRAPE_JOB)], target_label: 'job', regex: '(.+)' },
          { source_labels: [podAnnotationMetaLabel(ANNOTATION_SCRAPE_KIND)], target_label: 'kind', regex: '(.+)' },
          { source_labels: [metaLabel(LABEL_TEAM)], target_label: 'team', regex: '(.+)' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ],
      },
      ...[...(input.targetJobs ?? [])].sort((a, b) => compareStrings(`${a.namespace}/${a.job}`, `${b.namespace}/${b.job}`)).map(targetJob),
      ...(input.otlpCollector ? [otlpMetricsJob(input.otlpCollector)] : []),
    ],
  };
  return stringifyYaml(config);
}

function wholeSeconds(scope: IConstruct, what: string, d: Duration, min: number, max: number, fix: string): number {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms / 1000) || ms / 1000 < min || ms / 1000 > max) {
    fail(scope, `${what} ${show(`${ms / 1000}s`)} is out of range (whole seconds from ${min} to ${max})`, fix);
  }
  return ms / 1000;
}

/** Prometheus + Alertmanager + Grafana. */
export class PrometheusMetricsBackend implements IMetricsBackend, PillarImpl {
  public readonly kind = MetricsKind.PROMETHEUS;

  constructor(private readonly options: PrometheusOptions) {}

  public _deploy(stack: ObservabilityStack): DeployedPillar {
    const o = this.options;
    const arch = stack.architecture;
    const prod = arch.profile === Profile.PRODUCTION;
    const am = o.alertmanager ?? {};

    // ---- validation ----
    const retentionSeconds = wholeSeconds(stack, 'retention', o.retention ?? Duration.days(15), 7200, 10 * 365 * 86400,
      'use whole hours from 2 hours to 10 years, e.g. Duration.days(15)');
    if (retentionSeconds % 3600 !== 0) {
      fail(stack, `retention ${show(`${retentionSeconds}s`)} is not a whole number of hours`, 'use whole hours, e.g. Duration.days(15)');
    }
    const scrapeSeconds = wholeSeconds(stack, 'scrapeInterval', o.scrapeInterval ?? Duration.seconds(30), 5, 300, 'use whole seconds from 5 s to 5 min, e.g. Duration.seconds(30)');
    const storage = validateInteger(stack, 'storageGibibytes', o.storageGibibytes ?? 20, 1, 65536, 'use a whole number of GiB');
    if (o.storageClassName !== undefined) validateDnsLabel(stack, 'storageClassName', o.storageClassName);
    const replicas = validateInteger(stack, 'replicas', o.replicas ?? (prod ? 2 : 1), 1, 4, 'use 1 to 4 Prometheus replicas (2 for availability)');
    const image = o.image ?? PROMETHEUS_DEFAULT_IMAGE;
    validateImage(stack, image);
    const amReplicas = validateInteger(stack, 'alertmanager.replicas', am.replicas ?? (prod ? 2 : 1), 1, 5, 'use 1 to 5 Alertmanager instances (2 or 3 for availability)');
    const amImage = am.image ?? ALERTMANAGER_DEFAULT_IMAGE;
    validateImage(stack, amImage);
    const repeatSeconds = wholeSeconds(stack, 'alertmanager.repeatInterval', am.repeatInterval ?? Duration.hours(4), 60, 7 * 86400,
      'use whole seconds from 1 minute to 7 days, e.g. Duration.hours(4)');
    const apiCidr = o.kubernetesApiCidr;
    const m = apiCidr === undefined ? ['', '0', '0', '0', '0', '0'] : CIDR.exec(apiCidr);
    if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) {
      fail(stack, `kubernetesApiCidr ${show(apiCidr)} is not an IPv4 CIDR`, 'give the API server\'s address range, e.g. "10.0.0.1/32" or "0.0.0.0/0"');
    }
    const errorRatio = o.errorRatioThreshold ?? 0.05;
    if (!(errorRatio > 0 && errorRatio < 1)) {
      fail(stack, `errorRatioThreshold ${show(errorRatio)} is not between 0 and 1`, 'use a ratio such as 0.05 (5 % of the requests fail)');
    }
    const latencyMs = (o.latencyThreshold ?? Duration.millis(500)).toMilliseconds();
    validateInteger(stack, 'latencyThreshold (milliseconds)', latencyMs, 1, 600_000, 'use whole milliseconds up to 10 minutes, e.g. Duration.millis(500)');
    const webhookSecret = validateDnsLabel(stack, 'alertmanager.webhookSecretName', am.webhookSecretName ?? `${stack.componentName}-alertmanager-webhooks`);
    const receiverByTeam = new Map<string | undefined, string>();
    for (const r of am.receivers ?? []) {
      if (r.team !== undefined) validateLabelValue(stack, 'alertmanager receiver team', r.team);
      if (receiverByTeam.has(r.team)) {
        fail(stack, `alertmanager receiver ${show(r.team ?? 'default')} is declared twice`, 'give each team (and the default receiver) one webhook');
      }
      const key = r.secretKey ?? r.team ?? 'default';
      if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
        fail(stack, `alertmanager receiver secretKey ${show(key)} is not a valid Secret key`, 'use letters, digits, "-", "_" and "."');
      }
      receiverByTeam.set(r.team, key);
    }
    const promResources = resolveResources(stack, arch.profile, o.resources, prod
      ? { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 2048 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 });
    const amResources = resolveResources(stack, arch.profile, am.resources,
      { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 });

    // ---- placement ----
    arch.addNamespace(stack, stack.namespace);
    const chart = arch._newComponentChart(stack, `${stack.componentName}-metrics`);
    const ns = stack.namespace;
    const identity = (name: string, component: string) => ({ name, instance: `${arch.name}-${name}`, component, partOf: arch.name });

    // Discovered namespaces and teams grow as microservices and platform components register.
    const namespaces = new Set<string>();
    const teams = new Set<string>();
    const platformKinds = new Set<string>();
    const services: RedService[] = [];
    let scrapedServices = false;
    let otlpCollector: (IWorkload & { readonly host: string }) | undefined;
    /** Platform targets with a job of their own, and the Secrets (volume names) those jobs read. */
    const targetJobs: TargetScrapeJob[] = [];
    const scrapeSecrets: string[] = [];

    // ---- Alertmanager ----
    const amName = objectName(stack, stack.componentName, 'alertmanager');
    const amConfigMap = objectName(stack, amName, 'config');
    // A team with a webhook gets its own route; every other alert (platform components, teams
    // without a webhook, services without a team) goes to the default receiver.
    const receivers = (): AlertmanagerReceiver[] => {
      const file = (team: string | undefined) => (receiverByTeam.has(team) ? `${AM_WEBHOOK_DIR}/${receiverByTeam.get(team)}` : undefined);
      const routed = [...receiverByTeam.keys()].filter((t): t is string => t !== undefined).sort();
      return [{ name: 'default', urlFile: file(undefined) }, ...routed.map((t) => ({ name: `team-${t}`, team: t, urlFile: file(t) }))];
    };
    const amConfig = oncePerSynth(() => renderAlertmanagerConfig({ receivers: receivers(), repeatInterval: `${repeatSeconds}s` }));
    if (!am.dropUnroutedAlerts && !receiverByTeam.has(undefined)) {
      // A route that ends nowhere would drop alerts such as EtcdNoLeader silently.
      fail(stack, 'the default Alertmanager receiver has no webhook, so alerts of platform components and of teams without a receiver would be dropped silently',
        'add a default receiver ({} in metrics alertmanager.receivers, with its URL under the key "default" of the webhook Secret), or set alertmanager.dropUnroutedAlerts: true to drop them deliberately');
    }
    const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
    const webhooks = receiverByTeam.size > 0;
    const alertmanager = new StatefulCluster(stack, 'alertmanager', {
      architecture: arch,
      chart,
      name: amName,
      namespace: ns,
      identity: identity(amName, 'alertmanager'),
      replicas: amReplicas,
      quorum: false,
      uid: UID,
      ports: [
        { name: 'http', port: ALERTMANAGER_PORT },
        { name: 'cluster', port: ALERTMANAGER_CLUSTER_PORT, peerOnly: true },
        { name: 'cluster-udp', port: ALERTMANAGER_CLUSTER_PORT, protocol: Protocol.UDP, peerOnly: true },
      ],
      // notification log and silences
      storage: { volumeName: 'data', mountPath: '/alertmanager', sizeGibibytes: 1 },
      volumes: [
        { name: 'config', configMap: { name: amConfigMap } },
        ...(webhooks ? [{ name: 'webhooks', secret: { secretName: webhookSecret, defaultMode: 0o440 } }] : []),
      ],
      podAnnotations: {
        [ANNOTATION_CONFIG_HASH]: lazy(() => hash(amConfig())),
        ...(webhooks ? { [ANNOTATION_EXTERNAL_SECRETS]: webhookSecret } : {}),
      },
      containers: (c) => {
        const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(ALERTMANAGER_PORT) } });
        const clusterArgs = amReplicas > 1
          ? [
            `--cluster.listen-address=0.0.0.0:${ALERTMANAGER_CLUSTER_PORT}`,
            `--cluster.advertise-address=[$(POD_IP)]:${ALERTMANAGER_CLUSTER_PORT}`,
            ...c.memberHosts().map((h) => `--cluster.peer=${h}:${ALERTMANAGER_CLUSTER_PORT}`),
          ]
          // an empty listen address disables clustering (a single instance has no peers)
          : ['--cluster.listen-address='];
        return [secureContainer({
          name: 'alertmanager',
          image: amImage,
          args: [
            `--config.file=${AM_CONFIG_DIR}/alertmanager.yml`,
            '--storage.path=/alertmanager',
            `--web.listen-address=:${ALERTMANAGER_PORT}`,
            ...clusterArgs,
          ],
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          ports: [
            { name: 'http', containerPort: ALERTMANAGER_PORT },
            { name: 'cluster', containerPort: ALERTMANAGER_CLUSTER_PORT },
            { name: 'cluster-udp', containerPort: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' },
          ],
          resources: amResources,
          readinessProbe: { ...http('/-/ready'), periodSeconds: 10, timeoutSeconds: 3 },
          livenessProbe: { ...http('/-/healthy'), initialDelaySeconds: 10, periodSeconds: 15, timeoutSeconds: 5 },
          volumeMounts: [
            { name: 'data', mountPath: '/alertmanager' },
            { name: 'config', mountPath: AM_CONFIG_DIR, readOnly: true },
            ...(webhooks ? [{ name: 'webhooks', mountPath: AM_WEBHOOK_DIR, readOnly: true }] : []),
          ],
        })];
      },
    });
    new k8s.KubeConfigMap(chart, 'alertmanager-config', {
      metadata: { name: amConfigMap, namespace: ns, labels: alertmanager.labels },
      data: lazy(() => ({ 'alertmanager.yml': amConfig() })),
    });
    if (webhooks) {
      // webhooks leave the cluster (chat and paging services answer on HTTPS)
      externalEgress(chart, 'alertmanager-webhooks-egress', amName, ns, alertmanager, '0.0.0.0/0', [443]);
    }

    // ---- Prometheus ----
    const promName = objectName(stack, stack.componentName, 'prometheus');
    const promConfigMap = objectName(stack, promName, 'config');
    const amTargets = alertmanager.memberHosts().map((h) => `${h}:${ALERTMANAGER_PORT}`);
    const promConfig = oncePerSynth(() => renderPrometheusConfig({
      scrapeIntervalSeconds: scrapeSeconds,
      namespaces: [...namespaces].sort(),
      alertmanagers: amTargets,
      ruleFile: `${CONFIG_DIR}/alerts.yml`,
      externalLabels: { architecture: arch.name },
      otlpCollector: otlpCollector
        ? { namespace: otlpCollector.namespace, podSelector: otlpCollector.podSelector, port: PROMETHEUS_EXPORTER_PORT }
        : undefined,
      targetJobs,
    }));
    const ruleInput = () => ({
      platformKinds: [...platformKinds], errorRatioThreshold: errorRatio, latencySeconds: latencyMs / 1000, services, scrapedServices,
    });
    const rules = oncePerSynth(() => renderAlertRules(ruleInput()));
    const prometheus = new StatefulCluster(stack, 'prometheus', {
      architecture: arch,
      chart,
      name: promName,
      namespace: ns,
      identity: identity(promName, 'prometheus'),
      replicas,
      quorum: false,
      uid: UID,
      ports: [{ name: 'http', port: PROMETHEUS_PORT }],
      storage: { volumeName: 'data', mountPath: '/data', sizeGibibytes: storage, storageClassName: o.storageClassName },
      volumes: [{ name: 'config', configMap: { name: promConfigMap } }],
      // Kubernetes service discovery lists and watches pods through the API
      automountServiceAccountToken: true,
      podAnnotations: lazy(() => ({
        [ANNOTATION_CONFIG_HASH]: hash(promConfig() + rules()),
        // the scrape jobs' Secrets, written by the targets' provisioning Jobs (the pod waits for them)
        ...(scrapeSecrets.length > 0 ? { [ANNOTATION_PROVISIONED_SECRETS]: [...scrapeSecrets].sort(compareStrings).join(',') } : {}),
      })),
      // replicas are independent: no ordered start needed
      containers: () => {
        const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(PROMETHEUS_PORT) } });
        return [secureContainer({
          name: 'prometheus',
          image,
          args: [
            `--config.file=${CONFIG_DIR}/prometheus.yml`,
            '--storage.tsdb.path=/data',
            `--storage.tsdb.retention.time=${retentionSeconds / 3600}h`,
            `--web.listen-address=:${PROMETHEUS_PORT}`,
          ],
          ports: [{ name: 'http', containerPort: PROMETHEUS_PORT }],
          resources: promResources,
          // WAL replay after a restart can take minutes on a large TSDB
          startupProbe: { ...http('/-/ready'), periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 60 },
          readinessProbe: { ...http('/-/ready'), periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 3 },
          livenessProbe: { ...http('/-/healthy'), periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 3 },
          volumeMounts: lazy(() => [
            { name: 'data', mountPath: '/data' },
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            ...scrapeSecrets.map((name) => ({ name, mountPath: `${SCRAPE_SECRETS_DIR}/${name}`, readOnly: true })),
          ]),
        })];
      },
    });
    new k8s.KubeConfigMap(chart, 'prometheus-config', {
      metadata: { name: promConfigMap, namespace: ns, labels: prometheus.labels },
      data: lazy(() => ({ 'prometheus.yml': promConfig(), 'alerts.yml': rules() })),
    });
    externalEgress(chart, 'prometheus-api-egress', promName, ns, prometheus, apiCidr, [443, 6443]);
    connect(prometheus, alertmanager, ALERTMANAGER_PORT);

    // ---- RBAC: a Role per discovered namespace (pods only: the one SD role used) ----
    const rbacLabels = { ...prometheus.labels };
    const discover = (namespace: string) => {
      if (namespaces.has(namespace)) return;
      namespaces.add(namespace);
      new k8s.KubeRole(chart, `prometheus-role-${namespace}`, {
        metadata: { name: promName, namespace, labels: rbacLabels },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      });
      new k8s.KubeRoleBinding(chart, `prometheus-rolebinding-${namespace}`, {
        metadata: { name: promName, namespace, labels: rbacLabels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: promName },
        subjects: [{ kind: 'ServiceAccount', name: prometheus.serviceAccountName, namespace: ns }],
      });
    };
    const scrapeWorkload = (w: IWorkload, port: number) => {
      discover(w.namespace);
      connect(prometheus, w, port);
      if (operatorScraper) connect(operatorScraper, w, port);
    };

    // ---- Prometheus Operator objects (optional) ----
    const operator = o.prometheusOperator
      ? { chart, labels: { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY, ...validateLabels(stack, 'prometheusOperatorLabels', o.prometheusOperatorLabels ?? {}) } }
      : undefined;
    // The operator's Prometheus: pods of the platform team's namespace, which every scraped
    // workload admits as it admits ours (a caller the mesh must know about, like a gateway's proxies)
    const sc = o.prometheusOperatorScraper;
    if (sc && !o.prometheusOperator) {
      fail(stack, 'prometheusOperatorScraper is set, but prometheusOperator is not', 'set prometheusOperator: true (the operator\'s Prometheus scrapes only through PodMonitors), or remove prometheusOperatorScraper');
    }
    const operatorScraper = operator
      ? new ExternalPods(stack, 'operator-scraper', {
        architecture: arch,
        kind: SCRAPER_KIND,
        componentName: 'prometheus-operator',
        namespace: validateDnsLabel(stack, 'prometheusOperatorScraper.namespace', sc?.namespace ?? 'monitoring'),
        serviceAccountName: validateDnsLabel(stack, 'prometheusOperatorScraper.serviceAccountName', sc?.serviceAccountName ?? 'kube-prometheus-stack-prometheus'),
        podSelector: validateLabels(stack, 'prometheusOperatorScraper.podLabels',
          sc?.podLabels ?? { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/managed-by': 'prometheus-operator' }, true),
        inMesh: sc?.inMesh,
        inMeshOption: 'Metrics.prometheus({ prometheusOperatorScraper: { inMesh } })',
      })
      : undefined;
    if (operator) {
      operatorPrometheusRule(operator, 'operator-rules', objectName(stack, stack.componentName, 'alerts'), ns,
        () => alertRuleGroups(ruleInput()));
    }
    // The collector's Prometheus exporter (the services' OTLP metrics): one otlp-metrics job.
    const scrapeCollector = (collector: IWorkload & { readonly host: string }) => {
      if (otlpCollector) return;
      otlpCollector = collector;
      scrapeWorkload(collector, PROMETHEUS_EXPORTER_PORT);
      if (operator) {
        operatorOtlpPodMonitor(operator, {
          id: 'operator-podmonitor-otlp',
          name: objectName(stack, stack.componentName, OTLP_METRICS_JOB),
          namespace: collector.namespace,
          selector: collector.podSelector,
          port: PROMETHEUS_EXPORTER_PORT,
        });
      }
    };
    // The tracing pillar (deployed first) runs the metrics pipeline whenever the metrics pillar is
    // Prometheus: its exporter port is scraped even before (or without) a service pushing to it.
    if (stack._collector) scrapeCollector(stack._collector);
    const podMonitor = (w: IWorkload, name: string, port: number, path: string, kind: string, job: string) => {
      if (!operator) return;
      operatorPodMonitor(operator, {
        id: `operator-podmonitor-${w.namespace}-${name}`,
        name,
        namespace: w.namespace,
        selector: w.podSelector,
        port,
        path,
        kind,
        job,
        // the annotations the library's own job reads, which a mesh may move (Istio sidecars: 15020)
        followScrapeAnnotations: true,
      });
    };

    // ---- Grafana ----
    const consoles: IConsole[] = [
      new PlatformConsole('prometheus', prometheus, prometheus.clientServiceName, PROMETHEUS_PORT, false, '/-/ready'),
      new PlatformConsole('alertmanager', alertmanager, alertmanager.clientServiceName, ALERTMANAGER_PORT, false, '/-/ready'),
    ];
    if (o.grafana ?? true) {
      const grafana = deployGrafana(stack, chart, {
        image: o.grafanaImage,
        adminSecretName: o.grafanaAdminSecretName,
        resources: o.grafanaResources,
        prometheusUrl: `http://${prometheus.clientHost}:${PROMETHEUS_PORT}`,
        alertmanagerUrl: `http://${alertmanager.clientHost}:${ALERTMANAGER_PORT}`,
      });
      connect(grafana, prometheus, PROMETHEUS_PORT);
      connect(grafana, alertmanager, ALERTMANAGER_PORT);
      // Grafana has its own login (administrator from a Secret, anonymous access off)
      consoles.push(new PlatformConsole('grafana', grafana, grafana.name, 3000, true, '/api/health'));
    }

    return {
      consoles,
      instrument: (target: InstrumentationTarget) => {
        if (!target.scraping) return;
        if (target.team) teams.add(target.team);
        const red = { namespace: target.workload.namespace, job: target.serviceName, team: target.team, rpc: target.rpc ?? false };
        if (target.metricsExport === 'otlp') {
          // the tracing pillar's collector, or (no tracing) a metrics-only collector of our own
          const collector = stack._collector ??= deployCollector(stack, {
            chart,
            name: objectName(stack, stack.componentName, 'otel-collector'),
            image: OTEL_COLLECTOR_DEFAULT_IMAGE,
            replicas: prod ? 2 : 1,
            resources: resolveResources(stack, arch.profile, undefined, prod
              ? { cpuRequestMillis: 200, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 }
              : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 }),
            metrics: true,
          });
          const source = `observability stack ${show(stack.node.path)} (metrics)`;
          // without a tracing pillar, the service's identity (service.name, k8s.namespace.name,
          // team: the labels the rules select on) comes from here, with traces off
          if (stack._pillarKinds.tracing === undefined) target.addEnv(tracingEnv(target, collector.host, 0, arch.profile, true, false), source);
          target.addEnv(otlpMetricsEnv(collector.host, scrapeSeconds), source);
          const otlp = [{ port: OTLP_HTTP_PORT, protocol: Protocol.TCP }];
          target.workload.allowEgressTo(collector, otlp);
          collector.allowIngressFrom(target.workload, otlp);
          scrapeCollector(collector);
          services.push(red);
          return;
        }
        if (!target.metrics) return;
        const { port, path } = target.metrics;
        target.addPodAnnotations(scrapeAnnotations({ port, path, kind: MICROSERVICE_KIND, job: target.serviceName }));
        scrapedServices = true;
        services.push(red);
        scrapeWorkload(target.workload, target.metrics.port);
        podMonitor(target.workload, objectName(stack, target.serviceName, 'metrics'), port, path, MICROSERVICE_KIND, target.serviceName);
      },
      scrape: (target: ScrapeTarget) => {
        platformKinds.add(target.kind);
        scrapeWorkload(target.workload, target.port);
        const job = target.job ?? target.workload.componentName;
        const c = target.credentials;
        if (c || target.params) {
          // HTTPS, a token or parameters: a job of its own, reading a Secret the target's provisioning writes here
          const secret = c ? c.secretIn(ns) : undefined;
          if (secret !== undefined) {
            prometheus.addVolume({ name: secret, secret: { secretName: secret, defaultMode: 0o440 } });
            scrapeSecrets.push(secret);
          }
          const dir = `${SCRAPE_SECRETS_DIR}/${secret}`;
          targetJobs.push({
            namespace: target.workload.namespace,
            podSelector: target.workload.podSelector,
            port: target.port,
            path: target.path,
            kind: target.kind,
            job,
            params: target.params,
            tls: c?.tlsServerName !== undefined ? { caFile: `${dir}/ca.crt`, serverName: c.tlsServerName } : undefined,
            tokenFile: c?.bearerToken ? `${dir}/token` : undefined,
          });
        }
        if (operator) {
          // the operator's PodMonitor reads the Secret from the target's namespace
          const secret = c ? c.secretIn(target.workload.namespace) : undefined;
          operatorPodMonitor(operator, {
            id: `operator-podmonitor-${target.workload.namespace}-${objectName(stack, job, 'metrics')}`,
            name: objectName(stack, job, 'metrics'),
            namespace: target.workload.namespace,
            selector: target.workload.podSelector,
            port: target.port,
            path: target.path,
            kind: target.kind,
            job,
            params: target.params,
            tls: c?.tlsServerName !== undefined ? { secretName: secret!, serverName: c.tlsServerName } : undefined,
            tokenSecretName: c?.bearerToken ? secret : undefined,
            // annotated targets: the port and path of the annotations (which a mesh may move)
            followScrapeAnnotations: !(c || target.params),
          });
        }
      },
    };
  }
}

/**
 * The OpenTelemetry SDK variables of a service that pushes its metrics to the collector: OTLP/HTTP
 * to the collector's metrics path, cumulative temporality (the Prometheus exporter's model), one
 * export per scrape interval.
 */
export function otlpMetricsEnv(collectorHost: string, intervalSeconds: number): EnvVariable[] {
  const v = (name: string, value: string): EnvVariable => ({ name, value: EnvValue.fromValue(value) });
  return [
    v('OTEL_METRICS_EXPORTER', 'otlp'),
    v('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', `http://${collectorHost}:${OTLP_HTTP_PORT}/v1/metrics`),
    v('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'http/protobuf'),
    v('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'cumulative'),
    v('OTEL_METRIC_EXPORT_INTERVAL', String(intervalSeconds * 1000)),
  ];
}

/** Prometheus (or Grafana) reaching a workload's port: egress on one side, ingress on the other. */
function connect(consumer: IWorkload, provider: IWorkload, port: number): void {
  const ports = [{ port, protocol: Protocol.TCP }];
  consumer.allowEgressTo(provider, ports);
  provider.allowIngressFrom(consumer, ports);
}

/** Egress outside the cluster's pods: to an address range, or (cidr undefined) to any destination on these ports. */
function externalEgress(chart: Chart, id: string, name: string, namespace: string, w: IWorkload, cidr: string | undefined, ports: number[]): void {
  new k8s.KubeNetworkPolicy(chart, id, {
    metadata: { name: `${name}-external`, namespace, labels: { [LABEL_PART_OF]: w.architecture.name, [LABEL_MANAGED_BY]: MANAGED_BY } },
    spec: {
      podSelector: { matchLabels: w.podSelector },
      policyTypes: ['Egress'],
      egress: [{ ...(cidr !== undefined ? { to: [{ ipBlock: { cidr } }] } : {}), ports: ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p), protocol: 'TCP' })) }],
    },
  });
}
