import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { DeployedGateway, isGatewayEngineImpl, ResolvedCors, ResolvedGatewaySettings, ResolvedHeaders, ResolvedRoute } from './engine-impl';
import { GatewayAuth, GatewayAuthKind } from './gateway-auth';
import { GatewayEngine, GatewayKind, IGatewayEngine } from './gateway-engine';
import { CorsOptions, ExposeOptions, GatewayRouteOptions, GatewayTlsOptions, HeaderRewrite, PathMatch } from './gateway-options';
import { AppProtocol } from '../architecture/app-protocol';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, EnvValue, IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { HttpMethod } from '../architecture/http-method';
import { ConsoleAuthentication, IConsole, IRoutable, RouteBackend } from '../architecture/routable';
import { fail, show } from '../internal/errors';
import { compareStrings, envPrefix, validateDnsLabel, validateInteger } from '../internal/names';
import { placePlatformComponent } from '../internal/platform';

/** Properties of a {@link Gateway}. */
export interface GatewayProps {
  /**
   * The gateway software.
   * @default GatewayEngine.gatewayApi() (Kubernetes Gateway API with Envoy Gateway)
   */
  readonly engine?: IGatewayEngine;
  /**
   * The namespace of the gateway's objects (and, for the deployed engines, its pods).
   * @default - the construct id
   */
  readonly namespace?: string;
  /**
   * TLS termination with a certificate from a Secret you manage.
   * @default - plain HTTP only (a business gateway behind an access gateway)
   */
  readonly tls?: GatewayTlsOptions;
  /**
   * Client address ranges (CIDR) allowed to call; everything else is refused.
   * @default - every client
   */
  readonly ipAllowList?: string[];
  /**
   * Client address ranges (CIDR) refused.
   * @default - none
   */
  readonly ipDenyList?: string[];
  /**
   * Requests per minute on each route that sets no limit of its own (per gateway replica on
   * engines that limit locally).
   * @default - no limit
   */
  readonly rateLimitPerMinute?: number;
  /**
   * Largest request body accepted, in KiB (413 beyond).
   * @default - the engine's default
   */
  readonly maxRequestBodyKibibytes?: number;
  /**
   * How long a client may take to send its whole request.
   * @default - the engine's default
   */
  readonly requestTimeout?: Duration;
  /**
   * CORS answered by the gateway for every route.
   * @default - no CORS handling
   */
  readonly cors?: CorsOptions;
  /**
   * Authentication of every route that sets none of its own (`GatewayAuth.none()` opts a route out).
   * @default - none
   */
  readonly auth?: GatewayAuth;
  /**
   * Routes (more can be added with `route()` and `expose()`).
   * @default - none
   */
  readonly routes?: GatewayRouteOptions[];
}

const DEFAULT_CORS_METHODS = [HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS];
const PATH = /^\/$|^(\/[A-Za-z0-9\-._~%]+)+$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const GRPC_SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const CIDR6 = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

/**
 * The way into the architecture: an access gateway (listeners, TLS, HTTP→HTTPS redirect, IP
 * lists, global rate limit, request size and timeouts, CORS) and/or a business gateway / BFF
 * (routes by host, path, header and method to Microservices with authentication, per-route and
 * per-consumer rate limits, timeouts, retries, circuit breaking and header rewriting), chained
 * when one routes to the other. Routes point at constructs: the Service, port, protocol
 * (HTTP or gRPC), the NetworkPolicy pair and the graph edge come from the target. Platform
 * consoles are exposed the same way with `expose()`, never without authentication.
 *
 * Every typed option is translated by the engine into its own configuration; an option the
 * engine cannot express is a synth error naming it.
 */
export class Gateway extends Construct implements IRoutable {
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name. */
  public readonly componentName: string;
  /** The namespace of the gateway's objects. */
  public readonly namespace: string;
  /** The engine. */
  public readonly engine: IGatewayEngine;
  private readonly settings: ResolvedGatewaySettings;
  private readonly deployed: DeployedGateway;
  /** Every route: its target and whether a request must authenticate (for the diagram and the lint). @internal */
  public readonly _routeList: Array<{ readonly target: IWorkload; readonly authenticated: boolean; readonly description: string }> = [];
  private readonly routeKeys = new Map<string, string>();
  private readonly routeNames = new Set<string>();
  private readonly edgeKeys = new Set<string>();
  private readonly validatedAuth = new Set<GatewayAuth>();

  constructor(scope: Construct, id: string, props: GatewayProps = {}) {
    super(scope, id);
    const placement = placePlatformComponent(this, id, props.namespace);
    this.architecture = placement.architecture;
    this.componentName = placement.componentName;
    this.namespace = placement.namespace;
    this.engine = props.engine ?? GatewayEngine.gatewayApi();
    if (!isGatewayEngineImpl(this.engine)) {
      fail(this, `engine ${show(this.engine.kind)} is not one of the library's engines`, 'choose it with a GatewayEngine factory, e.g. GatewayEngine.gatewayApi()');
    }
    this.settings = this.resolveSettings(props);
    this.deployed = this.engine._deploy(this, this.settings);
    for (const r of props.routes ?? []) this.route(r);
  }

  /** The pods that call the routed backends (for the Gateway API engine: the controller's data plane). */
  public get workload(): IWorkload {
    return this.deployed.workload;
  }

  /** Human description used in errors. */
  public get bindingDescription(): string {
    return `${this.engine.kind} gateway ${show(this.componentName)} (${this.node.path})`;
  }

  /** The gateway's own Service, for an access gateway routing to this one. */
  public get routeBackend(): RouteBackend {
    if (!this.deployed.backend) {
      fail(this, `the ${this.engine.kind} gateway has no Service of its own that another gateway could route to`,
        'route the access gateway straight to the services, or use a deployed engine (Kong, APISIX, Spring Cloud Gateway, gRPC-Gateway) as the business gateway');
    }
    return this.deployed.backend;
  }

  /** `<NAME>_URL` of the gateway's Service, and the edge to its port (a service calling through the gateway). */
  public bind(consumer: IWorkload): Binding {
    void consumer; // every consumer gets the same binding (named as in IBindable for the binding languages)
    const b = this.routeBackend;
    const url = `http://${this.architecture.serviceHost(b.serviceName, b.workload.namespace)}:${b.port}`;
    return {
      env: [{ name: `${envPrefix(this.componentName)}_URL`, value: EnvValue.fromValue(url) }],
      endpoints: [{ workload: b.workload, ports: [{ port: b.port, protocol: Protocol.TCP }] }],
    };
  }

  /**
   * Routes matching requests to a component. The target's Service port and protocol decide the
   * route kind (gRPC or HTTP); the gateway pods may reach exactly that port, and the route is an
   * edge of the architecture's graph.
   */
  public route(options: GatewayRouteOptions): void {
    this.addRoute(options);
  }

  /**
   * Exposes a platform console on its own host. `authentication` states who logs users in:
   * the gateway (needs `auth`) or the console itself (needs a console with a login).
   */
  public expose(console: IConsole, options: ExposeOptions): void {
    const what = `console ${show(console.consoleName)}`;
    if (options.authentication === undefined) {
      fail(this, `${what} is exposed without stating its authentication`,
        'set authentication: ConsoleAuthentication.GATEWAY (with auth) or ConsoleAuthentication.CONSOLE_LOGIN (consoles with their own login)');
    }
    if (!Object.values(ConsoleAuthentication).includes(options.authentication)) {
      fail(this, `${what}: authentication ${show(options.authentication)} is unknown`, 'use ConsoleAuthentication.GATEWAY or ConsoleAuthentication.CONSOLE_LOGIN');
    }
    const auth = this.effectiveAuth(options.auth);
    if (options.authentication === ConsoleAuthentication.GATEWAY && !auth) {
      fail(this, `${what} is exposed with ConsoleAuthentication.GATEWAY but neither the expose options nor the gateway set an auth`,
        'give it auth (e.g. GatewayAuth.jwt({ issuer, jwksUri })), or use ConsoleAuthentication.CONSOLE_LOGIN for a console with its own login');
    }
    if (options.authentication === ConsoleAuthentication.CONSOLE_LOGIN && !console.hasOwnLogin) {
      fail(this, `${what} has no login of its own, so ConsoleAuthentication.CONSOLE_LOGIN would expose it to anyone`,
        'use ConsoleAuthentication.GATEWAY with auth (e.g. GatewayAuth.jwt({ issuer, jwksUri }))');
    }
    this.addRoute({ ...options, to: console, path: '/', pathMatch: PathMatch.PREFIX }, console);
  }

  private addRoute(o: GatewayRouteOptions, console?: IConsole): void {
    const target = o.to;
    if (target === undefined || target === null) fail(this, 'a route has no target', 'set `to` to a Microservice, Gateway or console');
    if ((target as unknown) === this) fail(this, 'a route targets the gateway itself', 'route to a Microservice, another Gateway or a console');
    if (target.architecture !== this.architecture) {
      fail(this, `route to ${target.bindingDescription}: it belongs to the architecture ${show(target.architecture.node.path)}, not ${show(this.architecture.node.path)}`,
        'route only to components of the gateway\'s own BackendArchitecture (give the other architecture its own Gateway)');
    }
    const backend = target.routeBackend;
    if (backend.workload.architecture !== this.architecture) {
      fail(this, `route to ${target.bindingDescription} leads to ${show(backend.workload.node.path)} in another architecture`, 'route only to components of the same BackendArchitecture');
    }
    const grpc = backend.appProtocol === AppProtocol.GRPC;
    if (backend.appProtocol === AppProtocol.TCP) {
      fail(this, `route to ${target.bindingDescription}: its port ${backend.port} speaks opaque TCP`, 'route only to HTTP or gRPC ports');
    }
    const path = o.path ?? '/';
    if (typeof path !== 'string' || !PATH.test(path)) {
      fail(this, `route path ${show(path)} is not a path this library understands`,
        'use "/" or "/segment[/segment...]" (letters, digits, "-._~%"; no trailing slash, wildcards or regular expressions) and pathMatch for exact matches');
    }
    const pathMatch = o.pathMatch ?? PathMatch.PREFIX;
    if (!Object.values(PathMatch).includes(pathMatch)) fail(this, `pathMatch ${show(pathMatch)} is unknown`, 'use PathMatch.PREFIX or PathMatch.EXACT');
    if (o.host !== undefined && (!HOST.test(o.host) || o.host.length > 253)) {
      fail(this, `route host ${show(o.host)} is not a DNS name`, 'use a lower-case host name such as "api.example.com" (or "*.example.com")');
    }
    const routeDesc = `route ${show(path)}${o.host ? ` on ${show(o.host)}` : ''} to ${target.bindingDescription}`;
    if (o.grpcService !== undefined) {
      if (!grpc) {
        fail(this, `${routeDesc} sets grpcService ${show(o.grpcService)}, but port ${backend.port} of the target speaks ${show(backend.appProtocol)}, not gRPC`,
          'remove grpcService for an HTTP service, or give the Microservice a gRPC port (protocol: AppProtocol.GRPC)');
      }
      if (!GRPC_SERVICE.test(o.grpcService)) fail(this, `${routeDesc}: grpcService ${show(o.grpcService)} is not a fully qualified gRPC service name`, 'use e.g. "trips.v1.Trips"');
    }
    if (grpc) {
      if (path !== '/') {
        fail(this, `${routeDesc}: the target speaks gRPC, whose requests are matched by service, not by path`, 'remove path (or set it to "/") and narrow the route with grpcService');
      }
      if (o.stripPrefix) fail(this, `${routeDesc}: stripPrefix does not apply to gRPC routes`, 'remove stripPrefix');
      if (o.methods && o.methods.length > 0) fail(this, `${routeDesc}: HTTP methods do not apply to gRPC routes (every gRPC call is a POST)`, 'remove methods');
    }
    if (o.stripPrefix && pathMatch !== PathMatch.PREFIX) fail(this, `${routeDesc}: stripPrefix needs PathMatch.PREFIX`, 'remove stripPrefix or match by prefix');
    const headers = Object.entries(o.headers ?? {}).sort(([a], [b]) => compareStrings(a, b));
    for (const [name, value] of headers) {
      if (!HEADER_NAME.test(name)) fail(this, `${routeDesc}: header name ${show(name)} is not a valid HTTP header name`, 'use a token such as "x-api-version"');
      if (typeof value !== 'string' || /[\r\n]/.test(value)) fail(this, `${routeDesc}: header ${name} value ${show(value)} is not a single-line string`, 'use a plain value');
    }
    const methods = [...new Set(o.methods ?? [])].sort();
    for (const m of methods) {
      if (!Object.values(HttpMethod).includes(m)) fail(this, `${routeDesc}: method ${show(m)} is unknown`, 'use HttpMethod values');
    }
    // a gRPC-Gateway proxy does not match requests: its "routes" wire upstreams, one per service
    const wiring = this.engine.kind === GatewayKind.GRPC_GATEWAY ? `${backend.workload.node.path}:${backend.port}` : '';
    const key = [o.host ?? '*', pathMatch, path, o.grpcService ?? '', JSON.stringify(headers), methods.join(','), wiring].join(' ');
    const previous = this.routeKeys.get(key);
    if (previous !== undefined) {
      fail(this, `${routeDesc} matches exactly the requests of the earlier ${previous}`,
        'give one of them a different host or path (or distinguish them by headers or methods)');
    }

    const auth = this.effectiveAuth(o.auth);
    const rateLimit = o.rateLimitPerMinute ?? this.settings.rateLimitPerMinute;
    if (rateLimit !== undefined) validateInteger(this, `${routeDesc}: rateLimitPerMinute`, rateLimit, 1, 1_000_000_000, 'use a whole number of requests per minute');
    const timeoutMillis = o.timeout !== undefined ? this.millis(`${routeDesc}: timeout`, o.timeout) : undefined;
    const retries = o.retries ? {
      attempts: validateInteger(this, `${routeDesc}: retries.attempts`, o.retries.attempts, 1, 10, 'use 1 to 10 retries'),
      perTryTimeoutMillis: o.retries.perTryTimeout !== undefined ? this.millis(`${routeDesc}: retries.perTryTimeout`, o.retries.perTryTimeout) : undefined,
    } : undefined;
    const cb = o.circuitBreaker;
    const circuitBreaker = cb ? {
      consecutiveErrors: validateInteger(this, `${routeDesc}: circuitBreaker.consecutiveErrors`, cb.consecutiveErrors ?? 5, 1, 1000, 'use 1 to 1000 failures'),
      openSeconds: this.seconds(`${routeDesc}: circuitBreaker.openDuration`, cb.openDuration ?? Duration.seconds(30), 1, 3600),
      maxConnections: cb.maxConnections !== undefined ? validateInteger(this, `${routeDesc}: circuitBreaker.maxConnections`, cb.maxConnections, 1, 1_000_000, 'use a positive whole number') : undefined,
      maxPendingRequests: cb.maxPendingRequests !== undefined
        ? validateInteger(this, `${routeDesc}: circuitBreaker.maxPendingRequests`, cb.maxPendingRequests, 1, 1_000_000, 'use a positive whole number') : undefined,
    } : undefined;
    const cacheTtlSeconds = o.cacheTtl !== undefined ? this.seconds(`${routeDesc}: cacheTtl`, o.cacheTtl, 1, 86400) : undefined;
    if (cacheTtlSeconds !== undefined && grpc) fail(this, `${routeDesc}: cacheTtl does not apply to gRPC`, 'remove cacheTtl');

    const base = console ? `console-${console.consoleName}` : backend.serviceName;
    let name = base;
    for (let i = 2; this.routeNames.has(name); i++) name = `${base}-${i}`;
    validateDnsLabel(this, 'route name', name);

    const route: ResolvedRoute = {
      name,
      description: routeDesc,
      target,
      backend,
      grpc,
      grpcService: o.grpcService,
      host: o.host,
      path,
      pathMatch,
      headers,
      methods,
      stripPrefix: o.stripPrefix ?? false,
      auth,
      rateLimitPerMinute: rateLimit,
      timeoutMillis,
      retries,
      circuitBreaker,
      requestHeaders: this.headerRewrite(`${routeDesc}: requestHeaders`, o.requestHeaders),
      responseHeaders: this.headerRewrite(`${routeDesc}: responseHeaders`, o.responseHeaders),
      cacheTtlSeconds,
      console,
    };
    this.deployed.addRoute(route);
    this._routeList.push({ target: backend.workload, authenticated: auth !== undefined, description: routeDesc });
    this.routeKeys.set(key, routeDesc);
    this.routeNames.add(name);

    const consumer = this.deployed.workload;
    const ports: NetworkPort[] = [{ port: backend.port, protocol: Protocol.TCP }];
    const edgeKey = `${backend.workload.node.path}|${backend.port}`;
    if (!this.edgeKeys.has(edgeKey)) {
      this.edgeKeys.add(edgeKey);
      consumer.allowEgressTo(backend.workload, ports);
      backend.workload.allowIngressFrom(consumer, ports);
      this.architecture._recordEdge({ consumer, provider: backend.workload, ports, via: target });
    }
  }

  private effectiveAuth(auth: GatewayAuth | undefined): GatewayAuth | undefined {
    const a = auth ?? this.settings?.auth;
    if (a) this.validateAuth(a);
    return a && a.kind !== GatewayAuthKind.NONE ? a : undefined;
  }

  private validateAuth(a: GatewayAuth): void {
    if (this.validatedAuth.has(a)) return;
    this.validatedAuth.add(a);
    const jwt = a.jwtOptions;
    if (jwt) {
      if (typeof jwt.issuer !== 'string' || jwt.issuer.trim() === '' || /\s/.test(jwt.issuer)) {
        fail(this, `JWT issuer ${show(jwt.issuer)} is empty or has spaces`, 'use the issuer URL your identity provider puts in "iss"');
      }
      if (jwt.jwksUri !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(jwt.jwksUri)) {
        fail(this, `JWT jwksUri ${show(jwt.jwksUri)} is not an https URL`, 'use the provider\'s https JWKS endpoint, e.g. "https://id.example.com/.well-known/jwks.json"');
      }
      if (jwt.publicKeyPem !== undefined && !/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/.test(jwt.publicKeyPem)) {
        fail(this, 'JWT publicKeyPem is not a PEM public key', 'give the "-----BEGIN PUBLIC KEY-----" block of the issuer\'s RS256 key');
      }
      if (!jwt.jwksUri && !jwt.publicKeyPem) fail(this, `JWT issuer ${show(jwt.issuer)} has neither jwksUri nor publicKeyPem`, 'set the one your engine reads (jwksUri: Gateway API; publicKeyPem: Kong, APISIX)');
    }
    const keys = a.apiKeyOptions;
    if (keys) {
      if (keys.consumers.length === 0) fail(this, 'GatewayAuth.apiKey has no consumers', 'list at least one consumer with its key Secret');
      const names = new Set<string>();
      for (const c of keys.consumers) {
        validateDnsLabel(this, 'API key consumer name', c.name);
        if (names.has(c.name)) fail(this, `API key consumer ${show(c.name)} is listed twice`, 'list each consumer once');
        names.add(c.name);
        validateDnsLabel(this, `API key consumer ${c.name}: key.secretName`, c.key.secretName);
        if (c.rateLimitPerMinute !== undefined) validateInteger(this, `API key consumer ${c.name}: rateLimitPerMinute`, c.rateLimitPerMinute, 1, 1_000_000_000, 'use a whole number of requests per minute');
      }
      if (keys.headerName !== undefined && !HEADER_NAME.test(keys.headerName)) fail(this, `API key headerName ${show(keys.headerName)} is not a header name`, 'use e.g. "apikey" or "x-api-key"');
    }
  }

  private millis(what: string, d: Duration): number {
    return validateInteger(this, `${what} (milliseconds)`, d.toMilliseconds(), 1, 3_600_000, 'use whole milliseconds up to an hour');
  }

  private seconds(what: string, d: Duration, min: number, max: number): number {
    const ms = d.toMilliseconds();
    if (ms % 1000 !== 0) fail(this, `${what} ${show(`${ms}ms`)} is not a whole number of seconds`, 'use whole seconds');
    return validateInteger(this, `${what} (seconds)`, ms / 1000, min, max, `use ${min} to ${max} seconds`);
  }

  private headerRewrite(what: string, h: HeaderRewrite | undefined): ResolvedHeaders | undefined {
    if (!h) return undefined;
    const set = Object.entries(h.set ?? {}).sort(([a], [b]) => compareStrings(a, b));
    const remove = [...new Set(h.remove ?? [])].sort();
    for (const [name, value] of set) {
      if (!HEADER_NAME.test(name)) fail(this, `${what}: header name ${show(name)} is not a valid HTTP header name`, 'use a token such as "x-request-source"');
      if (typeof value !== 'string' || /[\r\n]/.test(value)) fail(this, `${what}: header ${name} value ${show(value)} is not a single-line string`, 'use a plain value');
    }
    for (const name of remove) {
      if (!HEADER_NAME.test(name)) fail(this, `${what}: header name ${show(name)} is not a valid HTTP header name`, 'use a token such as "x-internal"');
      if (set.some(([n]) => n.toLowerCase() === name.toLowerCase())) fail(this, `${what}: header ${show(name)} is both set and removed`, 'either set it or remove it');
    }
    if (set.length === 0 && remove.length === 0) return undefined;
    return { set, remove };
  }

  private resolveSettings(p: GatewayProps): ResolvedGatewaySettings {
    const cidrs = (what: string, list: string[] | undefined) => {
      for (const c of list ?? []) {
        const m = CIDR4.exec(c);
        const ok4 = m && m.slice(1, 5).every((x) => Number(x) <= 255) && Number(m[5]) <= 32;
        const m6 = CIDR6.exec(c);
        const ok6 = m6 && c.includes(':') && Number(m6[1]) <= 128;
        if (!ok4 && !ok6) fail(this, `${what} entry ${show(c)} is not a CIDR`, 'use address ranges such as "203.0.113.0/24" or "2001:db8::/32"');
      }
      return [...new Set(list ?? [])].sort();
    };
    const tls = p.tls ? { secretName: validateDnsLabel(this, 'tls.secretName', p.tls.secretName), redirectHttp: p.tls.redirectHttp ?? true } : undefined;
    const rate = p.rateLimitPerMinute !== undefined
      ? validateInteger(this, 'rateLimitPerMinute', p.rateLimitPerMinute, 1, 1_000_000_000, 'use a whole number of requests per minute') : undefined;
    const body = p.maxRequestBodyKibibytes !== undefined
      ? validateInteger(this, 'maxRequestBodyKibibytes', p.maxRequestBodyKibibytes, 1, 10 * 1024 * 1024, 'use 1 KiB to 10 GiB') : undefined;
    const timeout = p.requestTimeout !== undefined ? this.seconds('requestTimeout', p.requestTimeout, 1, 3600) : undefined;
    let cors: ResolvedCors | undefined;
    if (p.cors) {
      if (p.cors.allowOrigins.length === 0) fail(this, 'cors.allowOrigins is empty', 'list the origins, e.g. ["https://app.example.com"]');
      for (const origin of p.cors.allowOrigins) {
        if (origin !== '*' && !/^https?:\/\/[a-z0-9*]([-a-z0-9.*]*[a-z0-9])?(:\d+)?$/.test(origin)) {
          fail(this, `cors origin ${show(origin)} is not an origin`, 'use "scheme://host[:port]", e.g. "https://app.example.com"');
        }
      }
      cors = {
        allowOrigins: [...p.cors.allowOrigins].sort(),
        allowMethods: [...new Set(p.cors.allowMethods ?? DEFAULT_CORS_METHODS)].sort(),
        allowHeaders: [...new Set(p.cors.allowHeaders ?? ['Authorization', 'Content-Type'])].sort(),
        maxAgeSeconds: this.seconds('cors.maxAge', p.cors.maxAge ?? Duration.minutes(10), 1, 86400),
        allowCredentials: p.cors.allowCredentials ?? false,
      };
      if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
        fail(this, 'cors allows credentials from the origin "*"', 'list the origins explicitly when allowCredentials is true');
      }
    }
    return {
      tls,
      ipAllowList: cidrs('ipAllowList', p.ipAllowList),
      ipDenyList: cidrs('ipDenyList', p.ipDenyList),
      rateLimitPerMinute: rate,
      maxRequestBodyKibibytes: body,
      requestTimeoutSeconds: timeout,
      cors,
      auth: p.auth,
    };
  }
}
