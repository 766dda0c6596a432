import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/** One Alertmanager receiver: a webhook whose URL is a key of an externally managed Secret. */
export interface AlertReceiverOptions {
  /**
   * The team whose alerts go to this webhook (the `team` label of a Microservice).
   * @default - the default receiver: alerts of services without a team and of platform components
   */
  readonly team?: string;
  /**
   * The key of the webhook Secret holding the URL (tokens in the URL stay out of the manifests:
   * Alertmanager reads it with `url_file`).
   * @default - the team's name, or "default" for the default receiver
   */
  readonly secretKey?: string;
}

/** Alertmanager of the Prometheus metrics system. */
export interface AlertmanagerOptions {
  /**
   * Alertmanager instances; more than one form a gossip cluster that deduplicates notifications.
   * @default - 1 in development, 2 in production
   */
  readonly replicas?: number;
  /**
   * The image.
   * @default "quay.io/prometheus/alertmanager:v0.34.0"
   */
  readonly image?: string;
  /**
   * CPU and memory.
   * @default - 50m/500m CPU, 64/256 MiB
   */
  readonly resources?: ComputeResources;
  /**
   * Webhook receivers. A team listed here gets a route (`team="<team>"`) to a receiver named
   * `team-<team>`; everything else (platform components, teams not listed, services without a
   * team) goes to the default receiver (`{}`), which must have a webhook unless
   * `dropUnroutedAlerts` is set.
   * @default - none (a synth error unless dropUnroutedAlerts is true)
   */
  readonly receivers?: AlertReceiverOptions[];
  /**
   * Let the default route end without a webhook: its alerts are dropped, deliberately (a
   * "blackhole", e.g. in development or a sandbox). Otherwise a default route without a webhook is
   * a synth error, since alerts such as EtcdNoLeader would be dropped silently.
   * @default false
   */
  readonly dropUnroutedAlerts?: boolean;
  /**
   * The Secret (managed outside these manifests) holding the webhook URLs, one key per receiver;
   * mounted read-only and read by Alertmanager (>= 0.26) through `url_file`.
   * @default "<stack>-alertmanager-webhooks"
   */
  readonly webhookSecretName?: string;
  /**
   * How often a firing alert is notified again.
   * @default Duration.hours(4)
   */
  readonly repeatInterval?: Duration;
}

/** Options of `Metrics.prometheus()`. */
export interface PrometheusOptions {
  /**
   * How long Prometheus keeps samples (`--storage.tsdb.retention.time`), in whole hours.
   * @default Duration.days(15)
   */
  readonly retention?: Duration;
  /**
   * How often targets are scraped and rules evaluated, in whole seconds (5 s to 5 min).
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Size of each Prometheus replica's volume (PVC in production, emptyDir limit in development).
   * @default 20
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the Prometheus volumes (production).
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Prometheus replicas. Prometheus is not clustered: each replica scrapes every target and
   * evaluates every rule on its own (Alertmanager deduplicates their alerts).
   * @default - 1 in development, 2 in production
   */
  readonly replicas?: number;
  /**
   * The Prometheus image.
   * @default "quay.io/prometheus/prometheus:v3.14.0"
   */
  readonly image?: string;
  /**
   * CPU and memory of each Prometheus replica.
   * @default - 250m/1000m CPU, 512/2048 MiB in production; 100m/500m CPU, 256/1024 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * The address range of the Kubernetes API server (Prometheus lists and watches pods there for
   * service discovery): its NetworkPolicy then allows egress to that range on TCP 443 and 6443.
   * Without it the rule names only the ports, which every common network plugin applies to the
   * API server too: Cilium does not match node and API-server addresses with an `ipBlock`
   * (not even 0.0.0.0/0), so a range only works where the plugin matches host addresses by IP
   * (Calico, kube-router, most cloud plugins).
   * @default - any destination on TCP 443 and 6443
   */
  readonly kubernetesApiCidr?: string;
  /**
   * Error ratio (5xx responses / all responses, 0 < x < 1) above which a microservice alerts.
   * @default 0.05
   */
  readonly errorRatioThreshold?: number;
  /**
   * 95th percentile HTTP server latency above which a microservice alerts (whole milliseconds).
   * @default Duration.millis(500)
   */
  readonly latencyThreshold?: Duration;
  /**
   * Alertmanager.
   * @default - one instance in development, two in production, no webhooks
   */
  readonly alertmanager?: AlertmanagerOptions;
  /**
   * Deploy Grafana with the Prometheus and Alertmanager data sources and an "Architecture
   * overview" dashboard.
   * @default true
   */
  readonly grafana?: boolean;
  /**
   * The Grafana image.
   * @default "grafana/grafana:13.2.0"
   */
  readonly grafanaImage?: string;
  /**
   * The Secret (managed outside these manifests) with Grafana's administrator, keys `admin-user`
   * and `admin-password`.
   * @default "<stack>-grafana-admin"
   */
  readonly grafanaAdminSecretName?: string;
  /**
   * CPU and memory of Grafana.
   * @default - 100m/500m CPU, 128/512 MiB
   */
  readonly grafanaResources?: ComputeResources;
  /**
   * The cluster runs the Prometheus Operator: also emit a PodMonitor for every scraped workload
   * and a PrometheusRule with the alert rules (monitoring.coreos.com/v1), so the operator's
   * Prometheus scrapes and alerts exactly like the library's own.
   * @default false
   */
  readonly prometheusOperator?: boolean;
  /**
   * Labels on the PodMonitors and the PrometheusRule, matching the operator's Prometheus
   * `podMonitorSelector` and `ruleSelector` (e.g. { release: 'kube-prometheus-stack' }).
   * @default - the recommended labels only
   */
  readonly prometheusOperatorLabels?: { [key: string]: string };
  /**
   * Where the operator's Prometheus runs (with `prometheusOperator`): every workload it scrapes
   * admits these pods on its metrics port in its NetworkPolicy, as it admits the library's own
   * Prometheus (default-deny would drop the operator's scrapes otherwise).
   * @default - namespace "monitoring", the labels the operator puts on every Prometheus pod it runs, ServiceAccount "kube-prometheus-stack-prometheus"
   */
  readonly prometheusOperatorScraper?: PrometheusOperatorScraper;
}

/** The Prometheus Operator's Prometheus pods, which the scraped workloads admit. */
export interface PrometheusOperatorScraper {
  /**
   * The namespace of the operator's Prometheus.
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Labels that select its pods (add `operator.prometheus.io/name` to admit only one Prometheus).
   * @default - { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/managed-by": "prometheus-operator" }
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * The ServiceAccount of its pods (what a mesh authorizes when they run in it).
   * @default "kube-prometheus-stack-prometheus"
   */
  readonly serviceAccountName?: string;
  /**
   * Whether the platform team runs it in the architecture's mesh. Only read with a Mesh, which
   * must know: a meshed workload refuses callers outside the mesh, except Istio sidecars' merged
   * metrics (15020), which every Prometheus scrapes in plaintext.
   * @default - not stated (an architecture with a Mesh fails at synth until it is)
   */
  readonly inMesh?: boolean;
}
