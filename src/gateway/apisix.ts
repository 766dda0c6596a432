import * as kplus from 'cdk8s-plus-28';
import { ApisixOptions } from './apisix-options';
import { DeployedGateway, GatewayEngineImpl, ResolvedGatewaySettings, ResolvedHeaders, ResolvedRoute, unsupported } from './engine-impl';
import type { Gateway } from './gateway';
import { GatewayAuthKind } from './gateway-auth';
import { GatewayKind } from './gateway-engine';
import { PathMatch } from './gateway-options';
import { deployProxy, proxySettings } from './proxy-workload';
import { AppProtocol } from '../architecture/app-protocol';
import { stringifyYaml } from '../internal/component-chart';
import { fail, show } from '../internal/errors';
import { lazy } from '../internal/lazy';
import { envPrefix, objectName, validateDnsLabel, validateImage } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';

const k8s = kplus.k8s;
export const APISIX_DEFAULT_IMAGE = 'apache/apisix:3.16.0-ubuntu';
const HTTP_PORT = 9080;
/** `/status` and `/status/ready` (ready once the standalone configuration is loaded). */
const STATUS_PORT = 7085;
/** The image's `apisix` user. */
const UID = 636;
const HOME = '/usr/local/apisix';
const ENGINE = 'APISIX';

/**
 * The node configuration: standalone data plane reading apisix.yaml, Admin API off, the status
 * endpoints for the probes, the variables `$ENV://` references read, client timeouts.
 */
export function renderApisixConfig(envs: string[], clientTimeoutSeconds?: number): string {
  const http = clientTimeoutSeconds !== undefined
    ? { http: { client_header_timeout: `${clientTimeoutSeconds}s`, client_body_timeout: `${clientTimeoutSeconds}s` } }
    : {};
  const nginx = { ...(envs.length > 0 ? { envs } : {}), ...http };
  return stringifyYaml({
    deployment: { role: 'data_plane', role_data_plane: { config_provider: 'yaml' } },
    apisix: { node_listen: [HTTP_PORT], enable_admin: false, status: { ip: '0.0.0.0', port: STATUS_PORT } },
    ...(Object.keys(nginx).length > 0 ? { nginx_config: nginx } : {}),
  });
}

function rewrite(h: ResolvedHeaders): Record<string, unknown> {
  return {
    ...(h.set.length > 0 ? { set: Object.fromEntries(h.set) } : {}),
    ...(h.remove.length > 0 ? { remove: h.remove } : {}),
  };
}

/** Apache APISIX, standalone: routes, upstreams, consumers and global rules in apisix.yaml (ending with `#END`). */
export class ApisixEngine implements GatewayEngineImpl {
  public readonly kind = GatewayKind.APISIX;

  constructor(private readonly options: ApisixOptions) {}

  public _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway {
    const o = this.options;
    const arch = gateway.architecture;
    const image = o.image ?? APISIX_DEFAULT_IMAGE;
    validateImage(gateway, image);
    const proxy = proxySettings(gateway, o);
    if (settings.tls) {
      unsupported(gateway, ENGINE, 'tls', 'standalone APISIX reads certificates from apisix.yaml, which is a ConfigMap here, and the library keeps keys out of ConfigMaps',
        'terminate TLS at an access gateway in front (GatewayEngine.gatewayApi() or kong()) and keep APISIX as the business gateway');
    }
    const name = gateway.componentName;
    const chart = deployPlatformComponent(gateway, gateway);
    const configMap = objectName(gateway, name, 'config');

    const routes: any[] = [];
    const upstreams: any[] = [];
    const consumers = new Map<string, any>();
    const secretEnv = new Map<string, kplus.k8s.EnvVar>();
    const globalPlugins: Record<string, unknown> = {};
    if (settings.ipAllowList.length > 0 || settings.ipDenyList.length > 0) {
      if (settings.ipAllowList.length > 0 && settings.ipDenyList.length > 0) {
        unsupported(gateway, ENGINE, 'ipAllowList together with ipDenyList', 'the ip-restriction plugin takes either a whitelist or a blacklist', 'keep one of the lists');
      }
      globalPlugins['ip-restriction'] = settings.ipAllowList.length > 0 ? { whitelist: settings.ipAllowList } : { blacklist: settings.ipDenyList };
    }
    if (settings.cors) {
      const c = settings.cors;
      globalPlugins.cors = {
        allow_origins: c.allowOrigins.join(','),
        allow_methods: c.allowMethods.join(','),
        allow_headers: c.allowHeaders.join(','),
        max_age: c.maxAgeSeconds,
        allow_credential: c.allowCredentials,
      };
    }
    if (settings.maxRequestBodyKibibytes !== undefined) globalPlugins['client-control'] = { max_body_size: settings.maxRequestBodyKibibytes * 1024 };
    const render = () => [
      stringifyYaml({
        routes,
        upstreams,
        ...(consumers.size > 0 ? { consumers: [...consumers.keys()].sort().map((k) => consumers.get(k)) } : {}),
        ...(Object.keys(globalPlugins).length > 0 ? { global_rules: [{ id: 'global', plugins: globalPlugins }] } : {}),
      }).trimEnd(),
      // APISIX loads the file only once it ends with this line
      '#END',
      '',
    ].join('\n');
    const nodeConfig = () => renderApisixConfig([...secretEnv.keys()].sort(), settings.requestTimeoutSeconds);

    // conf/ (nginx.conf is generated at start), logs/ (pid, sockets) and the temporary paths nginx
    // creates relative to its prefix (`openresty -p /usr/local/apisix`, no *_temp_path in the template)
    const writable = writableVolumes(gateway, [
      `${HOME}/conf`, `${HOME}/logs`,
      ...['client_body_temp', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp'].map((d) => `${HOME}/${d}`),
      '/tmp',
    ]);
    const workload = deployProxy(gateway, {
      chart,
      settings: proxy,
      component: 'apisix',
      uid: UID,
      ports: [{ name: 'http', port: HTTP_PORT, appProtocol: AppProtocol.HTTP }, { name: 'status', port: STATUS_PORT, appProtocol: AppProtocol.HTTP }],
      publicPorts: [[80, 'http']],
      volumes: [{ name: 'config', configMap: { name: configMap } }, ...writable.volumes],
      externalSecrets: () => [...secretEnv.values()].map((e) => e.valueFrom!.secretKeyRef!.name!),
      configHash: () => nodeConfig() + render(),
      // `apisix init` writes nginx.conf into conf/ at every start: the image's conf/ is copied into
      // a writable emptyDir together with the generated config.yaml and apisix.yaml, so the root
      // filesystem stays read-only.
      initContainers: () => [secureContainer({
        name: 'copy-conf',
        image,
        command: ['sh', '-c', `cp -R ${HOME}/conf/. /work-conf/ && cp /apisix-config/config.yaml /apisix-config/apisix.yaml /work-conf/`],
        resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
        volumeMounts: [{ name: 'config', mountPath: '/apisix-config', readOnly: true }, { name: writable.volumes[0].name, mountPath: '/work-conf' }],
      })],
      containers: (w) => {
        const status = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(STATUS_PORT) } });
        return [secureContainer({
          name: 'apisix',
          image,
          ports: w.containerPorts,
          // the image's entrypoint then runs `apisix init` without `init_etcd` (standalone)
          env: lazy(() => [{ name: 'APISIX_STAND_ALONE', value: 'true' }, ...[...secretEnv.keys()].sort().map((k) => secretEnv.get(k)!)]),
          resources: proxy.resources,
          startupProbe: { ...status('/status'), periodSeconds: 2, failureThreshold: 60 },
          readinessProbe: { ...status('/status/ready'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
          livenessProbe: { ...status('/status'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          volumeMounts: writable.mounts,
        })];
      },
    });
    new k8s.KubeConfigMap(chart, 'config', {
      metadata: { name: configMap, namespace: gateway.namespace, labels: workload.labels },
      data: lazy(() => ({ 'config.yaml': nodeConfig(), 'apisix.yaml': render() })),
    });

    return {
      workload,
      backend: { workload, serviceName: name, port: HTTP_PORT, appProtocol: AppProtocol.HTTP },
      addRoute: (r: ResolvedRoute) => {
        const where = r.description;
        if (r.backend.appProtocol === AppProtocol.HTTP2) {
          unsupported(gateway, ENGINE, `${where}: an h2c (AppProtocol.HTTP2) backend`, 'APISIX speaks HTTP/1.1 to HTTP upstreams (HTTP/2 only for gRPC)',
            'route it from the Gateway API engine, or give the service an HTTP/1.1 port');
        }
        if (r.circuitBreaker?.maxConnections !== undefined || r.circuitBreaker?.maxPendingRequests !== undefined) {
          unsupported(gateway, ENGINE, `${where}: circuitBreaker.maxConnections/maxPendingRequests`, 'the api-breaker plugin counts failures only', 'drop them (consecutiveErrors and openDuration are supported)');
        }
        if (r.circuitBreaker && r.circuitBreaker.openSeconds < 3) {
          fail(gateway, `${where}: circuitBreaker.openDuration ${show(`${r.circuitBreaker.openSeconds}s`)} is below APISIX's api-breaker minimum`, 'use at least 3 seconds');
        }
        const b = r.backend;
        const plugins: Record<string, unknown> = {};
        const auth = r.auth;
        if (auth?.kind === GatewayAuthKind.JWT) {
          const jwt = auth.jwtOptions!;
          if (!jwt.publicKeyPem) unsupported(gateway, ENGINE, `${where}: auth GatewayAuth.jwt without publicKeyPem`, 'jwt-auth verifies against a consumer\'s public key, not a JWKS URI', 'set publicKeyPem');
          if (jwt.audiences && jwt.audiences.length > 0) unsupported(gateway, ENGINE, `${where}: auth audiences`, 'jwt-auth does not check aud', 'drop audiences');
          plugins['jwt-auth'] = { key_claim_name: 'iss' };
          if (!consumers.has(`jwt ${jwt.issuer}`)) {
            consumers.set(`jwt ${jwt.issuer}`, { username: `jwt_issuer_${consumers.size + 1}`, plugins: { 'jwt-auth': { key: jwt.issuer, public_key: jwt.publicKeyPem, algorithm: 'RS256' } } });
          }
        } else if (auth?.kind === GatewayAuthKind.API_KEY) {
          const a = auth.apiKeyOptions!;
          if (a.consumers.length === 0) fail(gateway, `${where}: GatewayAuth.apiKey has no consumers`, 'list at least one consumer');
          plugins['key-auth'] = { header: a.headerName ?? 'apikey', hide_credentials: true };
          for (const c of a.consumers) {
            validateDnsLabel(gateway, 'API key consumer name', c.name);
            validateDnsLabel(gateway, `consumer ${c.name} key.secretName`, c.key.secretName);
            const username = c.name.replace(/-/g, '_');
            const envName = `APISIX_CONSUMER_${envPrefix(c.name)}_KEY`;
            const existing = consumers.get(`key ${username}`);
            const entry = {
              username,
              plugins: {
                'key-auth': { key: `$ENV://${envName}` },
                ...(c.rateLimitPerMinute !== undefined ? { 'limit-count': { count: c.rateLimitPerMinute, time_window: 60, rejected_code: 429, key_type: 'var', key: 'consumer_name' } } : {}),
              },
            };
            if (existing && JSON.stringify(existing) !== JSON.stringify(entry)) {
              fail(gateway, `API key consumer ${show(c.name)} is declared twice with different settings`, 'declare each consumer once (reuse the same GatewayAuth)');
            }
            consumers.set(`key ${username}`, entry);
            secretEnv.set(envName, { name: envName, valueFrom: { secretKeyRef: { name: c.key.secretName, key: c.key.key } } });
          }
        }
        if (r.rateLimitPerMinute !== undefined) {
          plugins['limit-count'] = { count: r.rateLimitPerMinute, time_window: 60, rejected_code: 429, key_type: 'constant', key: r.name, policy: 'local' };
        }
        if (r.circuitBreaker) {
          plugins['api-breaker'] = {
            break_response_code: 503,
            max_breaker_sec: r.circuitBreaker.openSeconds,
            unhealthy: { http_statuses: [500, 502, 503, 504], failures: r.circuitBreaker.consecutiveErrors },
            healthy: { http_statuses: [200], successes: 1 },
          };
        }
        if (r.stripPrefix || r.requestHeaders) {
          plugins['proxy-rewrite'] = {
            ...(r.stripPrefix && r.path !== '/' ? { regex_uri: [`^${r.path.replace(/[.]/g, '\\.')}(/|$)(.*)`, '/$2'] } : {}),
            ...(r.requestHeaders ? { headers: rewrite(r.requestHeaders) } : {}),
          };
        }
        if (r.responseHeaders) plugins['response-rewrite'] = { headers: rewrite(r.responseHeaders) };
        if (r.cacheTtlSeconds !== undefined) {
          // `memory_cache` is a zone of APISIX's default configuration
          plugins['proxy-cache'] = {
            cache_strategy: 'memory', cache_zone: 'memory_cache', cache_ttl: r.cacheTtlSeconds, cache_method: ['GET', 'HEAD'], cache_http_status: [200],
          };
        }
        const timeoutSeconds = r.timeoutMillis !== undefined ? r.timeoutMillis / 1000 : undefined;
        upstreams.push({
          id: r.name,
          type: 'roundrobin',
          scheme: r.grpc ? 'grpc' : 'http',
          pass_host: 'pass',
          nodes: { [`${arch.serviceHost(b.serviceName, b.workload.namespace)}:${b.port}`]: 1 },
          retries: r.retries?.attempts ?? 0,
          ...(r.retries?.perTryTimeoutMillis !== undefined ? { retry_timeout: r.retries.perTryTimeoutMillis / 1000 } : {}),
          ...(timeoutSeconds !== undefined ? { timeout: { connect: timeoutSeconds, send: timeoutSeconds, read: timeoutSeconds } } : {}),
        });
        const uris = r.grpc
          ? [r.grpcService ? `/${r.grpcService}/*` : '/*']
          : (r.pathMatch === PathMatch.EXACT ? [r.path] : (r.path === '/' ? ['/*'] : [r.path, `${r.path}/*`]));
        routes.push({
          id: r.name,
          uris,
          ...(r.host ? { hosts: [r.host] } : {}),
          ...(r.methods.length > 0 ? { methods: r.methods } : {}),
          ...(r.headers.length > 0 ? { vars: r.headers.map(([n, v]) => [`http_${n.toLowerCase().replace(/-/g, '_')}`, '==', v]) } : {}),
          upstream_id: r.name,
          ...(Object.keys(plugins).length > 0 ? { plugins } : {}),
        });
      },
    };
  }
}
