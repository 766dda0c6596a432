import * as kplus from 'cdk8s-plus-28';
import { DeployedGateway, GatewayEngineImpl, ResolvedGatewaySettings, ResolvedHeaders, ResolvedRoute, unsupported } from './engine-impl';
import type { Gateway } from './gateway';
import { GatewayAuthKind } from './gateway-auth';
import { GatewayKind } from './gateway-engine';
import { PathMatch } from './gateway-options';
import { KongOptions } from './kong-options';
import { deployProxy, proxySettings } from './proxy-workload';
import { AppProtocol } from '../architecture/app-protocol';
import { stringifyYaml } from '../internal/component-chart';
import { lazy } from '../internal/lazy';
import { compareStrings, objectName, validateImage } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';

const k8s = kplus.k8s;
export const KONG_DEFAULT_IMAGE = 'kong:3.9.3';
const PROXY_PORT = 8000;
const PROXY_TLS_PORT = 8443;
const STATUS_PORT = 8100;
/** The image's `kong` user (the official chart runs it as 1000). */
const UID = 1000;
const CONFIG_DIR = '/kong_dbless';
const TLS_DIR = '/etc/kong/tls';
const ENGINE = 'Kong';

/** Kong `request-transformer` / `response-transformer` config: "set" is replace (if present) + add (if absent). */
function transformer(h: ResolvedHeaders): Record<string, unknown> {
  const pairs = h.set.map(([n, v]) => `${n}:${v}`);
  return {
    ...(h.remove.length > 0 ? { remove: { headers: h.remove } } : {}),
    ...(pairs.length > 0 ? { replace: { headers: [...pairs] }, add: { headers: [...pairs] } } : {}),
  };
}

/** Kong Gateway OSS in DB-less mode: one declarative kong.yml, admin API off. */
export class KongGatewayEngine implements GatewayEngineImpl {
  public readonly kind = GatewayKind.KONG;

  constructor(private readonly options: KongOptions) {}

  public _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway {
    const o = this.options;
    const arch = gateway.architecture;
    const image = o.image ?? KONG_DEFAULT_IMAGE;
    validateImage(gateway, image);
    const proxy = proxySettings(gateway, o);
    const name = gateway.componentName;
    const tls = settings.tls;
    const chart = deployPlatformComponent(gateway, gateway);
    const configMap = objectName(gateway, name, 'config');

    const services: any[] = [];
    const upstreams: any[] = [];
    const consumers = new Map<string, any>();
    const globalPlugins: any[] = [];
    if (settings.ipAllowList.length > 0 || settings.ipDenyList.length > 0) {
      globalPlugins.push({
        name: 'ip-restriction',
        config: {
          ...(settings.ipAllowList.length > 0 ? { allow: settings.ipAllowList } : {}),
          ...(settings.ipDenyList.length > 0 ? { deny: settings.ipDenyList } : {}),
        },
      });
    }
    if (settings.cors) {
      const c = settings.cors;
      globalPlugins.push({
        name: 'cors',
        config: {
          origins: c.allowOrigins,
          methods: c.allowMethods,
          headers: c.allowHeaders,
          max_age: c.maxAgeSeconds,
          credentials: c.allowCredentials,
        },
      });
    }
    if (settings.maxRequestBodyKibibytes !== undefined) {
      globalPlugins.push({ name: 'request-size-limiting', config: { allowed_payload_size: settings.maxRequestBodyKibibytes, size_unit: 'kilobytes' } });
    }
    const render = () => stringifyYaml({
      _format_version: '3.0',
      services,
      ...(upstreams.length > 0 ? { upstreams } : {}),
      ...(consumers.size > 0 ? { consumers: [...consumers.keys()].sort().map((k) => consumers.get(k)) } : {}),
      ...(globalPlugins.length > 0 ? { plugins: globalPlugins } : {}),
    });

    const ports = [
      { name: 'http', port: PROXY_PORT, appProtocol: AppProtocol.HTTP },
      ...(tls ? [{ name: 'https', port: PROXY_TLS_PORT, appProtocol: 'https' }] : []),
      { name: 'status', port: STATUS_PORT, appProtocol: AppProtocol.HTTP },
    ];
    const writable = writableVolumes(gateway, ['/kong_prefix', '/tmp']);
    const env: Array<[string, string]> = [
      ['KONG_DATABASE', 'off'],
      ['KONG_DECLARATIVE_CONFIG', `${CONFIG_DIR}/kong.yml`],
      ['KONG_PROXY_LISTEN', `0.0.0.0:${PROXY_PORT}${tls ? `, 0.0.0.0:${PROXY_TLS_PORT} http2 ssl` : ''}`],
      // the Admin API is not exposed: DB-less configuration comes from the file only
      ['KONG_ADMIN_LISTEN', 'off'],
      ['KONG_STATUS_LISTEN', `0.0.0.0:${STATUS_PORT}`],
      ['KONG_PREFIX', '/kong_prefix/'],
      ['KONG_NGINX_DAEMON', 'off'],
      ['KONG_ROUTER_FLAVOR', 'traditional_compatible'],
      ['KONG_PROXY_ACCESS_LOG', '/dev/stdout'],
      ['KONG_PROXY_ERROR_LOG', '/dev/stderr'],
      ['KONG_ANONYMOUS_REPORTS', 'off'],
      ...(tls ? [['KONG_SSL_CERT', `${TLS_DIR}/tls.crt`], ['KONG_SSL_CERT_KEY', `${TLS_DIR}/tls.key`]] as Array<[string, string]> : []),
      ...(settings.requestTimeoutSeconds !== undefined
        ? [['KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT', `${settings.requestTimeoutSeconds}s`], ['KONG_NGINX_HTTP_CLIENT_BODY_TIMEOUT', `${settings.requestTimeoutSeconds}s`]] as Array<[string, string]>
        : []),
    ];
    env.sort(([a], [b]) => compareStrings(a, b));
    const status = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(STATUS_PORT) } });
    const workload = deployProxy(gateway, {
      chart,
      settings: proxy,
      component: 'kong',
      uid: UID,
      ports,
      publicPorts: [[80, 'http'], ...(tls ? [[443, 'https']] as Array<[number, string]> : [])],
      volumes: [
        { name: 'config', configMap: { name: configMap } },
        ...(tls ? [{ name: 'tls', secret: { secretName: tls.secretName, defaultMode: 0o440 } }] : []),
        ...writable.volumes,
      ],
      externalSecrets: () => (tls ? [tls.secretName] : []),
      configHash: render,
      containers: (w) => [secureContainer({
        name: 'kong',
        image,
        ports: w.containerPorts,
        env: env.map(([n, value]) => ({ name: n, value })),
        resources: proxy.resources,
        startupProbe: { ...status('/status'), periodSeconds: 2, failureThreshold: 60 },
        readinessProbe: { ...status('/status/ready'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...status('/status'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        volumeMounts: [
          { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
          ...(tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
          ...writable.mounts,
        ],
      })],
    });
    new k8s.KubeConfigMap(chart, 'config', {
      metadata: { name: configMap, namespace: gateway.namespace, labels: workload.labels },
      data: lazy(() => ({ 'kong.yml': render() })),
    });

    return {
      workload,
      backend: { workload, serviceName: name, port: PROXY_PORT, appProtocol: AppProtocol.HTTP, healthCheckPath: undefined },
      addRoute: (r: ResolvedRoute) => {
        const where = r.description;
        const jwt = r.auth?.kind === GatewayAuthKind.JWT ? r.auth.jwtOptions! : undefined;
        if (r.backend.appProtocol === AppProtocol.HTTP2) {
          unsupported(gateway, ENGINE, `${where}: an h2c (AppProtocol.HTTP2) backend`, 'Kong OSS speaks HTTP/1.1 to HTTP upstreams (HTTP/2 only for gRPC)',
            'route it from the Gateway API engine, or give the service an HTTP/1.1 port');
        }
        if (r.auth?.kind === GatewayAuthKind.API_KEY) {
          unsupported(gateway, ENGINE, `${where}: auth GatewayAuth.apiKey`,
            'Kong OSS reads consumer keys only as literal values of kong.yml (keyauth_credentials.key is not a vault-referenceable field), which would put credentials in a ConfigMap',
            'use GatewayAuth.jwt with publicKeyPem, or API keys on an APISIX gateway (keys read from Secrets)');
        }
        if (jwt && !jwt.publicKeyPem) {
          unsupported(gateway, ENGINE, `${where}: auth GatewayAuth.jwt without publicKeyPem`, 'the OSS jwt plugin verifies against a consumer\'s public key, not a JWKS URI', 'set publicKeyPem');
        }
        if (jwt?.audiences && jwt.audiences.length > 0) {
          unsupported(gateway, ENGINE, `${where}: auth audiences`, 'the OSS jwt plugin checks only exp/nbf, not aud', 'drop audiences, or validate JWTs on the Gateway API engine');
        }
        if (r.circuitBreaker?.maxConnections !== undefined || r.circuitBreaker?.maxPendingRequests !== undefined) {
          unsupported(gateway, ENGINE, `${where}: circuitBreaker.maxConnections/maxPendingRequests`, 'Kong breaks circuits with health checks only', 'drop them (consecutiveErrors and openDuration are supported)');
        }
        if (r.retries && r.timeoutMillis !== undefined) {
          unsupported(gateway, ENGINE, `${where}: timeout together with retries`, 'Kong\'s upstream timeouts apply to each attempt, so an overall timeout cannot be expressed',
            'set retries.perTryTimeout instead of timeout');
        }
        const b = r.backend;
        const host = arch.serviceHost(b.serviceName, b.workload.namespace);
        const attemptTimeout = r.retries?.perTryTimeoutMillis ?? r.timeoutMillis;
        const plugins: any[] = [];
        if (jwt) {
          plugins.push({ name: 'jwt', config: { key_claim_name: 'iss', claims_to_verify: ['exp'] } });
          if (!consumers.has(jwt.issuer)) consumers.set(jwt.issuer, { username: `jwt-issuer-${consumers.size + 1}`, jwt_secrets: [{ key: jwt.issuer, algorithm: 'RS256', rsa_public_key: jwt.publicKeyPem }] });
        }
        if (r.rateLimitPerMinute !== undefined) plugins.push({ name: 'rate-limiting', config: { minute: r.rateLimitPerMinute, policy: 'local', limit_by: 'service' } });
        if (r.requestHeaders) plugins.push({ name: 'request-transformer', config: transformer(r.requestHeaders) });
        if (r.responseHeaders) plugins.push({ name: 'response-transformer', config: transformer(r.responseHeaders) });
        if (r.cacheTtlSeconds !== undefined) {
          plugins.push({ name: 'proxy-cache', config: { strategy: 'memory', cache_ttl: r.cacheTtlSeconds, request_method: ['GET', 'HEAD'], response_code: [200], content_type: ['application/json', 'text/plain'] } });
        }
        let serviceHost = host;
        if (r.circuitBreaker) {
          const cb = r.circuitBreaker;
          serviceHost = `${r.name}.upstream`;
          const failures = { http_failures: cb.consecutiveErrors, tcp_failures: cb.consecutiveErrors, timeouts: cb.consecutiveErrors };
          upstreams.push({
            name: serviceHost,
            targets: [{ target: `${host}:${b.port}` }],
            healthchecks: {
              passive: {
                type: r.grpc ? 'grpc' : 'http',
                unhealthy: { ...failures, http_statuses: [500, 502, 503, 504] },
              },
              // an ejected target comes back only through an active check: one probe per openDuration
              active: {
                type: r.grpc ? 'grpc' : (b.healthCheckPath ? 'http' : 'tcp'),
                ...(b.healthCheckPath && !r.grpc ? { http_path: b.healthCheckPath } : {}),
                healthy: { interval: cb.openSeconds, successes: 1 },
                unhealthy: { interval: cb.openSeconds, ...failures },
              },
            },
          });
        }
        const httpsOnly = tls?.redirectHttp ?? false;
        const route: any = {
          name: r.name,
          protocols: r.grpc ? (httpsOnly ? ['grpcs'] : ['grpc', 'grpcs']) : (httpsOnly ? ['https'] : ['http', 'https']),
          ...(httpsOnly && !r.grpc ? { https_redirect_status_code: 301 } : {}),
          ...(r.host ? { hosts: [r.host] } : {}),
          ...(r.grpc
            ? { paths: [r.grpcService ? `/${r.grpcService}/` : '/'] }
            : { paths: [r.pathMatch === PathMatch.EXACT ? `~${r.path.replace(/[.]/g, '\\.')}$` : r.path] }),
          ...(r.headers.length > 0 ? { headers: Object.fromEntries(r.headers.map(([n, v]) => [n, [v]])) } : {}),
          ...(r.methods.length > 0 ? { methods: r.methods } : {}),
          strip_path: r.stripPrefix,
          preserve_host: true,
          ...(plugins.length > 0 ? { plugins } : {}),
        };
        services.push({
          name: r.name,
          protocol: r.grpc ? 'grpc' : 'http',
          host: serviceHost,
          port: b.port,
          retries: r.retries?.attempts ?? 0,
          ...(attemptTimeout !== undefined ? { connect_timeout: attemptTimeout, read_timeout: attemptTimeout, write_timeout: attemptTimeout } : {}),
          routes: [route],
        });
      },
    };
  }
}
