import * as kplus from 'cdk8s-plus-28';
import { DeployedGateway, GatewayEngineImpl, ResolvedGatewaySettings, ResolvedRoute, unsupported } from './engine-impl';
import type { Gateway } from './gateway';
import { GatewayKind } from './gateway-engine';
import { PathMatch } from './gateway-options';
import { deployProxy, proxySettings } from './proxy-workload';
import { SpringCloudGatewayOptions } from './spring-cloud-gateway-options';
import { AppProtocol } from '../architecture/app-protocol';
import { EnvVariable } from '../architecture/binding';
import { stringifyYaml } from '../internal/component-chart';
import { fail, show } from '../internal/errors';
import { lazy } from '../internal/lazy';
import { objectName, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';
import { applyUse } from '../internal/uses';
import { MessageQueueKind } from '../messaging/engine';

const k8s = kplus.k8s;
const ENGINE = 'Spring Cloud Gateway';
/** Spring Cloud Gateway 4.3+ (Spring Cloud 2025.0+) moved the server properties under this prefix. */
export const SCG_PREFIX = 'server.webflux';
const CONFIG_DIR = '/etc/spring-cloud-gateway';

/** A Java regular expression matching exactly `s` (the Header predicate takes a regexp). */
function quoteRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * Spring Cloud Gateway (reactive server): your image, with the generated application.yml mounted
 * and named by SPRING_CONFIG_ADDITIONAL_LOCATION. Property names of the 4.3 line
 * (`spring.cloud.gateway.server.webflux.*`).
 */
export class SpringCloudGatewayEngine implements GatewayEngineImpl {
  public readonly kind = GatewayKind.SPRING_CLOUD_GATEWAY;

  constructor(private readonly options: SpringCloudGatewayOptions) {}

  public _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway {
    const o = this.options;
    validateImage(gateway, o.image);
    const port = validateInteger(gateway, 'port', o.port ?? 8080, 1024, 65535, 'use an unprivileged port from 1024 to 65535');
    const uid = validateInteger(gateway, 'runAsUser', o.runAsUser ?? 1000, 1, 2147483647, 'run as a non-root numeric user');
    const not = (name: string, set: boolean, why: string, fix: string) => {
      if (set) unsupported(gateway, ENGINE, name, why, fix);
    };
    not('tls', !!settings.tls, 'the library does not template Spring Boot SSL bundles', 'terminate TLS at an access gateway in front');
    not('ipAllowList', settings.ipAllowList.length > 0, 'the RemoteAddr predicate only sees the previous hop behind a load balancer', 'set it on the access gateway');
    not('ipDenyList', settings.ipDenyList.length > 0, 'there is no deny predicate', 'set it on the access gateway');
    not('requestTimeout', settings.requestTimeoutSeconds !== undefined, 'Netty\'s request read timeout is not a gateway property', 'set it on the access gateway');
    not('auth', !!settings.auth, 'authentication in Spring Cloud Gateway is Spring Security code in your image', 'authenticate at the access gateway');
    if (o.rateLimitKeyResolver !== undefined && !/^#\{@[A-Za-z_$][A-Za-z0-9_$]*\}$/.test(o.rateLimitKeyResolver)) {
      fail(gateway, `rateLimitKeyResolver ${show(o.rateLimitKeyResolver)} is not a bean reference`, 'use "#{@beanName}"');
    }
    const proxy = proxySettings(gateway, o);
    const name = gateway.componentName;
    const chart = deployPlatformComponent(gateway, gateway);
    const configMap = objectName(gateway, name, 'config');
    const writable = writableVolumes(gateway, ['/tmp']);
    const env = new Map<string, kplus.k8s.EnvVar>();
    const routes: any[] = [];
    const breakers: Record<string, unknown> = {};
    const timeLimiters: Record<string, unknown> = {};
    let redis: Record<string, unknown> | undefined;

    const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(port) } });
    const workload = deployProxy(gateway, {
      chart,
      settings: proxy,
      component: 'spring-cloud-gateway',
      uid,
      ports: [{ name: 'http', port, appProtocol: AppProtocol.HTTP }],
      publicPorts: [[80, 'http']],
      volumes: [{ name: 'config', configMap: { name: configMap } }, ...writable.volumes],
      externalSecrets: () => [...env.values()].flatMap((e) => (e.valueFrom?.secretKeyRef?.name ? [e.valueFrom.secretKeyRef.name] : [])),
      configHash: () => render(),
      containers: (w) => [secureContainer({
        name: 'gateway',
        image: o.image,
        ports: w.containerPorts,
        env: lazy(() => [
          { name: 'SPRING_CONFIG_ADDITIONAL_LOCATION', value: `file:${CONFIG_DIR}/application.yml` },
          ...[...env.keys()].sort().map((k) => env.get(k)!),
        ]),
        resources: proxy.resources,
        startupProbe: { ...http('/actuator/health/liveness'), periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...http('/actuator/health/readiness'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...http('/actuator/health/liveness'), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, ...writable.mounts],
      })],
    });

    if (o.rateLimiterRedis) {
      const mq = o.rateLimiterRedis;
      if (mq.engine.kind !== MessageQueueKind.REDIS) {
        fail(gateway, `rateLimiterRedis ${mq.bindingDescription} runs ${show(mq.engine.kind)}, not Redis`, 'give a MessageQueue with MessageQueueEngine.redis()');
      }
      const binding = applyUse(workload, mq, (b) => {
        for (const v of b.env ?? []) env.set(v.name, v.value._toKube(v.name));
      });
      const find = (suffix: string): EnvVariable | undefined => (binding.env ?? []).find((v) => v.name === `${mq.envPrefix}${suffix}`);
      const password = `\${${mq.envPrefix}PASSWORD}`;
      const sentinels = find('SENTINELS')?.value.literal;
      if (sentinels) {
        // Spring Boot asks the Sentinels for the primary (they require the same password)
        redis = { password, sentinel: { master: find('MASTER_NAME')?.value.literal, nodes: sentinels, password } };
      } else {
        const address = find('ADDRESS')?.value.literal ?? '';
        const colon = address.lastIndexOf(':');
        redis = { host: address.slice(0, colon), port: Number(address.slice(colon + 1)), password };
      }
    }

    const render = () => {
      const gatewayProps: Record<string, unknown> = {
        routes,
        ...(settings.maxRequestBodyKibibytes !== undefined
          ? { 'default-filters': [{ name: 'RequestSize', args: { maxSize: `${settings.maxRequestBodyKibibytes}KB` } }] } : {}),
        ...(settings.cors ? {
          globalcors: {
            'cors-configurations': {
              '[/**]': {
                allowedOrigins: settings.cors.allowOrigins,
                allowedMethods: settings.cors.allowMethods,
                allowedHeaders: settings.cors.allowHeaders,
                maxAge: settings.cors.maxAgeSeconds,
                allowCredentials: settings.cors.allowCredentials,
              },
            },
          },
        } : {}),
      };
      return stringifyYaml({
        server: { port },
        management: { endpoint: { health: { probes: { enabled: true } } } },
        spring: {
          cloud: { gateway: { server: { webflux: gatewayProps } } },
          ...(redis ? { data: { redis } } : {}),
        },
        ...(Object.keys(breakers).length > 0
          ? { resilience4j: { circuitbreaker: { instances: breakers }, timelimiter: { instances: timeLimiters } } }
          : {}),
      });
    };
    new k8s.KubeConfigMap(chart, 'config', {
      metadata: { name: configMap, namespace: gateway.namespace, labels: workload.labels },
      data: lazy(() => ({ 'application.yml': render() })),
    });

    return {
      workload,
      backend: { workload, serviceName: name, port, appProtocol: AppProtocol.HTTP, healthCheckPath: '/actuator/health/readiness' },
      addRoute: (r: ResolvedRoute) => {
        const where = r.description;
        const no = (option: string, set: boolean, why: string, fix: string) => {
          if (set) unsupported(gateway, ENGINE, `${where}: ${option}`, why, fix);
        };
        no('an h2c (AppProtocol.HTTP2) backend', r.backend.appProtocol === AppProtocol.HTTP2, 'the library configures the HTTP client for HTTP/1.1',
          'route it from the Gateway API engine, or give the service an HTTP/1.1 port');
        no('gRPC backend', r.grpc, 'the library routes only HTTP through Spring Cloud Gateway', 'route gRPC services from a Gateway API or Kong gateway');
        no('auth', !!r.auth, 'authentication is Spring Security code in your image', 'authenticate at the access gateway');
        no('cacheTtl', r.cacheTtlSeconds !== undefined, 'Spring Cloud Gateway\'s LocalResponseCache is not templated by the library', 'drop cacheTtl, or cache in a Kong gateway');
        no('retries.perTryTimeout', r.retries?.perTryTimeoutMillis !== undefined, 'the Retry filter has no per-attempt timeout', 'drop perTryTimeout');
        no('circuitBreaker.maxConnections/maxPendingRequests', r.circuitBreaker?.maxConnections !== undefined || r.circuitBreaker?.maxPendingRequests !== undefined,
          'Resilience4j breaks circuits on failure rates only', 'drop them');
        if (r.circuitBreaker && r.timeoutMillis === undefined) {
          fail(gateway, `${where}: circuitBreaker needs a timeout on Spring Cloud Gateway (the CircuitBreaker filter's Resilience4j TimeLimiter cuts every call after it, 1 s unless set)`,
            'set the route\'s timeout (it becomes the TimeLimiter\'s timeoutDuration)');
        }
        if (r.rateLimitPerMinute !== undefined && (!redis || !o.rateLimitKeyResolver)) {
          fail(gateway, `${where}: rateLimitPerMinute needs the RequestRateLimiter's Redis and a KeyResolver`,
            'set rateLimiterRedis (a MessageQueue with MessageQueueEngine.redis()) and rateLimitKeyResolver ("#{@yourKeyResolver}") in GatewayEngine.springCloudGateway()');
        }
        const b = r.backend;
        const predicates: string[] = [
          `Path=${r.pathMatch === PathMatch.EXACT ? r.path : (r.path === '/' ? '/**' : `${r.path},${r.path}/**`)}`,
          ...(r.host ? [`Host=${r.host}`] : []),
          ...(r.methods.length > 0 ? [`Method=${r.methods.join(',')}`] : []),
          ...r.headers.map(([n, v]) => `Header=${n}, ${quoteRegex(v)}`),
        ];
        const filters: any[] = [];
        if (r.stripPrefix && r.path !== '/') filters.push(`StripPrefix=${r.path.split('/').length - 1}`);
        for (const [n, v] of r.requestHeaders?.set ?? []) filters.push(`SetRequestHeader=${n}, ${v}`);
        for (const n of r.requestHeaders?.remove ?? []) filters.push(`RemoveRequestHeader=${n}`);
        for (const [n, v] of r.responseHeaders?.set ?? []) filters.push(`SetResponseHeader=${n}, ${v}`);
        for (const n of r.responseHeaders?.remove ?? []) filters.push(`RemoveResponseHeader=${n}`);
        if (r.rateLimitPerMinute !== undefined) {
          // 60 tokens a request, N tokens a second: N requests a minute, a burst of N
          filters.push({
            name: 'RequestRateLimiter',
            args: {
              'key-resolver': o.rateLimitKeyResolver,
              'redis-rate-limiter.replenishRate': r.rateLimitPerMinute,
              'redis-rate-limiter.burstCapacity': r.rateLimitPerMinute * 60,
              'redis-rate-limiter.requestedTokens': 60,
            },
          });
        }
        if (r.circuitBreaker) {
          const cb = r.circuitBreaker;
          filters.push({ name: 'CircuitBreaker', args: { name: r.name, statusCodes: ['500', '502', '503', '504'] } });
          // opens when the last N calls all failed: N consecutive failures
          breakers[r.name] = {
            slidingWindowType: 'COUNT_BASED',
            slidingWindowSize: cb.consecutiveErrors,
            minimumNumberOfCalls: cb.consecutiveErrors,
            failureRateThreshold: 100,
            waitDurationInOpenState: `${cb.openSeconds}s`,
            permittedNumberOfCallsInHalfOpenState: 1,
          };
          timeLimiters[r.name] = { timeoutDuration: `${r.timeoutMillis}ms` };
        }
        if (r.retries) {
          filters.push({
            name: 'Retry',
            args: { retries: r.retries.attempts, statuses: 'BAD_GATEWAY,SERVICE_UNAVAILABLE,GATEWAY_TIMEOUT', methods: 'GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS', series: '' },
          });
        }
        routes.push({
          id: r.name,
          uri: `http://${gateway.architecture.serviceHost(b.serviceName, b.workload.namespace)}:${b.port}`,
          predicates,
          ...(filters.length > 0 ? { filters } : {}),
          ...(r.timeoutMillis !== undefined ? { metadata: { 'response-timeout': r.timeoutMillis } } : {}),
        });
      },
    };
  }
}
