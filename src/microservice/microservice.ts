import { createHash } from 'crypto';
import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { HealthCheck } from './health-check';
import { MetricsExport } from './metrics-export';
import { AppProtocol } from '../architecture/app-protocol';
import { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, BindingEndpoint, EnvValue, EnvVariable, IBindable, IWorkload, NetworkPort, Protocol, RegistrationInfo, SecretFiles } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { ComputeResources } from '../architecture/resources';
import type { IRoutable, RouteBackend } from '../architecture/routable';
import { fail, show } from '../internal/errors';
import {
  ANNOTATION_EXTERNAL_CONFIGMAPS,
  ANNOTATION_EXTERNAL_SECRETS,
  ANNOTATION_PROVISIONED_SECRETS,
  LABEL_CONTEXT,
  LABEL_TEAM,
  recommendedLabels,
  selectorLabels,
  WorkloadIdentityLabels,
} from '../internal/labels';
import { lazy } from '../internal/lazy';
import { envPrefix, validateDnsLabel, validateServiceName, validateEnvName, validateImage, validateInteger, validateLabelValue, validatePortName } from '../internal/names';
import { DEFAULT_NON_ROOT_UID, secureContainer, writableVolumes } from '../internal/pod';
import { defaultReplicas, resolveResources } from '../internal/profile-defaults';
import { StatelessWorkload } from '../internal/stateless-workload';
import { applyUse } from '../internal/uses';
import { LogSeverity, Severities } from '../observability/severity';

const k8s = kplus.k8s;


/** An extra port of a microservice. */
export interface MicroservicePort {
  /** Port number the container listens on; the Service exposes the same number. */
  readonly port: number;
  /**
   * The port's name (IANA service name, at most 15 characters).
   * @default - the protocol's name ("http", "http2", "grpc" or "tcp")
   */
  readonly name?: string;
  /**
   * Application protocol.
   * @default AppProtocol.HTTP
   */
  readonly protocol?: AppProtocol;
}

/** Horizontal autoscaling on CPU utilization (autoscaling/v2 HorizontalPodAutoscaler). */
export interface AutoscalingOptions {
  /** Fewest replicas (at least 1; 2 or more keeps the service available during disruptions). */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, as a percentage of the CPU request.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/**
 * What a {@link Microservice} runs with in one profile: each field set here replaces the one of
 * the props. `replicas` and `autoscaling` replace each other (an override with `replicas` runs a
 * fixed count even where the props autoscale, and the reverse); `resources` are merged field by
 * field over the props' resources.
 */
export interface MicroserviceProfileOverrides {
  /**
   * Fixed replica count in this profile. Mutually exclusive with `autoscaling`.
   * @default - the props' replicas or autoscaling
   */
  readonly replicas?: number;
  /**
   * Autoscaling in this profile. Mutually exclusive with `replicas`.
   * @default - the props' replicas or autoscaling
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * CPU and memory in this profile, merged over the props' `resources`.
   * @default - the props' resources
   */
  readonly resources?: ComputeResources;
}

/**
 * Per-profile overrides of a {@link Microservice}: the one for the architecture's profile applies,
 * so one program describes both environments.
 */
export interface MicroserviceProfiles {
  /**
   * Overrides in `Profile.DEVELOPMENT`.
   * @default - none
   */
  readonly development?: MicroserviceProfileOverrides;
  /**
   * Overrides in `Profile.PRODUCTION`.
   * @default - none
   */
  readonly production?: MicroserviceProfileOverrides;
}

/** Properties of a {@link Microservice}. */
export interface MicroserviceProps {
  /** Container image, pinned with a tag (not "latest") or a digest. */
  readonly image: string;
  /**
   * The primary port (what `uses()` hands to consumers as `<NAME>_PORT` and `<NAME>_URL`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * Application protocol of the primary port.
   * @default AppProtocol.HTTP
   */
  readonly protocol?: AppProtocol;
  /**
   * Further ports (e.g. a gRPC port beside HTTP).
   * @default - none
   */
  readonly additionalPorts?: MicroservicePort[];
  /**
   * Fixed replica count. Mutually exclusive with `autoscaling`.
   * @default - 1 in development, 3 in production
   */
  readonly replicas?: number;
  /**
   * Autoscale on CPU instead of a fixed replica count.
   * @default - no autoscaling
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Replicas, autoscaling and resources per profile, e.g.
   * `{ development: { replicas: 1 }, production: { autoscaling: { minReplicas: 3, maxReplicas: 12 } } }`.
   * @default - the same settings in every profile
   */
  readonly profiles?: MicroserviceProfiles;
  /**
   * CPU and memory requests and limits.
   * @default - the profile's defaults
   */
  readonly resources?: ComputeResources;
  /**
   * Environment variables of your own (bindings add theirs). Emitted sorted by name.
   * Credentials must come from Secrets: a literal value for a name such as `DB_PASSWORD` is rejected.
   * @default - none
   */
  readonly env?: { [name: string]: EnvValue };
  /**
   * Readiness, liveness and startup probes.
   * @default - HTTP GET /readyz and /livez for HTTP services, the gRPC health protocol for gRPC, TCP otherwise
   */
  readonly healthCheck?: HealthCheck;
  /**
   * The bounded context (domain-driven design) the service belongs to. It is the service's
   * namespace, so a context's services share network and RBAC boundaries.
   * @default - the architecture's name
   */
  readonly context?: string;
  /**
   * The team that owns the service (Conway's law): a label on every object, for routing alerts
   * and reviews.
   * @default - no owner label
   */
  readonly team?: string;
  /**
   * Container command (entrypoint).
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments.
   * @default - the image's command
   */
  readonly args?: string[];
  /**
   * Paths the process writes to; each gets an emptyDir (256 MiB) since the root filesystem is read-only.
   * @default ["/tmp"]
   */
  readonly writablePaths?: string[];
  /**
   * The numeric user (and group) the pod runs as; it must not be 0.
   * @default 65532 (the "nonroot" user of distroless images)
   */
  readonly runAsUser?: number;
  /**
   * How long Kubernetes waits after SIGTERM before killing the pod.
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * How the service hands its metrics to the metrics system: a Prometheus endpoint that is
   * scraped, or OTLP pushed to the OpenTelemetry Collector.
   * @default - MetricsExport.PROMETHEUS when `metricsPort` is set or the primary port speaks HTTP;
   * MetricsExport.OTLP otherwise (gRPC and TCP services, which have no HTTP endpoint to scrape)
   */
  readonly metricsExport?: MetricsExport;
  /**
   * The port serving Prometheus metrics (one of the service's ports), with
   * `MetricsExport.PROMETHEUS`.
   * @default - the primary port for HTTP services; none for gRPC and TCP services (they push OTLP)
   */
  readonly metricsPort?: number;
  /**
   * The path serving Prometheus metrics.
   * @default "/metrics"
   */
  readonly metricsPath?: string;
  /**
   * The RFC 5424 severity the service logs at, handed over as `LOG_LEVEL` (the logging library's
   * name: fatal, error, warn, info, debug) and `LOG_SEVERITY` (the RFC 5424 code, 0-7).
   * @default - LogSeverity.INFORMATIONAL in production, LogSeverity.DEBUG in development
   */
  readonly logLevel?: LogSeverity;
  /**
   * What the architecture's ObservabilityStack does for this service; everything is on by default.
   * @default - traced, scraped and its logs shipped
   */
  readonly instrumentation?: InstrumentationOptions;
}

/** Opting a microservice out of the observability stack's default instrumentation. */
export interface InstrumentationOptions {
  /**
   * Hand the service the OTEL_* variables and an edge to the OpenTelemetry Collector.
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Let the metrics system scrape the service's metrics endpoint.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Ship the service's container logs.
   * @default true
   */
  readonly logs?: boolean;
}

/**
 * Names that hold credentials: a word such as PASSWORD, PASS, SECRET or TOKEN between underscores
 * (`DB_PASS`, `STRIPE_SECRET_KEY`, `AWS_SECRET_ACCESS_KEY`), or a name ending in a key (`API_KEY`,
 * `PRIVATE_KEY`, `ACCESS_KEY`, `SIGNING_KEY`) — unless the name says it holds something about the
 * credential rather than the credential itself (`DB_PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`).
 */
const CREDENTIAL_NAME = /(^|_)(PASSWORD|PASSWD|PASS|PWD|PASSPHRASE|SECRETS?|TOKENS?|CREDENTIALS?)(_|$)|(API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY)$/i;
const NOT_A_CREDENTIAL = /_(FILE|PATH|DIR|URL|URI|ENDPOINT|HOST|PORT|NAME|TTL|TIMEOUT|EXPIRY|HEADER|ISSUER|AUDIENCE|ENABLED)$/i;
/** A URL with a password in its user information (`postgres://app:s3cret@db:5432/app`). */
const URL_WITH_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\s:]*:[^/?#@\s]+@/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** The pod fields the API server accepts in an env var's fieldRef (Kubernetes 1.28). */
const ENV_FIELD_PATHS = new Set([
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);
const ENV_FIELD_SUBSCRIPT = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: AppProtocol;
}

/**
 * A business service: Deployment (or HPA), Service, ServiceAccount, PodDisruptionBudget, topology
 * spread and a NetworkPolicy, all restricted and labelled, in its bounded context's namespace and
 * its own output file. It `uses()` platform components and other services; the bindings give it
 * env vars and network edges, and other services can use it the same way.
 */
export class Microservice extends Construct implements IWorkload, IBindable, IRoutable {
  /** The architecture this service belongs to. */
  public readonly architecture: BackendArchitecture;
  /** The service's name (its Deployment, Service and ServiceAccount are called this). */
  public readonly componentName: string;
  /** The namespace: its bounded context (with the architecture's namespacePrefix, if any). */
  public readonly namespace: string;
  /** The bounded context. */
  public readonly context: string;
  /** The owning team, if given. */
  public readonly team?: string;
  /** The ServiceAccount its pods run as. */
  public readonly serviceAccountName: string;
  /** The primary port. */
  public readonly port: number;
  /** The Service's cluster-internal DNS name. */
  public readonly host: string;
  /** Fixed replica count (undefined with autoscaling). */
  public readonly replicas?: number;
  /** The fewest replicas that run: the fixed count, or the autoscaler's minimum. */
  public readonly minReplicas: number;
  /** The most replicas that run. @internal */
  public readonly _maxReplicas: number;
  /** The chart (output file) holding this service's objects. */
  public readonly chart: Chart;
  /** What the service publishes to a client-side registry. */
  public readonly registration?: RegistrationInfo;

  private readonly ports: ResolvedPort[];
  private readonly identity: WorkloadIdentityLabels;
  private readonly labels: Record<string, string>;
  private readonly env = new Map<string, { value: EnvValue; source: string }>();
  private readonly secretFiles = new Map<string, SecretFiles>();
  private readonly workload: StatelessWorkload;
  private readonly bindings = new Map<IBindable, Binding>();

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    this.architecture = BackendArchitecture.of(this);
    const arch = this.architecture;
    this.componentName = validateServiceName(this, 'microservice name', id);
    this.context = validateDnsLabel(this, 'context', props.context ?? arch.name);
    this.namespace = arch.namespaceFor(this.context, this);
    this.team = props.team !== undefined ? validateLabelValue(this, 'team', props.team) : undefined;
    const tag = validateImage(this, props.image);
    this.serviceAccountName = this.componentName;
    this.ports = this.resolvePorts(props);
    this.port = this.ports[0].port;
    this.host = arch.serviceHost(this.componentName, this.namespace);

    if (props.replicas !== undefined && props.autoscaling !== undefined) {
      fail(this, `both replicas (${props.replicas}) and autoscaling are set`, 'set either a fixed replica count or autoscaling, not both');
    }
    for (const [profile, o] of Object.entries(props.profiles ?? {}) as Array<[string, MicroserviceProfileOverrides | undefined]>) {
      if (!(Object.values(Profile) as string[]).includes(profile)) {
        fail(this, `profiles.${profile} is not a profile`, `use ${Object.values(Profile).map((p) => show(p)).join(' or ')}`);
      }
      if (o?.replicas !== undefined && o.autoscaling !== undefined) {
        fail(this, `profiles.${profile} sets both replicas (${o.replicas}) and autoscaling`, 'set either a fixed replica count or autoscaling for the profile, not both');
      }
    }
    const override: MicroserviceProfileOverrides = (props.profiles ?? {})[arch.profile] ?? {};
    const overridesScaling = override.replicas !== undefined || override.autoscaling !== undefined;
    const replicasProp = overridesScaling ? override.replicas : props.replicas;
    const autoscalingProp = overridesScaling ? override.autoscaling : props.autoscaling;
    const what = (field: string) => (overridesScaling ? `profiles.${arch.profile}.${field}` : field);
    if (replicasProp !== undefined) {
      validateInteger(this, what('replicas'), replicasProp, 1, 1000, 'use at least 1 replica (2 or more for availability)');
    }
    const autoscaling = autoscalingProp ? this.validateAutoscaling(autoscalingProp) : undefined;
    this.replicas = autoscaling ? undefined : replicasProp ?? defaultReplicas(arch.profile);
    this.minReplicas = autoscaling ? autoscaling.minReplicas : this.replicas!;
    const maxReplicas = autoscaling ? autoscaling.maxReplicas : this.replicas!;
    this._maxReplicas = maxReplicas;
    const uid = props.runAsUser ?? DEFAULT_NON_ROOT_UID;
    validateInteger(this, 'runAsUser', uid, 1, 2147483647, 'run as a non-root numeric user (1 or above)');
    const resources = resolveResources(this, arch.profile, override.resources ? { ...props.resources, ...override.resources } : props.resources);
    const grace = props.terminationGracePeriod?.toSeconds() ?? 30;
    validateInteger(this, 'terminationGracePeriod (seconds)', grace, 1, 3600, 'use a whole number of seconds from 1 to 3600');

    for (const name of Object.keys(props.env ?? {}).sort()) {
      this.addEnv(name, props.env![name], 'props.env');
    }

    arch.addNamespace(this, this.namespace, { labels: { [LABEL_CONTEXT]: this.context } });
    this.chart = arch._newComponentChart(this, this.componentName);
    this.identity = { name: this.componentName, instance: `${arch.name}-${this.componentName}`, component: 'microservice', partOf: arch.name };
    const extra: Record<string, string> = { [LABEL_CONTEXT]: this.context };
    if (this.team) extra[LABEL_TEAM] = this.team;
    this.labels = recommendedLabels(this.identity, extra);
    // The version label goes on the Deployment and its pods only (StatelessWorkload).
    const health = props.healthCheck ?? this.defaultHealthCheck();
    const probePort = health.port ?? this.port;
    if (!this.ports.some((p) => p.port === probePort)) {
      fail(this, `healthCheck probes port ${probePort}, which the service does not expose`, `probe one of its ports (${this.ports.map((p) => p.port).join(', ')})`);
    }
    for (const path of health._paths) {
      if (!path.startsWith('/')) fail(this, `health check path ${show(path)} does not start with "/"`, 'use an absolute URL path such as "/readyz"');
    }
    const probes = health._probes(probePort);
    this.registration = {
      serviceName: this.componentName,
      port: this.port,
      protocol: this.ports[0].protocol,
      ...(health._readinessPath && probePort === this.port ? { healthCheckPath: health._readinessPath } : {}),
    };
    const writable = writableVolumes(this, props.writablePaths ?? ['/tmp']);

    const httpPrimary = this.ports[0].protocol === AppProtocol.HTTP || this.ports[0].protocol === AppProtocol.HTTP2;
    const metricsExport = props.metricsExport
      ?? (props.metricsPort !== undefined || httpPrimary ? MetricsExport.PROMETHEUS : MetricsExport.OTLP);
    if (!Object.values(MetricsExport).includes(metricsExport)) {
      fail(this, `metricsExport ${show(metricsExport)} is not supported`, 'use MetricsExport.PROMETHEUS or MetricsExport.OTLP');
    }
    if (metricsExport === MetricsExport.OTLP && (props.metricsPort !== undefined || props.metricsPath !== undefined)) {
      fail(this, 'metricsPort and metricsPath describe a scraped endpoint, but metricsExport is OTLP (the service pushes its metrics)',
        'drop metricsPort/metricsPath, or use MetricsExport.PROMETHEUS');
    }
    const metricsPort = metricsExport === MetricsExport.OTLP ? undefined : props.metricsPort ?? (httpPrimary ? this.port : undefined);
    if (metricsExport === MetricsExport.PROMETHEUS && metricsPort === undefined) {
      fail(this, 'metricsExport is PROMETHEUS but the service has no HTTP port to scrape', 'set metricsPort to the port serving /metrics, or use MetricsExport.OTLP');
    }
    if (metricsPort !== undefined && !this.ports.some((p) => p.port === metricsPort)) {
      fail(this, `metricsPort ${metricsPort} is not one of the service's ports`, `use one of ${this.ports.map((p) => p.port).join(', ')} or add the port to additionalPorts`);
    }
    const metricsPath = props.metricsPath ?? '/metrics';
    if (!metricsPath.startsWith('/')) fail(this, `metricsPath ${show(metricsPath)} does not start with "/"`, 'use an absolute URL path such as "/metrics"');
    const logLevel = props.logLevel ?? (arch.profile === Profile.PRODUCTION ? LogSeverity.INFORMATIONAL : LogSeverity.DEBUG);
    const severity = Severities.info(logLevel);
    this.addEnv('LOG_LEVEL', EnvValue.fromValue(severity.libraryLevel), 'logLevel');
    this.addEnv('LOG_SEVERITY', EnvValue.fromValue(String(severity.code)), 'logLevel');

    this.workload = new StatelessWorkload(this, 'workload', {
      architecture: arch,
      chart: this.chart,
      name: this.componentName,
      namespace: this.namespace,
      identity: this.identity,
      extraLabels: extra,
      version: tag.startsWith('sha256:') ? tag.slice(7, 19) : tag,
      replicas: this.replicas,
      maxReplicas,
      minReplicas: this.minReplicas,
      ports: this.ports.map((p) => ({ name: p.name, port: p.port, appProtocol: p.protocol })),
      uid,
      volumes: lazy(() => [...writable.volumes, ...this.secretFileVolumes().volumes]),
      podAnnotations: lazy(() => this.externalReferenceAnnotations()),
      owner: this,
      terminationGracePeriodSeconds: grace,
      containers: (w) => [secureContainer({
        name: this.componentName,
        image: props.image,
        command: props.command,
        args: props.args,
        ports: w.containerPorts,
        env: lazy(() => this.renderEnv()),
        resources,
        readinessProbe: probes.readiness,
        livenessProbe: probes.liveness,
        startupProbe: probes.startup,
        volumeMounts: lazy(() => [...writable.mounts, ...this.secretFileVolumes().mounts]),
      })],
    });

    if (autoscaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this.chart, 'hpa', {
        metadata: { name: this.componentName, namespace: this.namespace, labels: this.labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.componentName },
          minReplicas: autoscaling.minReplicas,
          maxReplicas: autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.targetCpuUtilizationPercent } },
            },
          ],
        },
      });
    }

    const instrumentation = props.instrumentation ?? {};
    this.workload.register(this, {
      serviceName: this.componentName,
      context: this.context,
      team: this.team,
      version: tag.startsWith('sha256:') ? tag.slice(7, 19) : tag,
      metrics: metricsPort !== undefined ? { port: metricsPort, path: metricsPath } : undefined,
      metricsExport,
      rpc: this.ports[0].protocol === AppProtocol.GRPC,
      logLevel,
      tracing: instrumentation.tracing ?? true,
      scraping: instrumentation.metrics ?? true,
      logShipping: instrumentation.logs ?? true,
      addEnv: (vars, source) => {
        for (const v of vars) this.addEnv(v.name, v.value, source);
      },
    });
  }

  /** Human description used in errors. */
  public get bindingDescription(): string {
    return `microservice ${show(this.componentName)} (${this.node.path})`;
  }

  /** What a Gateway route reaches: the primary port, its protocol and the readiness path. */
  public get routeBackend(): RouteBackend {
    return {
      workload: this,
      serviceName: this.componentName,
      port: this.port,
      appProtocol: this.ports[0].protocol,
      ...(this.registration?.healthCheckPath ? { healthCheckPath: this.registration.healthCheckPath } : {}),
    };
  }

  /** Labels that select this service's pods. */
  public get podSelector(): { [key: string]: string } {
    return selectorLabels(this.identity);
  }

  /** The ports other workloads may reach (every port of the Service). */
  public get networkPorts(): NetworkPort[] {
    return this.ports.map((p) => ({ port: p.port, protocol: Protocol.TCP }));
  }

  /**
   * Declares that this service uses `target` (a platform component, a role of one such as a
   * topic's producer, or another microservice). Applies the binding: env vars, NetworkPolicy
   * egress here and ingress there, and an edge of the architecture's graph. Using the same target
   * twice returns the first binding.
   */
  public uses(target: IBindable): Binding {
    const previous = this.bindings.get(target);
    if (previous) return previous;
    const binding = applyUse(this, target, (b, source) => {
      for (const v of b.env ?? []) this.addEnv(v.name, v.value, source);
    }, (b, source) => {
      for (const f of b.secretFiles ?? []) this.addSecretFiles(f, source);
    });
    this.bindings.set(target, binding);
    return binding;
  }

  /**
   * What a consumer gets when it uses this service: `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL`
   * (HTTP services) or `<NAME>_ADDR` (gRPC), `<NAME>_<PORTNAME>_PORT` for every additional port,
   * and network access to all its ports.
   */
  public bind(consumer: IWorkload): Binding {
    void consumer; // every consumer gets the same binding (named as in IBindable for the binding languages)
    const p = envPrefix(this.componentName);
    const primary = this.ports[0];
    const env: EnvVariable[] = [
      { name: `${p}_HOST`, value: EnvValue.fromValue(this.host) },
      { name: `${p}_PORT`, value: EnvValue.fromValue(String(primary.port)) },
    ];
    if (primary.protocol === AppProtocol.HTTP || primary.protocol === AppProtocol.HTTP2) {
      env.push({ name: `${p}_URL`, value: EnvValue.fromValue(`http://${this.host}:${primary.port}`) });
    } else if (primary.protocol === AppProtocol.GRPC) {
      env.push({ name: `${p}_ADDR`, value: EnvValue.fromValue(`${this.host}:${primary.port}`) });
    }
    for (const extra of this.ports.slice(1)) {
      env.push({ name: `${p}_${envPrefix(extra.name)}_PORT`, value: EnvValue.fromValue(String(extra.port)) });
    }
    const endpoint: BindingEndpoint = { workload: this, ports: this.networkPorts };
    return { env, endpoints: [endpoint] };
  }

  /** @see IWorkload.allowIngressFrom */
  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.workload.allowIngressFrom(peer, ports);
  }

  /** @see IWorkload.allowEgressTo */
  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.workload.allowEgressTo(peer, ports);
  }

  /** Adds an environment variable; a second, different value for the same name is an error. */
  public addEnvVariable(name: string, value: EnvValue): void {
    this.addEnv(name, value, 'addEnvVariable()');
  }

  private addEnv(name: string, value: EnvValue, source: string): void {
    validateEnvName(this, name);
    this.validateEnvValue(name, value);
    const existing = this.env.get(name);
    if (existing) {
      const a = JSON.stringify(existing.value._toKube(name));
      const b = JSON.stringify(value._toKube(name));
      if (a === b) return;
      fail(this, `environment variable ${name} is set by ${existing.source} and, differently, by ${source}`, 'rename one of them or remove the duplicate');
    }
    this.env.set(name, { value, source });
  }

  /** What the API server (or a reviewer) would reject in an env value, before it is written. */
  private validateEnvValue(name: string, value: EnvValue): void {
    const src = value._source;
    if (src.value !== undefined) {
      if (CREDENTIAL_NAME.test(name) && !NOT_A_CREDENTIAL.test(name)) {
        fail(this, `environment variable ${name} looks like a credential but is given as a literal value`, `store it in a Secret and pass EnvValue.fromSecret({ secretName, key }) for ${name}`);
      }
      if (URL_WITH_PASSWORD.test(src.value)) {
        fail(this, `environment variable ${name} is a literal URL with a password in it (${show(src.value.replace(/:[^/?#@\s:]+@/, ':***@'))})`,
          `store the URL in a Secret and pass EnvValue.fromSecret({ secretName, key }) for ${name}, or pass the password separately from a Secret`);
      }
      return;
    }
    const ref = src.valueFrom?.secretKeyRef ?? src.valueFrom?.configMapKeyRef;
    if (ref) {
      const what = src.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
      if (!ref.name || ref.name.length > 253 || !DNS_SUBDOMAIN.test(ref.name)) {
        fail(this, `environment variable ${name} reads the ${what} ${show(ref.name)}, which is not a valid ${what} name`, 'use a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters');
      }
      if (ref.key.length > 253 || !CONFIG_KEY.test(ref.key)) {
        fail(this, `environment variable ${name} reads the key ${show(ref.key)} of the ${what} ${show(ref.name)}, which is not a valid key`, 'use letters, digits, "-", "_" and "." (at most 253 characters)');
      }
    }
    const fieldPath = src.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath !== undefined) {
      const sub = ENV_FIELD_SUBSCRIPT.exec(fieldPath);
      if (!ENV_FIELD_PATHS.has(fieldPath) && !(sub && sub[2].length > 0)) {
        fail(this, `environment variable ${name} reads the pod field ${show(fieldPath)}, which the API server does not accept in an env var`,
          `use one of ${[...ENV_FIELD_PATHS].join(', ')}, or metadata.labels['<key>'] / metadata.annotations['<key>']`);
      }
    }
  }

  /** Mounts a Secret read-only at a directory; two different Secrets at one directory is an error. */
  private addSecretFiles(f: SecretFiles, source: string): void {
    if (!f.mountPath.startsWith('/') || f.mountPath.includes('..')) {
      fail(this, `${source} mounts the Secret ${show(f.secretName)} at ${show(f.mountPath)}, which is not an absolute path`, 'use an absolute path such as "/etc/etcd-client/registry"');
    }
    const existing = this.secretFiles.get(f.mountPath);
    if (existing && existing.secretName !== f.secretName) {
      fail(this, `the Secrets ${show(existing.secretName)} and ${show(f.secretName)} are both mounted at ${show(f.mountPath)}`, 'mount each Secret at its own directory');
    }
    this.secretFiles.set(f.mountPath, f);
  }

  /** Volumes and mounts of the Secrets bindings hand over as files, sorted by mount path. */
  private secretFileVolumes(): { volumes: kplus.k8s.Volume[]; mounts: kplus.k8s.VolumeMount[] } {
    const volumes: kplus.k8s.Volume[] = [];
    const mounts: kplus.k8s.VolumeMount[] = [];
    for (const path of [...this.secretFiles.keys()].sort()) {
      const f = this.secretFiles.get(path)!;
      const volume = `secret-${createHash('sha256').update(`${f.secretName}\u0000${path}`).digest('hex').slice(0, 10)}`;
      // 0440 with the pod's fsGroup: readable by the (non-root) process, by nobody else
      volumes.push({ name: volume, secret: { secretName: f.secretName, defaultMode: 0o440 } });
      mounts.push({ name: volume, mountPath: path, readOnly: true });
    }
    return { volumes, mounts };
  }

  private renderEnv(): kplus.k8s.EnvVar[] | undefined {
    if (this.env.size === 0) return undefined;
    return [...this.env.entries()].map(([name, { value }]) => value._toKube(name));
  }

  private externalReferenceAnnotations(): Record<string, string> | undefined {
    const secrets = new Set<string>();
    const configMaps = new Set<string>();
    for (const { value } of this.env.values()) {
      if (value.externalSecretName) secrets.add(value.externalSecretName);
      if (value.externalConfigMapName) configMaps.add(value.externalConfigMapName);
    }
    const provisioned = new Set<string>();
    for (const f of this.secretFiles.values()) (f.provisionedBy !== undefined ? provisioned : secrets).add(f.secretName);
    const out: Record<string, string> = {};
    if (secrets.size > 0) out[ANNOTATION_EXTERNAL_SECRETS] = [...secrets].sort().join(',');
    if (provisioned.size > 0) out[ANNOTATION_PROVISIONED_SECRETS] = [...provisioned].sort().join(',');
    if (configMaps.size > 0) out[ANNOTATION_EXTERNAL_CONFIGMAPS] = [...configMaps].sort().join(',');
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private defaultHealthCheck(): HealthCheck {
    switch (this.ports[0].protocol) {
      case AppProtocol.GRPC: return HealthCheck.grpc();
      case AppProtocol.TCP: return HealthCheck.tcp();
      default: return HealthCheck.http();
    }
  }

  private resolvePorts(props: MicroserviceProps): ResolvedPort[] {
    const primaryProtocol = props.protocol ?? AppProtocol.HTTP;
    const all: ResolvedPort[] = [
      { name: primaryProtocol, port: props.port ?? 8080, protocol: primaryProtocol },
      ...(props.additionalPorts ?? []).map((p) => {
        const protocol = p.protocol ?? AppProtocol.HTTP;
        return { name: p.name ?? protocol, port: p.port, protocol };
      }),
    ];
    const names = new Map<string, number>();
    const numbers = new Map<number, string>();
    for (const p of all) {
      validateInteger(this, `port ${show(p.name)}`, p.port, 1, 65535, 'use a port number from 1 to 65535 (1024 or above: the container runs without privileges)');
      validatePortName(this, p.name);
      if (names.has(p.name)) {
        fail(this, `port name ${show(p.name)} is used by ports ${names.get(p.name)} and ${p.port}`, 'give each port a distinct name (set MicroservicePort.name)');
      }
      if (numbers.has(p.port)) {
        fail(this, `port ${p.port} is declared twice (${show(numbers.get(p.port))} and ${show(p.name)})`, 'give each port a distinct number');
      }
      names.set(p.name, p.port);
      numbers.set(p.port, p.name);
    }
    return all;
  }

  private validateAutoscaling(a: AutoscalingOptions): Required<AutoscalingOptions> {
    validateInteger(this, 'autoscaling.minReplicas', a.minReplicas, 1, 1000, 'use at least 1 (2 or more for availability)');
    validateInteger(this, 'autoscaling.maxReplicas', a.maxReplicas, a.minReplicas, 1000, 'use a maximum at least as large as minReplicas');
    const target = a.targetCpuUtilizationPercent ?? 70;
    validateInteger(this, 'autoscaling.targetCpuUtilizationPercent', target, 1, 100, 'use a percentage from 1 to 100');
    return { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas, targetCpuUtilizationPercent: target };
  }
}
