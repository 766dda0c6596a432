import * as kplus from 'cdk8s-plus-28';
import { DeployedGateway, GatewayEngineImpl, ResolvedGatewaySettings, ResolvedRoute, unsupported } from './engine-impl';
import type { Gateway } from './gateway';
import { GatewayKind } from './gateway-engine';
import { GrpcGatewayOptions } from './grpc-gateway-options';
import { deployProxy, proxySettings } from './proxy-workload';
import { AppProtocol } from '../architecture/app-protocol';
import { fail, show } from '../internal/errors';
import { lazy } from '../internal/lazy';
import { envPrefix, validateImage, validateInteger } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';
import { DEFAULT_NON_ROOT_UID, secureContainer, writableVolumes } from '../internal/pod';

const k8s = kplus.k8s;
const ENGINE = 'gRPC-Gateway';

/**
 * gRPC-Gateway: your generated REST-to-gRPC proxy. The REST paths come from the `google.api.http`
 * annotations compiled into it, so routes only name the gRPC services it calls; each becomes
 * `<SERVICE>_GRPC_ADDR` and an edge. An access gateway routes REST traffic to it.
 */
export class GrpcGatewayEngine implements GatewayEngineImpl {
  public readonly kind = GatewayKind.GRPC_GATEWAY;

  constructor(private readonly options: GrpcGatewayOptions) {}

  public _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway {
    const o = this.options;
    validateImage(gateway, o.image);
    const port = validateInteger(gateway, 'port', o.port ?? 8080, 1024, 65535, 'use an unprivileged port from 1024 to 65535');
    const uid = validateInteger(gateway, 'runAsUser', o.runAsUser ?? DEFAULT_NON_ROOT_UID, 1, 2147483647, 'run as a non-root numeric user');
    if (o.healthCheckPath !== undefined && !o.healthCheckPath.startsWith('/')) fail(gateway, `healthCheckPath ${show(o.healthCheckPath)} does not start with "/"`, 'use a path such as "/healthz"');
    const policy = (name: string, set: boolean) => {
      if (set) unsupported(gateway, ENGINE, name, 'the proxy is your program: the library only wires it', `drop ${name}, and set it on the access gateway in front`);
    };
    policy('tls', !!settings.tls);
    policy('ipAllowList', settings.ipAllowList.length > 0);
    policy('ipDenyList', settings.ipDenyList.length > 0);
    policy('rateLimitPerMinute', settings.rateLimitPerMinute !== undefined);
    policy('maxRequestBodyKibibytes', settings.maxRequestBodyKibibytes !== undefined);
    policy('requestTimeout', settings.requestTimeoutSeconds !== undefined);
    policy('cors', !!settings.cors);
    policy('auth', !!settings.auth);
    const proxy = proxySettings(gateway, o);
    const chart = deployPlatformComponent(gateway, gateway);
    const upstreams = new Map<string, string>();
    const writable = writableVolumes(gateway, ['/tmp'], 64);
    const probe = o.healthCheckPath
      ? { httpGet: { path: o.healthCheckPath, port: k8s.IntOrString.fromNumber(port) } }
      : { tcpSocket: { port: k8s.IntOrString.fromNumber(port) } };
    const workload = deployProxy(gateway, {
      chart,
      settings: proxy,
      component: 'grpc-gateway',
      uid,
      ports: [{ name: 'http', port, appProtocol: AppProtocol.HTTP }],
      publicPorts: [[80, 'http']],
      volumes: writable.volumes,
      containers: (w) => [secureContainer({
        name: 'grpc-gateway',
        image: o.image,
        ports: w.containerPorts,
        env: lazy(() => [...upstreams.keys()].sort().map((name) => ({ name, value: upstreams.get(name)! }))),
        resources: proxy.resources,
        readinessProbe: { ...probe, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        volumeMounts: writable.mounts,
      })],
    });
    return {
      workload,
      backend: {
        workload,
        serviceName: gateway.componentName,
        port,
        appProtocol: AppProtocol.HTTP,
        ...(o.healthCheckPath ? { healthCheckPath: o.healthCheckPath } : {}),
      },
      addRoute: (r: ResolvedRoute) => {
        const where = r.description;
        if (!r.grpc) {
          fail(gateway, `${where}: the target speaks ${show(r.backend.appProtocol)}, but a gRPC-Gateway proxy only calls gRPC services`,
            'route HTTP services from the access gateway directly, or give the Microservice a gRPC port');
        }
        const given: Array<[string, boolean]> = [
          ['host', r.host !== undefined], ['headers', r.headers.length > 0], ['grpcService', r.grpcService !== undefined], ['auth', !!r.auth],
          ['rateLimitPerMinute', r.rateLimitPerMinute !== undefined], ['timeout', r.timeoutMillis !== undefined], ['retries', !!r.retries],
          ['circuitBreaker', !!r.circuitBreaker], ['requestHeaders', !!r.requestHeaders], ['responseHeaders', !!r.responseHeaders],
        ];
        for (const [name, set] of given) {
          if (set) unsupported(gateway, ENGINE, `${where}: ${name}`, 'the REST mapping and dial options are compiled into the proxy', `drop ${name} (set policies on the access gateway's route to this gateway)`);
        }
        const b = r.backend;
        const env = `${envPrefix(b.serviceName)}_GRPC_ADDR`;
        const addr = `${gateway.architecture.serviceHost(b.serviceName, b.workload.namespace)}:${b.port}`;
        if (upstreams.has(env) && upstreams.get(env) !== addr) fail(gateway, `${where}: ${env} is already ${show(upstreams.get(env))}`, 'route each gRPC service once');
        upstreams.set(env, addr);
      },
    };
  }
}
