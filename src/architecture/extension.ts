import type { IConstruct } from 'constructs';
import type { Edge, EnvVariable, IWorkload, NetworkPort, Protocol } from './binding';

/*
 * The extension contract: architecture-wide concerns (the observability stack, a service mesh, a
 * gateway's graph hooks) act on every workload, scrape target and connection of the architecture.
 * `BackendArchitecture` calls them through this contract without knowing who implements it, so the
 * architecture folder depends on nothing above it. Library-internal (the architecture's methods
 * that take these types are @internal): extensions are the library's own constructs.
 */

/** The controller that runs a workload's pods. */
export enum WorkloadController {
  DEPLOYMENT = 'Deployment',
  STATEFUL_SET = 'StatefulSet',
  DAEMON_SET = 'DaemonSet',
  /** A Job or CronJob: pods that must run to completion. */
  JOB = 'Job',
}

/** A port a workload's containers listen on. */
export interface WorkloadPortInfo {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** The Service port's `appProtocol`, when the workload declares one ("http", "grpc", "tcp", ...). */
  readonly appProtocol?: string;
  /** Only the workload's own members use it (peer, replication, election). */
  readonly peerOnly?: boolean;
}

/** A Service in front of a workload's pods. */
export interface WorkloadServiceInfo {
  readonly name: string;
  /** A headless Service (`clusterIP: None`): clients resolve pod addresses. */
  readonly headless: boolean;
  readonly ports: WorkloadPortInfo[];
  /** Adds annotations to the Service object. */
  addAnnotations(annotations: Record<string, string>): void;
  /** Adds labels to the Service object (never to its selector). */
  addLabels(labels: Record<string, string>): void;
}

/** What a service declares about its telemetry (microservices): read by an observability stack. */
export interface ServiceTelemetry {
  /** `service.name`. */
  readonly serviceName: string;
  /** Bounded context and owning team. */
  readonly context: string;
  readonly team?: string;
  /** The version being run (image tag or digest prefix). */
  readonly version: string;
  /** The metrics endpoint, if the service exposes one. */
  readonly metrics?: { readonly port: number; readonly path: string };
  /** How the service hands over its metrics: "prometheus" (scraped at `metrics`) or "otlp" (pushed). */
  readonly metricsExport?: string;
  /** The primary port speaks gRPC (the RED rules use the RPC metrics). */
  readonly rpc?: boolean;
  /** The RFC 5424 severity keyword the service logs at (a `LogSeverity` value). */
  readonly logLevel: string;
  /** Opt-outs: false means "do not instrument this pillar". */
  readonly tracing: boolean;
  readonly scraping: boolean;
  readonly logShipping: boolean;
  /** Adds variables to the workload's containers (collisions are synth errors). */
  addEnv(vars: EnvVariable[], source: string): void;
}

/** A workload of the architecture as extensions see it, with the hooks to adjust its pods. */
export interface WorkloadRegistration {
  readonly workload: IWorkload;
  readonly controller: WorkloadController;
  /** What runs: "microservice", or the platform component's kind ("etcd", "kafka", "mysql", ...). */
  readonly kind: string;
  /** The containers' ports. */
  readonly ports: WorkloadPortInfo[];
  /** The Services in front of the pods (none for Jobs and node agents). */
  readonly services: WorkloadServiceInfo[];
  /** The ports the workload's own pods reach each other on (cluster members). */
  readonly peerPorts: NetworkPort[];
  /** The pods run on the node's network namespace. */
  readonly hostNetwork: boolean;
  /**
   * Ports that clients outside the architecture reach (a gateway's listeners behind a load
   * balancer): a mesh accepts plaintext and any caller there, and authorizes the graph elsewhere.
   */
  readonly publicPorts: number[];
  /** What the service declares about its telemetry (microservices only). */
  readonly telemetry?: ServiceTelemetry;
  /**
   * The pods run outside these manifests (a Gateway API controller's data plane): extensions emit
   * nothing for them and cannot change their pods; they only take part as callers.
   */
  readonly external: boolean;
  /**
   * For an external workload: whether the platform team runs its pods in the architecture's mesh
   * (undefined: not stated).
   */
  readonly externalInMesh?: boolean;
  /** For an external workload: the option that states `externalInMesh` (named in the mesh's error). */
  readonly externalInMeshOption?: string;
  /** Adds labels to the pod template (never to the selector). */
  addPodLabels(labels: Record<string, string>): void;
  /** Adds annotations to the pod template. */
  addPodAnnotations(annotations: Record<string, string>): void;
}

/** A platform workload exposing Prometheus metrics (etcd, ZooKeeper, RabbitMQ, ...). */
export interface ScrapeTarget {
  readonly workload: IWorkload;
  readonly port: number;
  readonly path: string;
  /** What it is, e.g. "etcd", "zookeeper", "rabbitmq" (selects alert rules). */
  readonly kind: string;
  /** The scrape job name (the `job` label). @default - the workload's component name */
  readonly job?: string;
  /** URL query parameters of every scrape (e.g. Consul's `format=prometheus`). @default - none */
  readonly params?: Record<string, string>;
  /**
   * What the scraper needs beyond plain HTTP: HTTPS checked against a CA, a bearer token, or both.
   * A target with credentials or params gets a scrape job of its own. @default - plain HTTP
   */
  readonly credentials?: ScrapeCredentials;
}

/** HTTPS and bearer-token settings of a scrape target, and where the scraper finds them. */
export interface ScrapeCredentials {
  /** HTTPS: the name the server's certificate is checked for (the Secret's `ca.crt`). Omitted: plain HTTP. */
  readonly tlsServerName?: string;
  /** Whether each scrape sends the Secret's `token` as a bearer token. */
  readonly bearerToken: boolean;
  /**
   * The Secret, in `namespace` (the scraper's), holding `ca.crt` and/or `token`: the target's own
   * provisioning writes it there. Called once per scraper namespace, before synthesis.
   */
  secretIn(namespace: string): string;
}

/**
 * A connection the architecture allows: `consumer`'s pods reach these ports of `provider`'s pods.
 * Every `uses()` edge is one, and so is every wiring a component makes inside itself (a frontend
 * to its server, a scraper to its targets, a task to its cluster).
 */
export interface Connection {
  readonly consumer: IWorkload;
  readonly provider: IWorkload;
  readonly ports: NetworkPort[];
}

/** A namespace of the architecture, with the hooks to adjust its Namespace object. */
export interface NamespaceRegistration {
  readonly name: string;
  addLabels(labels: Record<string, string>): void;
  addAnnotations(annotations: Record<string, string>): void;
}

/**
 * An architecture-wide concern. When attached it is told about everything registered so far, then
 * about each later registration as it happens; `_finalize` runs once, before synthesis, when the
 * program has declared the whole graph.
 * @internal
 */
export interface IArchitectureExtension extends IConstruct {
  /** One extension of each kind per architecture, e.g. "observability", "mesh". */
  readonly _extensionKind: string;
  _namespaceDeclared?(namespace: NamespaceRegistration): void;
  _workloadRegistered?(registration: WorkloadRegistration): void;
  _scrapeTargetRegistered?(target: ScrapeTarget): void;
  _connectionAllowed?(connection: Connection): void;
  _edgeRecorded?(edge: Edge): void;
  _finalize?(): void;
}
