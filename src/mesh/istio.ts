import * as kplus from 'cdk8s-plus-28';
import { SCRAPER_KIND } from './decisions';
import { IstioDataPlaneMode } from './engine';
import { duration, fqdn, groupedGrants, MeshModel, microservicePorts, tcpPorts } from './model';
import { BindingTrafficPolicy, TrafficPolicy } from './traffic-policy';
import { GATEWAY_NAME_LABEL, Waypoint } from './waypoint';
import { IWorkload, Protocol } from '../architecture/binding';
import * as net from '../imports/networking.istio.io';
import * as sec from '../imports/security.istio.io';
import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { NAMESPACE_NAME_LABEL } from '../internal/network';
import { ANNOTATION_SCRAPE_PATH, ANNOTATION_SCRAPE_PORT } from '../internal/stateful-cluster';
import { Microservice } from '../microservice/microservice';

const k8s = kplus.k8s;
const PERMISSIVE = sec.PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE;
/** istiod's xDS and certificate port (TLS), which every sidecar dials. */
export const ISTIOD_XDS_PORT = 15012;
/** The ambient HBONE tunnel port every meshed pod accepts. */
export const HBONE_PORT = 15008;
/** The sidecar agent's merged Prometheus endpoint (not captured, so outside mutual TLS). */
export const MERGED_METRICS_PORT = 15020;
/** The name of the ambient waypoint Gateway of a namespace. */
export const WAYPOINT_NAME = 'waypoint';
/** The link-local address istio-cni SNATs kubelet probes to in ambient mode. */
export const AMBIENT_PROBE_SOURCE = '169.254.7.127/32';

/** Istio's objects for the mesh (sidecar or ambient). */
export function renderIstio(model: MeshModel): void {
  const { chart, architecture: arch, engine } = model;
  const sidecar = engine.istioMode === IstioDataPlaneMode.SIDECAR;
  const labels = { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
  const trustDomain = arch.clusterDomain;
  const principal = (w: IWorkload) => `${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccountName}`;

  // Ambient: services with L7 traffic policy are served through a waypoint in their namespace.
  const waypoints = new Map<string, Waypoint>();
  const behindWaypoint = new Map<IWorkload, Waypoint>();
  if (!sidecar) {
    for (const { service, policy } of model.servicePolicies) {
      let waypoint = waypoints.get(service.namespace);
      if (!waypoint) {
        waypoint = new Waypoint(model.mesh, `waypoint-${service.namespace}`, arch, service.namespace, WAYPOINT_NAME, chart);
        waypoints.set(service.namespace, waypoint);
      }
      for (const s of [service, ...(policy.canary ? [policy.canary.canary] : [])]) {
        behindWaypoint.set(s, waypoint);
        model.memberOf(s)!.reg.services.filter((x) => !x.headless).forEach((x) => x.addLabels({ 'istio.io/use-waypoint': WAYPOINT_NAME }));
      }
    }
  }
  /** Callers that reach a waypoint-served workload by pod address (the scraper, its own members) bypass the waypoint. */
  const direct = (provider: IWorkload, consumer: IWorkload) => consumer === provider || model.memberOf(consumer)?.reg.kind === SCRAPER_KIND;

  for (const m of model.enrolled) {
    const w = m.reg.workload;
    const name = w.serviceAccountName;
    const metadata = { name, namespace: w.namespace, labels };
    const selector = { matchLabels: w.podSelector };
    const waypoint = behindWaypoint.get(w);

    // STRICT comes from the namespace's policy (below); public ports (a gateway's listeners) take
    // plaintext from outside the architecture: a workload policy overrides them, port by port.
    const publicPorts = [...m.reg.publicPorts].sort((a, b) => a - b);
    if (publicPorts.length > 0) {
      new sec.PeerAuthentication(chart, `${w.namespace}-${name}-peer-authentication`, {
        metadata,
        spec: {
          selector,
          mtls: { mode: sec.PeerAuthenticationSpecMtlsMode.STRICT },
          portLevelMtls: Object.fromEntries(publicPorts.map((p) => [String(p), { mode: PERMISSIVE }])),
        },
      });
    }

    // ALLOW with exactly the graph's callers: any request matching no rule is denied.
    const allGrants = model.grants.get(w) ?? [];
    const toRules = (grants: typeof allGrants) => groupedGrants(grants).map((g) => ({
      from: [{ source: { principals: g.consumers.map(principal) } }],
      to: [{ operation: { ports: g.ports.map(String) } }],
    }));
    const rules: sec.AuthorizationPolicySpecRules[] = toRules(waypoint ? allGrants.filter((g) => direct(w, g.consumer)) : allGrants);
    if (publicPorts.length > 0) rules.push({ to: [{ operation: { ports: publicPorts.map(String) } }] }); // any caller
    if (waypoint) {
      // the pods accept the waypoint, which enforces the callers' identities (policy on the Service)
      const ports = [...new Set(allGrants.filter((g) => !direct(w, g.consumer)).flatMap((g) => [...g.ports]))].sort((a, b) => a - b);
      if (ports.length > 0) {
        rules.push({ from: [{ source: { principals: [principal(waypoint)] } }], to: [{ operation: { ports: ports.map(String) } }] });
      }
      const viaWaypoint = toRules(allGrants.filter((g) => !direct(w, g.consumer)));
      new sec.AuthorizationPolicy(chart, `${w.namespace}-${name}-waypoint-authorization-policy`, {
        metadata: { ...metadata, name: `${name}-waypoint` },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: w.componentName }],
          action: sec.AuthorizationPolicySpecAction.ALLOW,
          ...(viaWaypoint.length > 0 ? { rules: viaWaypoint } : {}),
        },
      });
    }
    new sec.AuthorizationPolicy(chart, `${w.namespace}-${name}-authorization-policy`, {
      metadata,
      spec: { selector, action: sec.AuthorizationPolicySpecAction.ALLOW, ...(rules.length > 0 ? { rules } : {}) },
    });

    if (sidecar) {
      // Egress scoping: the sidecar learns only the hosts its workload calls (and the control plane).
      const hosts = new Set<string>([`${engine.controlPlaneNamespace}/*`]);
      for (const p of model.calls.get(w) ?? []) {
        const reg = model.memberOf(p)?.reg;
        for (const s of reg?.services ?? []) hosts.add(`${p.namespace}/${fqdn(arch, s.name, p.namespace)}`);
      }
      new net.Sidecar(chart, `${w.namespace}-${name}-sidecar`, {
        metadata,
        spec: { workloadSelector: { labels: w.podSelector }, egress: [{ hosts: [...hosts].sort() }] },
      });
    }
  }

  for (const ns of model.namespaces) {
    // Mutual TLS STRICT for every proxied workload of the namespace (pods without a proxy are not
    // affected): one policy per namespace rather than one per workload.
    new sec.PeerAuthentication(chart, `${ns}-strict-mtls`, {
      metadata: { name: 'strict-mtls', namespace: ns, labels },
      spec: { mtls: { mode: sec.PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    if (sidecar) {
      new k8s.KubeNetworkPolicy(chart, `${ns}-mesh-control-plane`, {
        metadata: { name: 'allow-mesh-control-plane', namespace: ns, labels },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: engine.controlPlaneNamespace } }, podSelector: { matchLabels: { app: 'istiod' } } }],
            ports: [{ port: k8s.IntOrString.fromNumber(ISTIOD_XDS_PORT), protocol: 'TCP' }],
          }],
        },
      });
    }
  }

  if (sidecar) {
    mergedScraping(model);
  } else {
    // Ambient: callers reach meshed pods over HBONE (through the waypoint for the services behind
    // one); kubelet probes arrive SNATed to a link-local address.
    const hbone = [{ port: HBONE_PORT, protocol: Protocol.TCP }];
    for (const [provider, grants] of model.grants) {
      const waypoint = behindWaypoint.get(provider);
      for (const g of grants) {
        if (g.ports.size === 0) continue;
        const hop = waypoint && !direct(provider, g.consumer) ? waypoint : provider;
        g.consumer.allowEgressTo(hop, hbone);
        hop.allowIngressFrom(g.consumer, hbone);
        if (hop !== provider) {
          hop.allowEgressTo(provider, hbone);
          provider.allowIngressFrom(hop, hbone);
        }
      }
    }
    for (const [ns, waypoint] of waypoints) {
      new k8s.KubeNetworkPolicy(chart, `${ns}-waypoint-control-plane`, {
        metadata: { name: `${waypoint.componentName}-control-plane`, namespace: ns, labels },
        spec: {
          podSelector: { matchExpressions: [{ key: GATEWAY_NAME_LABEL, operator: 'In', values: [waypoint.componentName] }] },
          policyTypes: ['Egress'],
          egress: [{
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: engine.controlPlaneNamespace } }, podSelector: { matchLabels: { app: 'istiod' } } }],
            ports: [{ port: k8s.IntOrString.fromNumber(ISTIOD_XDS_PORT), protocol: 'TCP' }],
          }],
        },
      });
    }
    for (const m of model.enrolled) {
      const ports = tcpPorts(m.reg.ports.map((p) => ({ port: p.port, protocol: p.protocol })));
      if (ports.length === 0) continue;
      const w = m.reg.workload;
      new k8s.KubeNetworkPolicy(chart, `${w.namespace}-${w.serviceAccountName}-ambient-probes`, {
        metadata: { name: `${w.serviceAccountName}-kubelet-probes`, namespace: w.namespace, labels },
        spec: {
          podSelector: { matchLabels: w.podSelector },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ ipBlock: { cidr: AMBIENT_PROBE_SOURCE } }], ports: ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p), protocol: 'TCP' })) }],
        },
      });
    }
  }

  renderTrafficPolicies(model);
}

/**
 * Istio sidecar mode: Prometheus stays outside the mesh and scrapes each meshed microservice's
 * sidecar agent on 15020, which merges the application's metrics (read from the standard
 * `prometheus.io/*` annotations at injection) with the proxy's. The library's scrape annotations
 * point there; the NetworkPolicies admit the scraper on 15020.
 */
function mergedScraping(model: MeshModel): void {
  // The scrapers' connections, by provider (one pass: there are thousands of connections).
  const scrapedBy = new Map<IWorkload, typeof model.connections>();
  for (const c of model.connections) {
    if (model.memberOf(c.consumer)?.reg.kind !== SCRAPER_KIND) continue;
    const list = scrapedBy.get(c.provider) ?? [];
    list.push(c);
    scrapedBy.set(c.provider, list);
  }
  for (const m of model.enrolled) {
    const t = m.reg.telemetry;
    const scrapers = scrapedBy.get(m.reg.workload) ?? [];
    if (scrapers.length === 0) continue;
    if (!t) {
      // a platform Deployment's metrics port (the collector's Prometheus exporter): plaintext
      // from the scraper outside the mesh, around the sidecar; the NetworkPolicy still admits only
      // the scraper on that port
      const ports = [...new Set(scrapers.flatMap((c) => c.ports.map((p) => p.port)))].sort((a, b) => a - b);
      m.reg.addPodAnnotations({ 'traffic.sidecar.istio.io/excludeInboundPorts': ports.join(',') });
      continue;
    }
    if (!t.metrics || !t.scraping) continue;
    m.reg.addPodAnnotations({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(t.metrics.port),
      'prometheus.io/path': t.metrics.path,
      'prometheus.istio.io/merge-metrics': 'true',
      [ANNOTATION_SCRAPE_PORT]: String(MERGED_METRICS_PORT),
      [ANNOTATION_SCRAPE_PATH]: '/stats/prometheus',
    });
    for (const s of new Set(scrapers.map((c) => c.consumer))) {
      s.allowEgressTo(m.reg.workload, [{ port: MERGED_METRICS_PORT, protocol: Protocol.TCP }]);
      m.reg.workload.allowIngressFrom(s, [{ port: MERGED_METRICS_PORT, protocol: Protocol.TCP }]);
    }
  }
}

const HTTP_RETRY_ON = '5xx,connect-failure,refused-stream,reset';
const GRPC_RETRY_ON = 'unavailable,cancelled,connect-failure,refused-stream,reset';

/** DestinationRules (outlier detection, connection pools) and VirtualServices (timeouts, retries, canaries). */
function renderTrafficPolicies(model: MeshModel): void {
  const { chart, architecture: arch, mesh } = model;
  const labels = { [LABEL_PART_OF]: arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
  const services = new Map<Microservice, { policy?: TrafficPolicy; bindings: Array<{ consumer: IWorkload; policy: BindingTrafficPolicy }> }>();
  for (const p of model.servicePolicies) services.set(p.service, { policy: p.policy, bindings: [] });
  for (const b of model.bindingPolicies) {
    const entry = services.get(b.service) ?? { bindings: [] };
    entry.bindings.push({ consumer: b.consumer, policy: b.policy });
    services.set(b.service, entry);
  }

  for (const [service, { policy, bindings }] of services) {
    const ns = service.namespace;
    const host = fqdn(arch, service.componentName, ns);
    const metadata = { name: service.componentName, namespace: ns, labels };
    const trafficPolicy = policy ? destinationPolicy(mesh, policy) : undefined;
    if (trafficPolicy) {
      new net.DestinationRule(chart, `${ns}-${service.componentName}-destination-rule`, { metadata, spec: { host, trafficPolicy } });
      const canary = policy?.canary?.canary;
      if (canary) {
        new net.DestinationRule(chart, `${ns}-${canary.componentName}-destination-rule`, {
          metadata: { ...metadata, name: canary.componentName },
          spec: { host: fqdn(arch, canary.componentName, ns), trafficPolicy },
        });
      }
    }
    const needsRoutes = bindings.length > 0 || (policy && (policy.timeout || policy.retries || policy.canary));
    if (!needsRoutes) continue;

    const canary = policy?.canary;
    const http: net.VirtualServiceSpecHttp[] = [];
    const tcp: net.VirtualServiceSpecTcp[] = [];
    for (const port of microservicePorts(service)) {
      const destinations = canary
        ? [
          { destination: { host, port: { number: port.port } }, weight: canary.stableWeight },
          { destination: { host: fqdn(arch, canary.canary.componentName, ns), port: { number: port.port } }, weight: canary.canaryWeight },
        ]
        : [{ destination: { host, port: { number: port.port } } }];
      if (port.appProtocol === 'tcp') {
        if (canary) tcp.push({ match: [{ port: port.port }], route: destinations });
        continue;
      }
      const retryOn = port.appProtocol === 'grpc' ? GRPC_RETRY_ON : HTTP_RETRY_ON;
      const routes = (p: BindingTrafficPolicy | undefined, source: Record<string, unknown>): net.VirtualServiceSpecHttp[] => {
        const timeout = p?.timeout ? { timeout: duration(mesh, 'timeout', p.timeout) } : {};
        const r = p?.retries;
        const retries = r ? {
          retries: {
            attempts: r.attempts,
            retryOn,
            ...(r.perTryTimeout ? { perTryTimeout: duration(mesh, 'perTryTimeout', r.perTryTimeout) } : {}),
          },
        } : {};
        if (r?.methods) {
          return [
            { match: r.methods.map((m) => ({ port: port.port, method: { exact: m }, ...source })), ...timeout, ...retries, route: destinations },
            { match: [{ port: port.port, ...source }], ...timeout, route: destinations },
          ];
        }
        return [{ match: [{ port: port.port, ...source }], ...timeout, ...retries, route: destinations }];
      };
      for (const b of bindings) {
        http.push(...routes(b.policy, { sourceLabels: b.consumer.podSelector, sourceNamespace: b.consumer.namespace }));
      }
      http.push(...routes(policy, {}));
    }
    new net.VirtualService(chart, `${ns}-${service.componentName}-virtual-service`, {
      metadata,
      spec: { hosts: [host], ...(http.length > 0 ? { http } : {}), ...(tcp.length > 0 ? { tcp } : {}) },
    });
  }
}

function destinationPolicy(mesh: MeshModel['mesh'], policy: TrafficPolicy): net.DestinationRuleSpecTrafficPolicy | undefined {
  const od = policy.outlierDetection;
  const cp = policy.connectionPool;
  if (!od && !cp) return undefined;
  return {
    ...(cp ? {
      connectionPool: {
        ...(cp.maxConnections !== undefined ? { tcp: { maxConnections: cp.maxConnections } } : {}),
        ...(cp.maxPendingRequests !== undefined || cp.maxRequestsPerConnection !== undefined ? {
          http: {
            ...(cp.maxPendingRequests !== undefined ? { http1MaxPendingRequests: cp.maxPendingRequests } : {}),
            ...(cp.maxRequestsPerConnection !== undefined ? { maxRequestsPerConnection: cp.maxRequestsPerConnection } : {}),
          },
        } : {}),
      },
    } : {}),
    ...(od ? {
      outlierDetection: {
        consecutive5XxErrors: od.consecutiveErrors,
        interval: od.interval ? duration(mesh, 'interval', od.interval) : '10s',
        baseEjectionTime: od.baseEjectionTime ? duration(mesh, 'baseEjectionTime', od.baseEjectionTime) : '30s',
        maxEjectionPercent: od.maxEjectionPercent ?? 50,
      },
    } : {}),
  };
}
