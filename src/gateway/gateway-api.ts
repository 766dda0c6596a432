import { createHash } from 'crypto';
import { DeployedGateway, GatewayEngineImpl, ResolvedGatewaySettings, ResolvedHeaders, ResolvedRoute, unsupported } from './engine-impl';
import type { Gateway } from './gateway';
import { GatewayApiImplementation, GatewayApiOptions } from './gateway-api-options';
import { GatewayAuthKind } from './gateway-auth';
import { GatewayKind } from './gateway-engine';
import { PathMatch } from './gateway-options';
import * as eg from '../imports/gateway.envoyproxy.io';
import * as gwapi from '../imports/gateway.networking.k8s.io';
import { fail, show } from '../internal/errors';
import { ExternalPods } from '../internal/external-pods';
import { ANNOTATION_EXTERNAL_SECRETS, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { objectName, validateDnsLabel, validateInteger, validateLabels } from '../internal/names';
import { deployPlatformComponent } from '../internal/platform';

const GROUP = 'gateway.networking.k8s.io';
const ENGINE = 'Gateway API';

/** A Gateway API duration (GEP-2257: up to four h/m/s/ms parts of at most 5 digits). */
export function gatewayApiDuration(millis: number): string {
  if (millis === 0) return '0s';
  const parts: string[] = [];
  let rest = millis;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join('');
}

/** Envoy Gateway's name for a Gateway's proxy resources (utils.GetHashedName with 48 characters). */
export function envoyGatewayProxyName(namespace: string, name: string): string {
  const nsName = `${namespace}/${name}`;
  const hash = createHash('sha256').update(nsName).digest('hex').slice(0, 8);
  let resource = nsName.replace(/\//g, '-');
  if (resource.length > 48) resource = resource.slice(0, 48).replace(/-+$/, '');
  return `envoy-${resource}-${hash}`;
}

/** Kubernetes Gateway API objects (+ Envoy Gateway policies) for a controller the platform team runs. */
export class GatewayApiEngine implements GatewayEngineImpl {
  public readonly kind = GatewayKind.GATEWAY_API;

  constructor(private readonly options: GatewayApiOptions) {}

  public _deploy(gateway: Gateway, settings: ResolvedGatewaySettings): DeployedGateway {
    const o = this.options;
    const arch = gateway.architecture;
    const impl = o.implementation ?? GatewayApiImplementation.ENVOY_GATEWAY;
    if (!Object.values(GatewayApiImplementation).includes(impl)) {
      fail(gateway, `implementation ${show(impl)} is unknown`, 'use GatewayApiImplementation.ENVOY_GATEWAY or GatewayApiImplementation.OTHER');
    }
    const envoy = impl === GatewayApiImplementation.ENVOY_GATEWAY;
    const className = validateDnsLabel(gateway, 'gatewayClassName', o.gatewayClassName ?? 'eg');
    const dataPlaneNamespace = validateDnsLabel(gateway, 'dataPlaneNamespace', o.dataPlaneNamespace ?? 'envoy-gateway-system');
    const httpPort = validateInteger(gateway, 'httpPort', o.httpPort ?? 80, 1, 65535, 'use a port number from 1 to 65535');
    const httpsPort = validateInteger(gateway, 'httpsPort', o.httpsPort ?? 443, 1, 65535, 'use a port number from 1 to 65535');
    if (settings.tls && httpPort === httpsPort) fail(gateway, `httpPort and httpsPort are both ${httpPort}`, 'use two different ports (80 and 443)');
    const name = gateway.componentName;
    const ns = gateway.namespace;
    if (!envoy && o.dataPlaneLabels === undefined) {
      fail(gateway, 'dataPlaneLabels are not set for a Gateway API implementation other than Envoy Gateway',
        'give the labels your controller puts on this Gateway\'s proxy pods (and dataPlaneNamespace), so the routed services admit exactly them');
    }
    const labels = o.dataPlaneLabels ?? {
      'app.kubernetes.io/name': 'envoy',
      'app.kubernetes.io/component': 'proxy',
      'app.kubernetes.io/managed-by': 'envoy-gateway',
      'gateway.envoyproxy.io/owning-gateway-name': name,
      'gateway.envoyproxy.io/owning-gateway-namespace': ns,
    };
    validateLabels(gateway, 'dataPlaneLabels', labels, true);
    if (!envoy && o.dataPlaneServiceAccountName === undefined) {
      fail(gateway, 'dataPlaneServiceAccountName is not set for a Gateway API implementation other than Envoy Gateway', 'give the ServiceAccount of this Gateway\'s proxy pods');
    }
    const serviceAccountName = validateDnsLabel(gateway, 'dataPlaneServiceAccountName', o.dataPlaneServiceAccountName ?? envoyGatewayProxyName(ns, name));

    const needsEnvoy = (option: string) => {
      if (!envoy) {
        unsupported(gateway, `${ENGINE} (implementation ${impl})`, option, 'the standard Gateway API has no field for it; the library expresses it as an Envoy Gateway policy',
          'use GatewayApiImplementation.ENVOY_GATEWAY, or drop the option');
      }
    };
    if (settings.maxRequestBodyKibibytes !== undefined) {
      unsupported(gateway, ENGINE, 'maxRequestBodyKibibytes', 'neither the standard API nor Envoy Gateway v1.2 policies limit the request body size',
        'drop maxRequestBodyKibibytes, or limit bodies in a business gateway behind this one (Kong, APISIX, Spring Cloud Gateway)');
    }
    if (settings.ipAllowList.length > 0) needsEnvoy('ipAllowList');
    if (settings.ipDenyList.length > 0) needsEnvoy('ipDenyList');
    if (settings.cors) needsEnvoy('cors');
    if (settings.requestTimeoutSeconds !== undefined) needsEnvoy('requestTimeout');

    arch.addNamespace(gateway, ns);
    const chart = deployPlatformComponent(gateway, gateway);
    const common = { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const meta = (objName: string, namespace = ns) => ({ name: objName, namespace, labels: common });
    const tls = settings.tls;
    new gwapi.Gateway(chart, 'gateway', {
      metadata: { ...meta(name), ...(tls ? { annotations: { [ANNOTATION_EXTERNAL_SECRETS]: tls.secretName } } : {}) },
      spec: {
        gatewayClassName: className,
        listeners: [
          { name: 'http', protocol: 'HTTP', port: httpPort, allowedRoutes: { namespaces: { from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } } },
          ...(tls ? [{
            name: 'https',
            protocol: 'HTTPS',
            port: httpsPort,
            tls: { mode: gwapi.GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: tls.secretName }] },
            allowedRoutes: { namespaces: { from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          }] : []),
        ],
      },
    });
    // With TLS and the redirect, plain HTTP only redirects; routes attach to the HTTPS listener.
    const section = tls ? (tls.redirectHttp ? 'https' : undefined) : 'http';
    const parentRefs = [{ group: GROUP, kind: 'Gateway', name, ...(section ? { sectionName: section } : {}) }];
    if (tls?.redirectHttp) {
      new gwapi.HttpRoute(chart, 'https-redirect', {
        metadata: meta(objectName(gateway, name, 'https-redirect')),
        spec: {
          parentRefs: [{ group: GROUP, kind: 'Gateway', name, sectionName: 'http' }],
          rules: [{
            filters: [{
              type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: {
                scheme: gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                statusCode: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
              },
            }],
          }],
        },
      });
    }

    // Gateway-wide policies (a route's own SecurityPolicy replaces this one for that route, so
    // route policies repeat the gateway-wide parts).
    const gatewayRef = [{ group: GROUP, kind: 'Gateway', name }];
    const gatewaySecurity = this.securitySpec(settings, undefined);
    if (gatewaySecurity) new eg.SecurityPolicy(chart, 'security-policy', { metadata: meta(name), spec: { targetRefs: gatewayRef, ...gatewaySecurity } });
    if (settings.requestTimeoutSeconds !== undefined) {
      new eg.ClientTrafficPolicy(chart, 'client-traffic-policy', {
        metadata: meta(name),
        spec: { targetRefs: gatewayRef, timeout: { http: { requestReceivedTimeout: gatewayApiDuration(settings.requestTimeoutSeconds * 1000) } } },
      });
    }

    const dataPlane = new ExternalPods(gateway, 'data-plane', {
      kind: 'gateway-data-plane',
      architecture: arch,
      componentName: name,
      namespace: dataPlaneNamespace,
      serviceAccountName,
      podSelector: labels,
      inMesh: o.dataPlaneInMesh,
      inMeshOption: 'GatewayEngine.gatewayApi({ dataPlaneInMesh })',
    });
    const grants = new Map<string, Set<string>>();
    const grant = (namespace: string, kind: string) => {
      if (namespace === ns) return;
      let kinds = grants.get(namespace);
      if (!kinds) {
        kinds = new Set();
        grants.set(namespace, kinds);
        new gwapi.ReferenceGrant(chart, `reference-grant-${namespace}`, {
          metadata: meta(objectName(gateway, ns, name), namespace),
          spec: {
            from: lazy(() => [...kinds!].sort().map((k) => ({ group: GROUP, kind: k, namespace: ns }))),
            to: [{ group: '', kind: 'Service' }],
          },
        });
      }
      kinds.add(kind);
    };

    return {
      workload: dataPlane,
      addRoute: (r: ResolvedRoute) => {
        const where = r.description;
        if (r.auth?.kind === GatewayAuthKind.API_KEY) {
          unsupported(gateway, ENGINE, `${where}: auth GatewayAuth.apiKey`, 'Envoy Gateway v1.2 (the release for Kubernetes 1.28) has no API key authentication',
            'use GatewayAuth.jwt, or put API keys on a business gateway behind this one (APISIX)');
        }
        if (r.auth?.kind === GatewayAuthKind.JWT && !r.auth.jwtOptions!.jwksUri) {
          unsupported(gateway, ENGINE, `${where}: auth GatewayAuth.jwt without jwksUri`, 'Envoy Gateway fetches the keys from a JWKS URI', 'set jwksUri');
        }
        if (r.cacheTtlSeconds !== undefined) {
          unsupported(gateway, ENGINE, `${where}: cacheTtl`, 'neither the standard API nor Envoy Gateway v1.2 caches responses', 'drop cacheTtl, or cache in a Kong business gateway');
        }
        if (r.auth) needsEnvoy(`${where}: auth`);
        if (r.rateLimitPerMinute !== undefined) needsEnvoy(`${where}: rateLimitPerMinute`);
        if (r.retries) needsEnvoy(`${where}: retries`);
        if (r.circuitBreaker) needsEnvoy(`${where}: circuitBreaker`);
        if (r.grpc && r.timeoutMillis !== undefined) needsEnvoy(`${where}: timeout (GRPCRoute has no timeouts field)`);
        if (!envoy && (r.circuitBreaker?.maxConnections !== undefined)) needsEnvoy(`${where}: circuitBreaker.maxConnections`);

        const objName = objectName(gateway, name, r.name);
        const b = r.backend;
        const backendRef = { name: b.serviceName, port: b.port, ...(b.workload.namespace !== ns ? { namespace: b.workload.namespace } : {}) };
        const hostnames = r.host ? [r.host] : undefined;
        const kind = r.grpc ? 'GRPCRoute' : 'HTTPRoute';
        grant(b.workload.namespace, kind);
        if (r.grpc) {
          const matches = (r.grpcService || r.headers.length > 0) ? [{
            ...(r.grpcService ? { method: { type: gwapi.GrpcRouteSpecRulesMatchesMethodType.EXACT, service: r.grpcService } } : {}),
            ...(r.headers.length > 0
              ? { headers: r.headers.map(([n, v]) => ({ type: gwapi.GrpcRouteSpecRulesMatchesHeadersType.EXACT, name: n, value: v })) }
              : {}),
          }] : undefined;
          const filters = [
            ...headerFilter(gwapi.GrpcRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER, 'requestHeaderModifier', r.requestHeaders),
            ...headerFilter(gwapi.GrpcRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER, 'responseHeaderModifier', r.responseHeaders),
          ];
          new gwapi.GrpcRoute(chart, `route-${r.name}`, {
            metadata: meta(objName),
            spec: {
              parentRefs,
              ...(hostnames ? { hostnames } : {}),
              rules: [{ ...(matches ? { matches } : {}), ...(filters.length > 0 ? { filters } : {}), backendRefs: [backendRef] }],
            },
          });
        } else {
          const one = (method?: string) => ({
            path: {
              type: r.pathMatch === PathMatch.EXACT
                ? gwapi.HttpRouteSpecRulesMatchesPathType.EXACT
                : gwapi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX,
              value: r.path,
            },
            ...(r.headers.length > 0
              ? { headers: r.headers.map(([n, v]) => ({ type: gwapi.HttpRouteSpecRulesMatchesHeadersType.EXACT, name: n, value: v })) }
              : {}),
            ...(method ? { method: method as gwapi.HttpRouteSpecRulesMatchesMethod } : {}),
          });
          const matches = r.methods.length > 0 ? r.methods.map((m) => one(m)) : [one()];
          const filters = [
            ...(r.stripPrefix && r.path !== '/' ? [{
              type: gwapi.HttpRouteSpecRulesFiltersType.URL_REWRITE,
              urlRewrite: { path: { type: gwapi.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: '/' } },
            }] : []),
            ...headerFilter(gwapi.HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER, 'requestHeaderModifier', r.requestHeaders),
            ...headerFilter(gwapi.HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER, 'responseHeaderModifier', r.responseHeaders),
          ];
          new gwapi.HttpRoute(chart, `route-${r.name}`, {
            metadata: meta(objName),
            spec: {
              parentRefs,
              ...(hostnames ? { hostnames } : {}),
              rules: [{
                matches,
                ...(filters.length > 0 ? { filters: filters as gwapi.HttpRouteSpecRulesFilters[] } : {}),
                backendRefs: [backendRef],
                ...(r.timeoutMillis !== undefined ? { timeouts: { request: gatewayApiDuration(r.timeoutMillis) } } : {}),
              }],
            },
          });
        }
        if (!envoy) return;
        const targetRefs = [{ group: GROUP, kind, name: objName }];
        const security = this.securitySpec(settings, r);
        if (security) new eg.SecurityPolicy(chart, `security-policy-${r.name}`, { metadata: meta(objName), spec: { targetRefs, ...security } });
        const traffic = this.trafficSpec(r);
        if (traffic) new eg.BackendTrafficPolicy(chart, `backend-traffic-policy-${r.name}`, { metadata: meta(objName), spec: { targetRefs, ...traffic } });
      },
    };
  }

  /** SecurityPolicy fields: IP lists and CORS of the gateway, the route's JWT. */
  private securitySpec(settings: ResolvedGatewaySettings, r: ResolvedRoute | undefined): Omit<eg.SecurityPolicySpec, 'targetRefs'> | undefined {
    const rules: eg.SecurityPolicySpecAuthorizationRules[] = [];
    if (settings.ipDenyList.length > 0) {
      rules.push({ name: 'ip-deny-list', action: eg.SecurityPolicySpecAuthorizationRulesAction.DENY, principal: { clientCidRs: settings.ipDenyList } });
    }
    if (settings.ipAllowList.length > 0) {
      rules.push({ name: 'ip-allow-list', action: eg.SecurityPolicySpecAuthorizationRulesAction.ALLOW, principal: { clientCidRs: settings.ipAllowList } });
    }
    const authorization = rules.length > 0 ? {
      defaultAction: settings.ipAllowList.length > 0
        ? eg.SecurityPolicySpecAuthorizationDefaultAction.DENY
        : eg.SecurityPolicySpecAuthorizationDefaultAction.ALLOW,
      rules,
    } : undefined;
    const c = settings.cors;
    const cors = c ? {
      allowOrigins: c.allowOrigins,
      allowMethods: c.allowMethods,
      allowHeaders: c.allowHeaders,
      maxAge: `${c.maxAgeSeconds}s`,
      allowCredentials: c.allowCredentials,
    } : undefined;
    const jwtOptions = r?.auth?.kind === GatewayAuthKind.JWT ? r.auth.jwtOptions : undefined;
    const jwt = jwtOptions ? {
      providers: [{
        name: 'jwt',
        issuer: jwtOptions.issuer,
        ...(jwtOptions.audiences && jwtOptions.audiences.length > 0 ? { audiences: [...jwtOptions.audiences].sort() } : {}),
        remoteJwks: { uri: jwtOptions.jwksUri! },
      }],
    } : undefined;
    if (r && !jwt) return undefined; // the gateway-wide policy covers routes without their own auth
    if (!authorization && !cors && !jwt) return undefined;
    return { ...(authorization ? { authorization } : {}), ...(cors ? { cors } : {}), ...(jwt ? { jwt } : {}) };
  }

  /** BackendTrafficPolicy fields: rate limit, retries, circuit breaking, gRPC timeout. */
  private trafficSpec(r: ResolvedRoute): Omit<eg.BackendTrafficPolicySpec, 'targetRefs'> | undefined {
    const out: Record<string, unknown> = {};
    if (r.rateLimitPerMinute !== undefined) {
      out.rateLimit = {
        type: eg.BackendTrafficPolicySpecRateLimitType.LOCAL,
        local: { rules: [{ limit: { requests: r.rateLimitPerMinute, unit: eg.BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.MINUTE } }] },
      };
    }
    if (r.retries) {
      out.retry = {
        numRetries: r.retries.attempts,
        ...(r.retries.perTryTimeoutMillis !== undefined ? { perRetry: { timeout: gatewayApiDuration(r.retries.perTryTimeoutMillis) } } : {}),
        retryOn: {
          triggers: [
            eg.BackendTrafficPolicySpecRetryRetryOnTriggers.CONNECT_HYPHEN_FAILURE,
            eg.BackendTrafficPolicySpecRetryRetryOnTriggers.RETRIABLE_HYPHEN_STATUS_HYPHEN_CODES,
          ],
          httpStatusCodes: [502, 503, 504],
        },
      };
    }
    const cb = r.circuitBreaker;
    if (cb) {
      if (cb.maxConnections !== undefined || cb.maxPendingRequests !== undefined) {
        out.circuitBreaker = {
          ...(cb.maxConnections !== undefined ? { maxConnections: cb.maxConnections } : {}),
          ...(cb.maxPendingRequests !== undefined ? { maxPendingRequests: cb.maxPendingRequests } : {}),
        };
      }
      out.healthCheck = { passive: { consecutive5XxErrors: cb.consecutiveErrors, baseEjectionTime: `${cb.openSeconds}s` } };
    }
    if (r.grpc && r.timeoutMillis !== undefined) out.timeout = { http: { requestTimeout: gatewayApiDuration(r.timeoutMillis) } };
    return Object.keys(out).length > 0 ? out as Omit<eg.BackendTrafficPolicySpec, 'targetRefs'> : undefined;
  }
}

function headerFilter<T extends string>(type: T, field: string, h: ResolvedHeaders | undefined): Array<Record<string, unknown> & { type: T }> {
  if (!h) return [];
  return [{
    type,
    [field]: {
      ...(h.set.length > 0 ? { set: h.set.map(([name, value]) => ({ name, value })) } : {}),
      ...(h.remove.length > 0 ? { remove: h.remove } : {}),
    },
  }];
}
