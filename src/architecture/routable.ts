import type { AppProtocol } from './app-protocol';
import type { IBindable, IWorkload } from './binding';

/** The Service port a gateway sends a route's traffic to, as the graph knows it. */
export interface RouteBackend {
  /** The pods behind the Service (NetworkPolicy peer and edge provider). */
  readonly workload: IWorkload;
  /** The Service's name (in the workload's namespace). */
  readonly serviceName: string;
  /** The Service port. */
  readonly port: number;
  /** The port's application protocol: gRPC backends get a GRPCRoute (or the engine's gRPC route), the rest HTTP. */
  readonly appProtocol: AppProtocol;
  /**
   * An HTTP path that answers 2xx while an instance is healthy (active health checks).
   * @default - none: TCP health checks
   */
  readonly healthCheckPath?: string;
}

/**
 * Something a Gateway can route to: a Microservice, another Gateway (access gateway in front of a
 * business gateway) or a platform console. The route is an edge of the architecture's graph.
 */
export interface IRoutable extends IBindable {
  /** The Service port routes reach. */
  readonly routeBackend: RouteBackend;
}

/**
 * A platform component's web console (Grafana, Kibana, a tracing UI, Alertmanager, Prometheus,
 * the Nacos console, the Apollo portal, the Consul UI, RabbitMQ management) that a Gateway can
 * expose with `gateway.expose(console, { host, ... })`.
 */
export interface IConsole extends IRoutable {
  /** Short name, e.g. "grafana". */
  readonly consoleName: string;
  /**
   * True when the console itself asks for a login (Grafana, Kibana with Elasticsearch security,
   * the Nacos console, the Apollo portal, RabbitMQ management, the Consul UI with ACLs); false
   * when anyone who reaches it can use it (Prometheus, Alertmanager, tracing UIs).
   */
  readonly hasOwnLogin: boolean;
}

/** Who authenticates the users of an exposed console: stated explicitly on every `expose()`. */
export enum ConsoleAuthentication {
  /** The gateway authenticates (the `auth` of the expose options, or the gateway's `auth`). */
  GATEWAY = 'gateway',
  /** The console's own login (only for consoles that have one). */
  CONSOLE_LOGIN = 'console-login',
}
