import { Construct } from 'constructs';
import { ElasticsearchEndpoint, deployElasticsearch } from './elasticsearch';
import { Logging } from './logging';
import { DeployedPillar, InstrumentationTarget, isPillarImpl, ScrapeTarget } from './pillar-impl';
import { ILoggingPipeline, IMetricsBackend, ITracingBackend } from './pillars';
import type { LogSeverity } from './severity';
import { BackendArchitecture } from '../architecture/backend-architecture';
import type { IWorkload } from '../architecture/binding';
import type { IArchitectureExtension, WorkloadRegistration } from '../architecture/extension';
import type { IConsole } from '../architecture/routable';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { placePlatformComponent } from '../internal/platform';

const EXTENSION_KIND = 'observability stack';

/** Properties of an {@link ObservabilityStack}. */
export interface ObservabilityStackProps {
  /**
   * Tracing: an OpenTelemetry Collector and a backend, e.g. `Tracing.jaeger()`.
   * @default - no tracing
   */
  readonly tracing?: ITracingBackend;
  /**
   * Logging: a node agent shipping container logs to a store, e.g. `Logging.fluentBit({ store: LogStore.elasticsearch() })`.
   * @default - no log shipping
   */
  readonly logging?: ILoggingPipeline;
  /**
   * Metrics: e.g. `Metrics.prometheus({ grafana: true })` or `Metrics.zabbix()`.
   * @default - no metrics
   */
  readonly metrics?: IMetricsBackend;
  /**
   * The namespace of the stack's servers (the log agent gets `<namespace>-agents`, whose Pod
   * Security level allows reading the nodes' log files).
   * @default - the construct id
   */
  readonly namespace?: string;
}

/**
 * The seed's three pillars of observability — tracing, logging, metrics — with a choice per
 * pillar. Every Microservice of the architecture is instrumented by default (whether it was
 * created before or after the stack): traced through the OpenTelemetry Collector, its logs
 * shipped with its RFC 5424 level, and scraped; a Microservice prop opts out.
 */
export class ObservabilityStack extends Construct implements IArchitectureExtension {
  /** The observability stack of an architecture, if it has one. */
  public static of(architecture: BackendArchitecture): ObservabilityStack | undefined {
    const ext = architecture._extension(EXTENSION_KIND);
    return ext instanceof ObservabilityStack ? ext : undefined;
  }

  /** The extension kind (one observability stack per architecture). @internal */
  public readonly _extensionKind = EXTENSION_KIND;
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name. */
  public readonly componentName: string;
  /** The namespace of the stack's servers. */
  public readonly namespace: string;
  /** The kinds of the stack's pillars ("jaeger", "fluent-bit", "prometheus", ...), for the diagram and the lint. @internal */
  public readonly _pillarKinds: { readonly tracing?: string; readonly logging?: string; readonly metrics?: string };
  /**
   * The OpenTelemetry Collector the tracing pillar runs (services push OTLP to it).
   * @internal
   */
  public _collector?: IWorkload & { readonly host: string };
  private readonly pillars: DeployedPillar[] = [];
  /** The logging pipeline (its store options shape the shared Elasticsearch cluster). */
  private readonly loggingPipeline?: ILoggingPipeline;
  /** The shared Elasticsearch cluster, created by the first `_elasticsearch()` call. */
  private elasticsearchEndpoint?: ElasticsearchEndpoint;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps = {}) {
    super(scope, id);
    const placement = placePlatformComponent(this, id, props.namespace);
    this.architecture = placement.architecture;
    this.componentName = placement.componentName;
    this.namespace = placement.namespace;
    this.loggingPipeline = props.logging;
    this._pillarKinds = { tracing: props.tracing?.kind, logging: props.logging?.kind, metrics: props.metrics?.kind };
    if (!props.tracing && !props.logging && !props.metrics) {
      fail(this, 'the stack has no pillar', 'choose at least one of tracing, logging and metrics');
    }
    for (const [what, pillar] of [['tracing', props.tracing], ['logging', props.logging], ['metrics', props.metrics]] as const) {
      if (pillar === undefined) continue;
      if (!isPillarImpl(pillar)) {
        fail(this, `${what} ${show(pillar.kind)} is not one of the library's engines`, 'choose it with the factories (Tracing, Logging, Metrics)');
      }
      this.pillars.push(pillar._deploy(this));
    }
    this.architecture._addExtension(this);
  }

  /** Every Microservice is instrumented (whether created before or after the stack). @internal */
  public _workloadRegistered(registration: WorkloadRegistration): void {
    const t = registration.telemetry;
    if (!t) return;
    this._instrument({
      ...t,
      workload: registration.workload,
      logLevel: t.logLevel as LogSeverity,
      addEnv: (vars, source) => t.addEnv(vars, source),
      addPodAnnotations: (annotations) => registration.addPodAnnotations(annotations),
    });
  }

  /** Platform components exposing metrics are scraped. @internal */
  public _scrapeTargetRegistered(target: ScrapeTarget): void {
    this._scrape(target);
  }

  /**
   * The stack's shared Elasticsearch cluster (logs; Jaeger/Zipkin/SkyWalking production storage),
   * created on the first call with the logging pipeline's store options (if it stores in
   * Elasticsearch) or the defaults, whichever pillar asks first. @internal
   */
  public _elasticsearch(): ElasticsearchEndpoint {
    if (!this.elasticsearchEndpoint) {
      this.elasticsearchEndpoint = deployElasticsearch(this, Logging._elasticsearchOptions(this.loggingPipeline) ?? {});
    }
    return this.elasticsearchEndpoint;
  }

  /**
   * The stack's web consoles, exposable with `gateway.expose()`: Grafana, Prometheus,
   * Alertmanager, the tracing UI (Jaeger, Zipkin or SkyWalking) and Kibana, as deployed.
   */
  public get consoles(): IConsole[] {
    const all = this.pillars.flatMap((p) => p.consoles ?? []);
    const kibana = this.elasticsearchEndpoint?.kibana;
    // Kibana logs in against Elasticsearch, whose security is always on here
    if (kibana) all.push(new PlatformConsole('kibana', kibana, kibana.name, 5601, true, '/api/status'));
    return all;
  }

  /** Grafana, if the metrics pillar runs it. */
  public get grafana(): IConsole | undefined {
    return this.consoleNamed('grafana');
  }

  /** The Prometheus UI, if the metrics pillar is Prometheus (no login of its own). */
  public get prometheus(): IConsole | undefined {
    return this.consoleNamed('prometheus');
  }

  /** The Alertmanager UI, if the metrics pillar is Prometheus (no login of its own). */
  public get alertmanager(): IConsole | undefined {
    return this.consoleNamed('alertmanager');
  }

  /** Kibana, if the stack runs it (logs in against Elasticsearch). */
  public get kibana(): IConsole | undefined {
    return this.consoleNamed('kibana');
  }

  /** The tracing UI (Jaeger, Zipkin or SkyWalking), if the stack traces (no login of its own). */
  public get tracingUi(): IConsole | undefined {
    return this.consoles.find((c) => ['jaeger', 'zipkin', 'skywalking'].includes(c.consoleName));
  }

  private consoleNamed(name: string): IConsole | undefined {
    return this.consoles.find((c) => c.consoleName === name);
  }

  /** Instruments a microservice. @internal */
  public _instrument(target: InstrumentationTarget): void {
    for (const p of this.pillars) p.instrument?.(target);
  }

  /** Scrapes a platform component. @internal */
  public _scrape(target: ScrapeTarget): void {
    for (const p of this.pillars) p.scrape?.(target);
  }
}
