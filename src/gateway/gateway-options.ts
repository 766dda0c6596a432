import { Duration } from 'cdk8s';
import { GatewayAuth } from './gateway-auth';
import { HttpMethod } from '../architecture/http-method';
import { ConsoleAuthentication, IRoutable } from '../architecture/routable';

/** How a route's path matches. */
export enum PathMatch {
  /** The path and everything below it, segment-wise ("/api" matches "/api" and "/api/x", not "/apix"). */
  PREFIX = 'prefix',
  /** Exactly the path. */
  EXACT = 'exact',
}

/** TLS termination at the gateway. */
export interface GatewayTlsOptions {
  /**
   * A `kubernetes.io/tls` Secret (`tls.crt`, `tls.key`) in the gateway's namespace, managed outside
   * these manifests (e.g. by cert-manager); listed in the `cdk8s-architect.dev/external-secrets`
   * annotation.
   */
  readonly secretName: string;
  /**
   * Redirect plain HTTP to HTTPS (301).
   * @default true
   */
  readonly redirectHttp?: boolean;
}

/** Cross-origin resource sharing, answered by the gateway. */
export interface CorsOptions {
  /** Allowed origins, e.g. ["https://app.example.com"]. */
  readonly allowOrigins: string[];
  /**
   * Allowed methods.
   * @default [GET, POST, PUT, PATCH, DELETE, OPTIONS]
   */
  readonly allowMethods?: HttpMethod[];
  /**
   * Allowed request headers.
   * @default ["Authorization", "Content-Type"]
   */
  readonly allowHeaders?: string[];
  /**
   * How long browsers may cache the preflight answer.
   * @default Duration.minutes(10)
   */
  readonly maxAge?: Duration;
  /**
   * Allow credentials (cookies, Authorization).
   * @default false
   */
  readonly allowCredentials?: boolean;
}

/** Retries of failed upstream requests (connection failures and 502/503/504). */
export interface RouteRetryOptions {
  /** Retries after the first attempt (1-10). */
  readonly attempts: number;
  /**
   * Timeout of each attempt.
   * @default - the route's timeout
   */
  readonly perTryTimeout?: Duration;
}

/** Circuit breaking: stop sending to a failing backend for a while. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (5xx or connection errors) that open the circuit (eject the instance).
   * @default 5
   */
  readonly consecutiveErrors?: number;
  /**
   * How long the circuit stays open before the backend is tried again.
   * @default Duration.seconds(30)
   */
  readonly openDuration?: Duration;
  /**
   * Most concurrent connections to the backend (Envoy Gateway only).
   * @default - the engine's default
   */
  readonly maxConnections?: number;
  /**
   * Most requests waiting for a connection (Envoy Gateway only).
   * @default - the engine's default
   */
  readonly maxPendingRequests?: number;
}

/** Header rewriting. */
export interface HeaderRewrite {
  /**
   * Headers to set (replacing any value).
   * @default - none
   */
  readonly set?: { [name: string]: string };
  /**
   * Headers to remove.
   * @default - none
   */
  readonly remove?: string[];
}

/** The policies a route can have (also the defaults of `expose()`). */
export interface RoutePolicyOptions {
  /**
   * Authentication.
   * @default - the gateway's `auth`, or none
   */
  readonly auth?: GatewayAuth;
  /**
   * Requests per minute on this route (per gateway replica on engines that limit locally).
   * @default - no limit
   */
  readonly rateLimitPerMinute?: number;
  /**
   * Upstream response timeout.
   * @default - the engine's default
   */
  readonly timeout?: Duration;
  /**
   * Retries.
   * @default - no retries
   */
  readonly retries?: RouteRetryOptions;
  /**
   * Circuit breaking.
   * @default - none
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /**
   * Headers to rewrite on the request sent upstream.
   * @default - none
   */
  readonly requestHeaders?: HeaderRewrite;
  /**
   * Headers to rewrite on the response sent back.
   * @default - none
   */
  readonly responseHeaders?: HeaderRewrite;
  /**
   * Cache successful GET/HEAD responses at the gateway for this long (Kong's proxy-cache).
   * @default - no caching
   */
  readonly cacheTtl?: Duration;
}

/** One route: which requests, to which component, with which policies. */
export interface GatewayRouteOptions extends RoutePolicyOptions {
  /** The component requests go to (a Microservice, another Gateway, a console). */
  readonly to: IRoutable;
  /**
   * The request path: "/" or "/segment[/segment...]" of letters, digits and `-._~%`; no wildcards or
   * regular expressions (use `pathMatch`).
   * @default "/"
   */
  readonly path?: string;
  /**
   * How the path matches.
   * @default PathMatch.PREFIX
   */
  readonly pathMatch?: PathMatch;
  /**
   * The host name requests must carry.
   * @default - any host
   */
  readonly host?: string;
  /**
   * Request headers that must have exactly these values.
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * Methods the route accepts.
   * @default - every method
   */
  readonly methods?: HttpMethod[];
  /**
   * Strip the matched path prefix before forwarding ("/api/trips/1" reaches the service as "/1").
   * @default false
   */
  readonly stripPrefix?: boolean;
  /**
   * For gRPC backends: the fully qualified gRPC service this route carries, e.g. "trips.v1.Trips".
   * Setting it on a route to an HTTP backend is an error.
   * @default - every gRPC service of the backend
   */
  readonly grpcService?: string;
}

/** How a console is exposed. */
export interface ExposeOptions extends RoutePolicyOptions {
  /** The host name the console answers on, e.g. "grafana.ops.example.com". */
  readonly host: string;
  /**
   * Who authenticates the console's users; required, so that an exposed console is never open
   * by accident. GATEWAY needs `auth` (here or on the gateway); CONSOLE_LOGIN needs a console with
   * a login of its own.
   */
  readonly authentication: ConsoleAuthentication;
}
