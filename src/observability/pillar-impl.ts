import type { ObservabilityStack } from './observability-stack';
import type { LogSeverity } from './severity';
import type { EnvVariable, IWorkload } from '../architecture/binding';
import type { ScrapeTarget } from '../architecture/extension';
import type { IConsole } from '../architecture/routable';

/**
 * A workload the stack instruments by default (a Microservice): it gets the OTEL_* variables and
 * the edge to the collector (tracing), its log level and log format variables (logging), and is
 * scraped (metrics).
 */
export interface InstrumentationTarget {
  readonly workload: IWorkload;
  /** `service.name`. */
  readonly serviceName: string;
  /** Bounded context and owning team (resource attributes, labels). */
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
  /** The RFC 5424 severity the service logs at. */
  readonly logLevel: LogSeverity;
  /** Opt-outs: false means "do not instrument this pillar". */
  readonly tracing: boolean;
  readonly scraping: boolean;
  readonly logShipping: boolean;
  /** Adds variables to the workload's containers (collisions are synth errors). */
  addEnv(vars: EnvVariable[], source: string): void;
  /** Adds annotations to the workload's pod template. */
  addPodAnnotations(annotations: Record<string, string>): void;
}

export type { ScrapeTarget } from '../architecture/extension';

/** What a deployed pillar does with instrumentation targets. */
export interface DeployedPillar {
  /** The web consoles the pillar runs (exposable through a Gateway). */
  readonly consoles?: IConsole[];
  /** Instruments a microservice (called for services created before and after the stack). */
  instrument?(target: InstrumentationTarget): void;
  /** Scrapes a platform component (metrics pillar only). */
  scrape?(target: ScrapeTarget): void;
}

/** The contract of every pillar implementation. */
export interface PillarImpl {
  _deploy(stack: ObservabilityStack): DeployedPillar;
}

export function isPillarImpl(x: unknown): x is PillarImpl {
  return typeof (x as PillarImpl)._deploy === 'function';
}
