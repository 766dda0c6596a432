import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { duration, Grant, MeshModel, microservicePorts } from './model';
import { BindingTrafficPolicy } from './traffic-policy';
import { IWorkload, Protocol } from '../architecture/binding';
import * as pol from '../imports/policy.linkerd.io';
import { fail } from '../internal/errors';
import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { objectName } from '../internal/names';
import { NAMESPACE_NAME_LABEL } from '../internal/network';

const k8s = kplus.k8s;
/** The proxy's inbound port: meshed traffic arrives there (the original port is restored inside the pod). */
export const LINKERD_INBOUND_PORT = 4143;
/** linkerd-identity (certificates). */
export const LINKERD_IDENTITY_PORT = 8080;
/** linkerd-dst (service discovery). */
export const LINKERD_DESTINATION_PORT = 8086;
/** linkerd-policy (inbound and outbound policy), served by the destination pods. */
export const LINKERD_POLICY_PORT = 8090;
const GRPC_HEALTH_PATH = '/grpc.health.v1.Health/Check';
const POLICY_GROUP = 'policy.linkerd.io';

const PROXY_PROTOCOL: Record<string, string> = { http: 'HTTP/1', http2: 'HTTP/2', grpc: 'gRPC', tcp: 'opaque' };

/** Linkerd's objects for the mesh. */
export function renderLinkerd(model: MeshModel): void {
  const { chart, architecture: arch, engine, mesh } = model;
  const labels = { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };

  for (const m of model.enrolled) {
    const w = m.reg.workload;
    const grants = model.grants.get(w) ?? [];
    for (const port of m.reg.ports) {
      if (port.protocol !== Protocol.TCP) continue;
      const server = objectName(mesh, w.serviceAccountName, port.name);
      const metadata = { name: server, namespace: w.namespace, labels };
      const proxyProtocol = port.appProtocol ? PROXY_PROTOCOL[port.appProtocol] : undefined;
      const isPublic = m.reg.publicPorts.includes(port.port);
      // A Server makes the port deny everything that no AuthorizationPolicy allows; a public port
      // (a gateway's listener) takes any caller, meshed or not.
      new pol.ServerV1Beta3(chart, `${w.namespace}-${server}-server`, {
        metadata,
        spec: {
          podSelector: { matchLabels: w.podSelector },
          port: port.port,
          accessPolicy: isPublic ? 'all-unauthenticated' : 'deny',
          ...(proxyProtocol ? { proxyProtocol } : {}),
        },
      });
      if (isPublic) continue;
      const callers = callersOn(grants, port.port);
      const grpc = port.appProtocol === 'grpc';
      if (callers.length > 0) {
        new pol.MeshTlsAuthentication(chart, `${w.namespace}-${server}-mtls-authentication`, {
          metadata,
          spec: { identityRefs: callers.map((c) => ({ kind: 'ServiceAccount', name: c.serviceAccountName, namespace: c.namespace })) },
        });
      }
      if (!grpc) {
        if (callers.length > 0) authorize(chart, metadata, { group: POLICY_GROUP, kind: 'Server', name: server }, 'MeshTLSAuthentication', server);
        continue;
      }
      // gRPC ports: Linkerd authorizes HTTP GET probe paths by itself, not the kubelet's gRPC
      // health checks. Inbound routes split the port: the health method for the probe networks,
      // everything else for the graph's callers.
      const health = objectName(mesh, server, 'health');
      const parentRefs = [{ group: POLICY_GROUP, kind: 'Server', name: server }];
      new pol.HttpRouteV1Beta3(chart, `${w.namespace}-${health}-route`, {
        metadata: { ...metadata, name: health },
        spec: {
          parentRefs,
          rules: [{
            matches: [{
              path: { type: pol.HttpRouteV1Beta3SpecRulesMatchesPathType.EXACT, value: GRPC_HEALTH_PATH },
              method: pol.HttpRouteV1Beta3SpecRulesMatchesMethod.POST,
            }],
          }],
        },
      });
      new pol.NetworkAuthentication(chart, `${w.namespace}-${health}-network-authentication`, {
        metadata: { ...metadata, name: health },
        spec: { networks: engine.probeNetworks.map((cidr) => ({ cidr })) },
      });
      authorize(chart, { ...metadata, name: health }, { group: POLICY_GROUP, kind: 'HTTPRoute', name: health }, 'NetworkAuthentication', health);
      new pol.HttpRouteV1Beta3(chart, `${w.namespace}-${server}-route`, {
        metadata,
        spec: { parentRefs, rules: [{ matches: [{ path: { type: pol.HttpRouteV1Beta3SpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }] }] },
      });
      if (callers.length > 0) authorize(chart, metadata, { group: POLICY_GROUP, kind: 'HTTPRoute', name: server }, 'MeshTLSAuthentication', server);
    }
  }

  for (const ns of model.namespaces) {
    const cp = (component: string) => ({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: engine.controlPlaneNamespace } },
      podSelector: { matchLabels: { 'linkerd.io/control-plane-component': component } },
    });
    const tcp = (p: number) => ({ port: k8s.IntOrString.fromNumber(p), protocol: 'TCP' });
    new k8s.KubeNetworkPolicy(chart, `${ns}-mesh-control-plane`, {
      metadata: { name: 'allow-mesh-control-plane', namespace: ns, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [cp('identity')], ports: [tcp(LINKERD_IDENTITY_PORT)] },
          { to: [cp('destination')], ports: [tcp(LINKERD_DESTINATION_PORT), tcp(LINKERD_POLICY_PORT)] },
        ],
      },
    });
  }

  // Meshed connections arrive on the proxy's inbound port.
  for (const [provider, grants] of model.grants) {
    for (const g of grants) {
      if (g.ports.size === 0) continue;
      g.consumer.allowEgressTo(provider, [{ port: LINKERD_INBOUND_PORT, protocol: Protocol.TCP }]);
      provider.allowIngressFrom(g.consumer, [{ port: LINKERD_INBOUND_PORT, protocol: Protocol.TCP }]);
    }
  }

  renderTrafficPolicies(model);
}

function callersOn(grants: Grant[], port: number): IWorkload[] {
  const key = (w: IWorkload) => `${w.namespace}/${w.serviceAccountName}`;
  const seen = new Map<string, IWorkload>();
  for (const g of grants) if (g.ports.has(port)) seen.set(key(g.consumer), g.consumer);
  return [...seen.keys()].sort().map((k) => seen.get(k)!);
}

function authorize(scope: Construct, metadata: { name: string; namespace: string; labels: Record<string, string> },
  targetRef: { group: string; kind: string; name: string }, authKind: string, authName: string): void {
  new pol.AuthorizationPolicy(scope, `${metadata.namespace}-${metadata.name}-${targetRef.kind.toLowerCase()}-authorization-policy`, {
    metadata,
    spec: { targetRef, requiredAuthenticationRefs: [{ group: POLICY_GROUP, kind: authKind, name: authName }] },
  });
}

/**
 * Linkerd (>= 2.16) traffic policy: failure accrual, retries and timeouts as annotations on the
 * Service (and on outbound HTTPRoutes, which override them); weighted canaries as an outbound
 * HTTPRoute (parent: the Service) with two backends. Routes are Linkerd's own
 * `policy.linkerd.io/v1beta3` HTTPRoute, so no Gateway API CRDs are needed.
 */
function renderTrafficPolicies(model: MeshModel): void {
  const { chart, architecture: arch, mesh } = model;
  const labels = { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
  for (const { service, policy } of model.servicePolicies) {
    const reg = model.memberOf(service)!.reg;
    const ports = microservicePorts(service);
    const http = ports.filter((p) => p.appProtocol === 'http' || p.appProtocol === 'http2');
    const grpc = ports.filter((p) => p.appProtocol === 'grpc');
    const serviceAnnotations: Record<string, string> = {};
    const od = policy.outlierDetection;
    if (od) {
      serviceAnnotations['balancer.linkerd.io/failure-accrual'] = 'consecutive';
      serviceAnnotations['balancer.linkerd.io/failure-accrual-consecutive-max-failures'] = String(od.consecutiveErrors);
      serviceAnnotations['balancer.linkerd.io/failure-accrual-consecutive-min-penalty'] = od.baseEjectionTime ? duration(mesh, 'baseEjectionTime', od.baseEjectionTime) : '30s';
    }
    const routeAnnotations = (p: BindingTrafficPolicy, withRetries: boolean, grpcPort: boolean): Record<string, string> => {
      const out: Record<string, string> = {};
      if (p.timeout) out['timeout.linkerd.io/request'] = duration(mesh, 'timeout', p.timeout);
      const r = p.retries;
      if (r && withRetries) {
        out[grpcPort ? 'retry.linkerd.io/grpc' : 'retry.linkerd.io/http'] = grpcPort ? 'cancelled,deadline-exceeded,unavailable' : '5xx';
        out['retry.linkerd.io/limit'] = String(r.attempts);
        if (r.perTryTimeout) out['retry.linkerd.io/timeout'] = duration(mesh, 'perTryTimeout', r.perTryTimeout);
      }
      return out;
    };
    const hasRoutes = policy.timeout !== undefined || policy.retries !== undefined || policy.canary !== undefined;
    if (hasRoutes && (grpc.length > 0 || ports.some((p) => p.appProtocol === 'tcp'))) {
      if (policy.canary) {
        fail(mesh, `the canary of ${service.bindingDescription}: Linkerd splits traffic with HTTP routes, and the service has gRPC or TCP ports`,
          'use MeshEngine.istio() for canaries of gRPC or TCP services');
      }
      // gRPC (and TCP-only) services: retries and timeouts as Service annotations.
      Object.assign(serviceAnnotations, routeAnnotations(policy, true, grpc.length > 0));
    }
    const main = reg.services.find((s) => !s.headless);
    if (Object.keys(serviceAnnotations).length > 0) main?.addAnnotations(serviceAnnotations);
    if (!hasRoutes || http.length === 0 || grpc.length > 0) continue;

    const ns = service.namespace;
    const r = policy.retries;
    for (const p of http) {
      const base = http.length === 1 ? service.componentName : objectName(mesh, service.componentName, p.name);
      const parentRefs = [{ group: 'core', kind: 'Service', name: service.componentName, port: p.port }];
      const backendRefs = policy.canary
        ? [
          { name: service.componentName, port: p.port, weight: policy.canary.stableWeight },
          { name: policy.canary.canary.componentName, port: p.port, weight: policy.canary.canaryWeight },
        ]
        : [{ name: service.componentName, port: p.port }];
      const rules = (methods?: string[]) => [{
        matches: (methods ?? [undefined]).map((method) => ({
          path: { type: pol.HttpRouteV1Beta3SpecRulesMatchesPathType.PATH_PREFIX, value: '/' },
          ...(method ? { method: method as pol.HttpRouteV1Beta3SpecRulesMatchesMethod } : {}),
        })),
        backendRefs,
      }];
      // With retries limited to some methods, a more specific route (method match) carries them.
      new pol.HttpRouteV1Beta3(chart, `${ns}-${base}-route`, {
        metadata: { name: base, namespace: ns, labels, annotations: routeAnnotations(policy, !r?.methods, false) },
        spec: { parentRefs, rules: rules() },
      });
      if (r?.methods) {
        const name = objectName(mesh, base, 'retries');
        new pol.HttpRouteV1Beta3(chart, `${ns}-${name}-route`, {
          metadata: { name, namespace: ns, labels, annotations: routeAnnotations(policy, true, false) },
          spec: { parentRefs, rules: rules(r.methods) },
        });
      }
    }
  }
}
