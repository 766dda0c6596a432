import type { Gateway } from './gateway';
import { GatewayAuth } from './gateway-auth';
import { IGatewayEngine } from './gateway-engine';
import { PathMatch } from './gateway-options';
import type { IWorkload } from '../architecture/binding';
import { HttpMethod } from '../architecture/http-method';
import { IConsole, IRoutable, RouteBackend } from '../architecture/routable';
import { fail } from '../internal/errors';

/** Header rewriting, sorted. */
export interface ResolvedHeaders {
  readonly set: Array<[string, string]>;
  readonly remove: string[];
}

/** CORS with defaults applied. */
export interface ResolvedCors {
  readonly allowOrigins: string[];
  readonly allowMethods: HttpMethod[];
  readonly allowHeaders: string[];
  readonly maxAgeSeconds: number;
  readonly allowCredentials: boolean;
}

/** A validated route, with the gateway's defaults applied. */
export interface ResolvedRoute {
  /** A DNS label unique within the gateway (object and config entity names). */
  readonly name: string;
  /** For error messages: `route "/api/trips" to microservice "trips" (...)`. */
  readonly description: string;
  readonly target: IRoutable;
  readonly backend: RouteBackend;
  readonly grpc: boolean;
  readonly grpcService?: string;
  readonly host?: string;
  readonly path: string;
  readonly pathMatch: PathMatch;
  readonly headers: Array<[string, string]>;
  readonly methods: HttpMethod[];
  readonly stripPrefix: boolean;
  /** The effective authentication (undefined: none). */
  readonly auth?: GatewayAuth;
  readonly rateLimitPerMinute?: number;
  readonly timeoutMillis?: number;
  readonly retries?: { readonly attempts: number; readonly perTryTimeoutMillis?: number };
  readonly circuitBreaker?: {
    readonly consecutiveErrors: number;
    readonly openSeconds: number;
    readonly maxConnections?: number;
    readonly maxPendingRequests?: number;
  };
  readonly requestHeaders?: ResolvedHeaders;
  readonly responseHeaders?: ResolvedHeaders;
  readonly cacheTtlSeconds?: number;
  /** Set when the route exposes a console. */
  readonly console?: IConsole;
}

/** The gateway-wide (access gateway) settings, validated. */
export interface ResolvedGatewaySettings {
  readonly tls?: { readonly secretName: string; readonly redirectHttp: boolean };
  readonly ipAllowList: string[];
  readonly ipDenyList: string[];
  readonly rateLimitPerMinute?: number;
  readonly maxRequestBodyKibibytes?: number;
  readonly requestTimeoutSeconds?: number;
  readonly cors?: ResolvedCors;
  readonly auth?: GatewayAuth;
}

/** What an engine deployed. */
export interface DeployedGateway {
  /** The pods that call the routed backends (the consumer of every route's edge). */
  readonly workload: IWorkload;
  /** The Service other gateways route to, when this gateway can sit behind another. */
  readonly backend?: RouteBackend;
  /**
   * Validates a route against what the engine can express (failing with the option's name) and
   * renders it.
   */
  addRoute(route: ResolvedRoute): void;
}

/** The contract of every engine implementation. */
export interface GatewayEngineImpl extends IGatewayEngine {
  _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway;
}

export function isGatewayEngineImpl(x: IGatewayEngine): x is GatewayEngineImpl {
  return typeof (x as GatewayEngineImpl)._deploy === 'function';
}

/** The standard error for an option an engine cannot express. */
export function unsupported(gateway: Gateway, engine: string, option: string, why: string, fix: string): never {
  return fail(gateway, `${option} cannot be expressed by the ${engine} engine (${why})`, fix);
}
