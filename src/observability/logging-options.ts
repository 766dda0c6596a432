import type { LogSeverity } from './severity';
import type { SecretKeyReference } from '../architecture/binding';
import type { ComputeResources } from '../architecture/resources';

/** The software that stores and indexes the shipped logs. */
export enum LogStoreKind {
  /** Elasticsearch (single node in development, 3 master-eligible data nodes in production). */
  ELASTICSEARCH = 'elasticsearch',
}

/** A log store, chosen with the static factories of `LogStore`. */
export interface ILogStore {
  /** Which software stores the logs. */
  readonly kind: LogStoreKind;
}

/** Options of the Elasticsearch log store (also the cluster tracing backends store spans in). */
export interface ElasticsearchStoreOptions {
  /**
   * The Elasticsearch image (the official 9.x image: UBI-based, user 1000, curl for the probes).
   * @default "docker.elastic.co/elasticsearch/elasticsearch:9.5.2"
   */
  readonly image?: string;
  /**
   * Number of nodes (every node is master-eligible and holds data): 1 is a single-node cluster
   * (`discovery.type=single-node`), otherwise an odd number so that a majority of master-eligible
   * nodes survives the loss of a minority.
   * @default - 1 (development) or 3 (production)
   */
  readonly nodes?: number;
  /**
   * Data volume of each node, in GiB (a PersistentVolumeClaim in production, an emptyDir limit in development).
   * @default 30
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Resources of each node; the JVM heap is half the memory limit (the rest is the file system cache).
   * @default - 1 GiB (development) or 4 GiB (production) memory limit
   */
  readonly resources?: ComputeResources;
  /**
   * The password of the `elastic` superuser (`ELASTIC_PASSWORD`), a Secret managed outside the
   * manifests in the stack's namespace.
   * @default - key "password" of the Secret "<stack>-elasticsearch"
   */
  readonly passwordSecret?: SecretKeyReference;
  /**
   * A Secret with the transport-layer (node-to-node) TLS certificate, in cert-manager's layout
   * (`tls.crt`, `tls.key`, `ca.crt`): the certificate must be issued by `ca.crt` for every node.
   * Only used (and then required) with more than one node.
   * @default "<stack>-elasticsearch-transport"
   */
  readonly transportTlsSecretName?: string;
  /**
   * Watch the cluster with prometheus-community's elasticsearch_exporter when the stack's metrics
   * pillar is Prometheus: cluster health, every node's JVM heap and data disk, scraped as
   * `kind="elasticsearch"` with alerts for a red or yellow cluster, a lost node, a filling disk
   * (before Elasticsearch's watermarks stop allocation and make indices read-only), a full heap and
   * an exporter that cannot reach the cluster. It authenticates as the user `metrics-exporter`
   * (cluster privilege `monitor` only), whose password the provisioning Job sets from the Secret
   * `<stack>-elasticsearch-exporter` (key "password", managed outside the manifests). Setting it
   * (or `exporterImage`) in a stack whose metrics pillar is not Prometheus is a synth error.
   * @default true
   */
  readonly exporter?: boolean;
  /**
   * The elasticsearch_exporter image.
   * @default "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0"
   */
  readonly exporterImage?: string;
}

/** Options of Logstash between the agents and the store. */
export interface LogstashOptions {
  /**
   * The Logstash image (match the Elasticsearch version).
   * @default "docker.elastic.co/logstash/logstash:9.5.2"
   */
  readonly image?: string;
  /**
   * Replicas (agents spread their connections over the Service).
   * @default - 1 (development) or 2 (production)
   */
  readonly replicas?: number;
  /**
   * Resources of each replica; the JVM heap is half the memory limit.
   * @default - 1 GiB (development) or 2 GiB (production) memory limit
   */
  readonly resources?: ComputeResources;
}

/** Options common to every logging pipeline (agent DaemonSet, optional Logstash, store, Kibana). */
export interface LoggingPipelineOptions {
  /**
   * Where the logs go.
   * @default LogStore.elasticsearch()
   */
  readonly store?: ILogStore;
  /**
   * Route the logs through Logstash (agent -> Logstash -> store): `true` for the defaults.
   * @default false (the agents write to the store directly)
   */
  readonly logstash?: boolean;
  /**
   * Logstash settings (implies `logstash: true`).
   * @default - the defaults of LogstashOptions
   */
  readonly logstashOptions?: LogstashOptions;
  /**
   * Deploy Kibana on the Elasticsearch store. It reads the Secret `<stack>-kibana` (managed outside
   * these manifests) with the keys `kibana-system-password` (the built-in kibana_system user, which
   * the provisioning Job sets), and `security-encryption-key`, `encryption-key` and
   * `reporting-encryption-key` (each at least 32 characters, shared by every replica: session
   * cookies, saved objects and reports).
   * @default true
   */
  readonly kibana?: boolean;
  /**
   * The Kibana image (must match the Elasticsearch version exactly).
   * @default "docker.elastic.co/kibana/kibana:9.5.2"
   */
  readonly kibanaImage?: string;
  /**
   * Days the logs are kept: the agents write one index a day (`k8s-logs-YYYY.MM.DD`), and the
   * provisioning Job creates the ILM policy `k8s-logs` that deletes an index this many days after
   * its creation, with the index template that applies it (and maps the application fields as one
   * `flattened` field). Without retention the indices grow until the disk flood-stage watermark
   * makes every index read-only and ingestion stops.
   * @default - 7 (development) or 14 (production)
   */
  readonly retentionDays?: number;
  /**
   * Records whose level is less severe than this are dropped by the agent (records without a
   * recognized level are kept).
   * @default LogSeverity.DEBUG (nothing is dropped)
   */
  readonly minimumSeverity?: LogSeverity;
  /**
   * The agent's image.
   * @default - the pinned upstream image of the agent
   */
  readonly image?: string;
  /**
   * Resources of each agent pod (one per node).
   * @default - 100m/500m CPU, 128/256 MiB (Fluent Bit and Filebeat); 100m/500m CPU, 256/512 MiB (Fluentd)
   */
  readonly resources?: ComputeResources;
  /**
   * Filebeat only, with `Metrics.prometheus()`: the image of the sidecar that gives Prometheus
   * Filebeat's metrics (prometheus-community's json_exporter, which reads Filebeat's `/stats` on
   * localhost: Filebeat has no Prometheus endpoint). It must accept json_exporter v0.7.0's flags and
   * configuration and run as uid 65534.
   * @default "quay.io/prometheuscommunity/json-exporter:v0.7.0"
   */
  readonly filebeatExporterImage?: string;
}
