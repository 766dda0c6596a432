import { ComputeResources } from '../architecture/resources';

/** Where a tracing backend keeps its spans. */
export enum TracingStorage {
  /**
   * In the backend's own memory (SkyWalking: a standalone BanyanDB on an emptyDir, since
   * SkyWalking 10.2 removed its embedded H2 storage). Traces are lost on restart and the backend
   * runs a single replica: for development.
   */
  MEMORY = 'memory',
  /** The observability stack's shared Elasticsearch cluster: for production (Jaeger and Zipkin). */
  ELASTICSEARCH = 'elasticsearch',
  /**
   * SkyWalking only: a BanyanDB server (standalone) with a persistent volume, the storage
   * SkyWalking develops for itself; the production default for SkyWalking, whose OAP 10.x refuses
   * Elasticsearch 9 (it supports Elasticsearch 6 to 8 only).
   */
  BANYANDB = 'banyandb',
}

/** Options every tracing backend shares. */
export interface TracingOptions {
  /**
   * The ratio of new traces the services sample (`OTEL_TRACES_SAMPLER_ARG` with the
   * `parentbased_traceidratio` sampler), from 0 to 1.
   * @default - 1 in development, 0.1 in production
   */
  readonly sampling?: number;
  /**
   * Where the backend keeps the spans.
   * @default - TracingStorage.MEMORY in development; in production TracingStorage.ELASTICSEARCH
   * (Jaeger, Zipkin) or TracingStorage.BANYANDB (SkyWalking)
   */
  readonly storage?: TracingStorage;
  /**
   * Days the traces are kept. In Elasticsearch (one index a day per kind) the provisioning Job
   * creates an ILM policy deleting an index this many days after its creation and sets it on the
   * backend's indices (`jaeger-*`, `zipkin*`); SkyWalking deletes its own data after this many
   * days (`SW_CORE_RECORD_DATA_TTL` and `SW_CORE_METRICS_DATA_TTL`).
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * Replicas of the OpenTelemetry Collector Deployment the services send their spans to.
   * @default - 1 in development, 2 in production
   */
  readonly collectorReplicas?: number;
  /**
   * The OpenTelemetry Collector (contrib distribution) image, pinned by tag or digest.
   * @default "otel/opentelemetry-collector-contrib:0.158.0"
   */
  readonly collectorImage?: string;
  /**
   * CPU and memory of each collector (the `memory_limiter` processor is derived from the memory limit).
   * @default - 50m/500m CPU and 128/256 MiB in development; 200m/1000m and 256/512 MiB in production
   */
  readonly collectorResources?: ComputeResources;
  /**
   * Replicas of the backend server (Jaeger, Zipkin); memory storage allows only 1, and SkyWalking's
   * OAP runs 1 (its cluster coordination needs the Kubernetes API).
   * @default - 2 with Elasticsearch storage, 1 otherwise
   */
  readonly backendReplicas?: number;
  /**
   * CPU and memory of the backend server (Jaeger, Zipkin, SkyWalking OAP).
   * @default - per backend, sized for the profile
   */
  readonly resources?: ComputeResources;
}

/** Options of Jaeger (v2). */
export interface JaegerOptions extends TracingOptions {
  /**
   * The Jaeger v2 image, pinned by tag or digest.
   * @default "jaegertracing/jaeger:2.19.0"
   */
  readonly image?: string;
}

/** Options of Zipkin. */
export interface ZipkinOptions extends TracingOptions {
  /**
   * The Zipkin server image, pinned by tag or digest.
   * @default "openzipkin/zipkin:3.6.1"
   */
  readonly image?: string;
}

/** Options of Apache SkyWalking. */
export interface SkyWalkingOptions extends TracingOptions {
  /**
   * The OAP server image, pinned by tag or digest.
   * @default "apache/skywalking-oap-server:10.3.0"
   */
  readonly oapImage?: string;
  /**
   * The UI image (the classic UI that reads `SW_OAP_ADDRESS`), pinned by tag or digest.
   * @default "apache/skywalking-ui:10.3.0"
   */
  readonly uiImage?: string;
  /**
   * The BanyanDB image (the API version must match the OAP's: 0.9 for OAP 10.3).
   * @default "apache/skywalking-banyandb:0.9.0"
   */
  readonly banyanDbImage?: string;
  /**
   * Size of BanyanDB's persistent volume in GiB (TracingStorage.BANYANDB).
   * @default 50
   */
  readonly banyanDbStorageGibibytes?: number;
  /**
   * StorageClass of BanyanDB's persistent volume.
   * @default - the cluster's default StorageClass
   */
  readonly banyanDbStorageClassName?: string;
  /**
   * CPU and memory of the UI.
   * @default - 50m/500m CPU and 256/512 MiB
   */
  readonly uiResources?: ComputeResources;
}
