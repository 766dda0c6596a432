import { App } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { K8sObject, newTestApp, synthApp } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

/**
 * Over every example and every engine: the authorization objects admit exactly the connections
 * of the architecture's graph (every `uses()` edge, gateway routes when present, the components'
 * internal wiring, the scraper) between enrolled workloads, and nothing else; the NetworkPolicies
 * open the mesh's own port for each of them. Enrolment is read back from the output (namespace
 * and pod labels/annotations), independently of the library's decision code.
 */
const ENGINES: Record<string, () => arch.IMeshEngine> = {
  'istio-sidecar': () => arch.MeshEngine.istio(),
  'istio-ambient': () => arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT }),
  'linkerd': () => arch.MeshEngine.linkerd(),
};
/** The mesh's own wiring (not calls between workloads). */
const MESH_PORTS = new Set([15008, 4143, 15020]);

type Kind = 'istio-sidecar' | 'istio-ambient' | 'linkerd';

function kindOf(mesh: arch.Mesh): Kind {
  if (mesh.kind === arch.MeshKind.LINKERD) return 'linkerd';
  return mesh.istioMode === arch.IstioDataPlaneMode.AMBIENT ? 'istio-ambient' : 'istio-sidecar';
}

function podTemplate(o: K8sObject): any {
  if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)) return o.spec.template;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template;
  return undefined;
}

function selectorKey(ns: string, selector: Record<string, string>): string {
  return `${ns}/${JSON.stringify(Object.keys(selector).sort().map((k) => [k, selector[k]]))}`;
}

/** Whether the pods of `w` run in the mesh, read from the synthesized objects. */
function enrolledInOutput(kind: Kind, objects: K8sObject[], w: arch.IWorkload, architecture: arch.BackendArchitecture): boolean {
  // A controller's data plane is not in the output: its membership is what the program states.
  const reg = architecture._workloadList.find((r) => r.workload === w);
  if (reg?.external) return reg.externalInMesh === true;
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === w.namespace)!;
  const controllers = objects.filter((o) => {
    const t = podTemplate(o);
    return t && o.metadata.namespace === w.namespace && Object.entries(w.podSelector).every(([k, v]) => t.metadata.labels?.[k] === v);
  });
  expect(controllers.length).toBeGreaterThan(0);
  const t = podTemplate(controllers[0]);
  if (controllers[0].kind === 'DaemonSet') return false;
  const l = t.metadata.labels ?? {};
  const a = t.metadata.annotations ?? {};
  const nsl = ns.metadata.labels ?? {};
  const nsa = ns.metadata.annotations ?? {};
  switch (kind) {
    case 'istio-sidecar':
      return (nsl['istio-injection'] === 'enabled' || nsl['istio.io/rev'] !== undefined)
        ? l['sidecar.istio.io/inject'] !== 'false'
        : l['sidecar.istio.io/inject'] === 'true' || l['istio.io/rev'] !== undefined;
    case 'istio-ambient':
      return nsl['istio.io/dataplane-mode'] === 'ambient' ? l['istio.io/dataplane-mode'] !== 'none' : l['istio.io/dataplane-mode'] === 'ambient';
    case 'linkerd':
      return nsa['linkerd.io/inject'] === 'enabled' ? a['linkerd.io/inject'] !== 'disabled' : a['linkerd.io/inject'] === 'enabled';
  }
}

/** `provider <- principal : port` for every call the authorization objects admit. */
function admitted(kind: Kind, objects: K8sObject[], a: arch.BackendArchitecture): Set<string> {
  const out = new Set<string>();
  const mine = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/part-of'] === a.name;
  if (kind !== 'linkerd') {
    for (const p of objects.filter((o) => o.apiVersion === 'security.istio.io/v1' && o.kind === 'AuthorizationPolicy' && mine(o))) {
      expect(p.spec.action).toBe('ALLOW');
      // a policy on a Service is enforced by its waypoint
      const provider = p.spec.targetRefs
        ? `waypoint:${p.metadata.namespace}/${p.spec.targetRefs[0].name}`
        : selectorKey(p.metadata.namespace!, p.spec.selector.matchLabels);
      for (const rule of p.spec.rules ?? []) {
        if (!rule.from) { // a public port (a gateway's listener): any caller
          for (const port of rule.to[0].operation.ports) out.add(`${provider} <- * : ${port}`);
          continue;
        }
        expect(Object.keys(rule).sort()).toEqual(['from', 'to']);
        for (const from of rule.from) {
          expect(Object.keys(from.source)).toEqual(['principals']);
          for (const principal of from.source.principals) {
            for (const to of rule.to) {
              expect(Object.keys(to.operation)).toEqual(['ports']);
              for (const port of to.operation.ports) out.add(`${provider} <- ${principal} : ${port}`);
            }
          }
        }
      }
    }
    return out;
  }
  const byName = (kindName: string, ns: string, name: string) =>
    objects.find((o) => o.kind === kindName && o.metadata.namespace === ns && o.metadata.name === name);
  for (const server of objects.filter((o) => o.kind === 'Server' && mine(o) && o.spec.accessPolicy !== 'deny')) {
    expect(server.spec.accessPolicy).toBe('all-unauthenticated');
    out.add(`${selectorKey(server.metadata.namespace!, server.spec.podSelector.matchLabels)} <- * : ${server.spec.port}`);
  }
  for (const p of objects.filter((o) => o.apiVersion === 'policy.linkerd.io/v1alpha1' && o.kind === 'AuthorizationPolicy' && mine(o))) {
    const ns = p.metadata.namespace!;
    let server = p.spec.targetRef.kind === 'Server' ? byName('Server', ns, p.spec.targetRef.name) : undefined;
    if (p.spec.targetRef.kind === 'HTTPRoute') {
      const route = byName('HTTPRoute', ns, p.spec.targetRef.name)!;
      server = byName('Server', ns, route.spec.parentRefs[0].name);
      if (p.spec.requiredAuthenticationRefs[0].kind === 'NetworkAuthentication') {
        // the only unauthenticated route: the kubelet's gRPC health check
        expect(route.spec.rules).toEqual([{ matches: [{ method: 'POST', path: { type: 'Exact', value: '/grpc.health.v1.Health/Check' } }] }]);
        continue;
      }
    }
    expect(server).toBeDefined();
    expect(server!.spec.accessPolicy).toBe('deny');
    const provider = selectorKey(ns, server!.spec.podSelector.matchLabels);
    for (const ref of p.spec.requiredAuthenticationRefs) {
      expect(ref.kind).toBe('MeshTLSAuthentication');
      const authn = byName('MeshTLSAuthentication', ns, ref.name)!;
      for (const id of authn.spec.identityRefs) {
        out.add(`${provider} <- ${a.clusterDomain}/ns/${id.namespace}/sa/${id.name} : ${server!.spec.port}`);
      }
    }
  }
  return out;
}

/** What the graph says should be admitted. */
function expected(kind: Kind, objects: K8sObject[], a: arch.BackendArchitecture): Set<string> {
  const out = new Set<string>();
  const enrolled = (w: arch.IWorkload) => enrolledInOutput(kind, objects, w, a);
  const principal = (w: arch.IWorkload) => `${a.clusterDomain}/ns/${w.namespace}/sa/${w.serviceAccountName}`;
  const registered = new Set(a._workloadList.map((r) => r.workload));
  const add = (provider: arch.IWorkload, consumer: arch.IWorkload, ports: arch.NetworkPort[]) => {
    // the mesh's own hops (an ambient waypoint) are not workloads of the graph
    if (!registered.has(consumer) || !registered.has(provider)) return;
    if (!enrolled(provider) || !enrolled(consumer)) return;
    for (const p of ports) {
      if ((p.protocol ?? arch.Protocol.TCP) !== arch.Protocol.TCP || MESH_PORTS.has(p.port)) continue;
      out.add(`${selectorKey(provider.namespace, provider.podSelector)} <- ${principal(consumer)} : ${p.port}`);
    }
  };
  for (const c of a._connectionList) add(c.provider, c.consumer, c.ports);
  for (const e of a.edges) add(e.provider, e.consumer, e.ports);
  for (const r of a._workloadList) add(r.workload, r.workload, r.peerPorts);
  for (const r of a._workloadList) {
    if (!enrolled(r.workload)) continue;
    for (const p of r.publicPorts) out.add(`${selectorKey(r.workload.namespace, r.workload.podSelector)} <- * : ${p}`);
  }
  if (kind !== 'istio-ambient') return out;
  // Ambient services behind a waypoint: the waypoint checks the callers (policy on the Service),
  // the pods accept the waypoint; the scraper and the members still reach the pods directly.
  const rewritten = new Set<string>();
  for (const grant of out) {
    const [providerKey, rest] = grant.split(' <- ');
    const [principalText, port] = rest.split(' : ');
    if (principalText === '*') {
      rewritten.add(grant);
      continue;
    }
    const provider = a._workloadList.find((r) => selectorKey(r.workload.namespace, r.workload.podSelector) === providerKey)!;
    const w = provider.workload;
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === w.namespace && o.metadata.name === w.componentName);
    const scraper = a._workloadList.find((r) => r.kind === 'prometheus');
    const isDirect = principalText === principal(w) || (scraper !== undefined && principalText === principal(scraper.workload));
    if (!service?.metadata.labels?.['istio.io/use-waypoint'] || isDirect) {
      rewritten.add(grant);
      continue;
    }
    rewritten.add(`waypoint:${w.namespace}/${w.componentName} <- ${principalText} : ${port}`);
    rewritten.add(`${providerKey} <- ${a.clusterDomain}/ns/${w.namespace}/sa/${service.metadata.labels['istio.io/use-waypoint']} : ${port}`);
  }
  return rewritten;
}

/** For ambient and Linkerd: the provider's NetworkPolicies admit each enrolled caller on the mesh port. */
function meshPortOpen(kind: Kind, objects: K8sObject[], a: arch.BackendArchitecture): string[] {
  if (kind === 'istio-sidecar') return [];
  const port = kind === 'linkerd' ? 4143 : 15008;
  const missing: string[] = [];
  for (const grant of expected(kind, objects, a)) {
    let [providerKey, rest] = grant.split(' <- ');
    const [principalText] = rest.split(' : ');
    if (principalText === '*') continue; // public ports: the gateway's own NetworkPolicy admits its clients
    const m = /\/ns\/([^/]+)\/sa\/(.+)$/.exec(principalText)!;
    const waypointPods = { namespace: m[1], podSelector: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } };
    const consumer = a._workloadList.find((r) => r.workload.namespace === m[1] && r.workload.serviceAccountName === m[2])?.workload ?? waypointPods;
    if (providerKey.startsWith('waypoint:')) providerKey = selectorKey(providerKey.slice(9).split('/')[0], waypointPods.podSelector);
    const ok = objects.some((p) => p.kind === 'NetworkPolicy' && p.spec.podSelector?.matchLabels
      && selectorKey(p.metadata.namespace!, p.spec.podSelector.matchLabels) === providerKey
      && (p.spec.ingress ?? []).some((rule: any) => rule.ports?.some((x: any) => x.port === port) && rule.from?.some((peer: any) => {
        const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? p.metadata.namespace;
        const consumerKey = selectorKey(consumer.namespace, consumer.podSelector);
        return peer.podSelector?.matchLabels && selectorKey(ns, peer.podSelector.matchLabels) === consumerKey;
      })));
    if (!ok) missing.push(`${grant} (no ingress on ${port})`);
  }
  return missing;
}

function architectures(app: App): arch.BackendArchitecture[] {
  return app.node.findAll().filter((c) => arch.BackendArchitecture.isBackendArchitecture(c)) as arch.BackendArchitecture[];
}

function verify(app: App): void {
  const r = synthApp(app);
  expect(checkAll(r.objects)).toEqual([]);
  let total = 0;
  for (const a of architectures(app)) {
    const mesh = arch.Mesh.of(a)!;
    const kind = kindOf(mesh);
    const want = [...expected(kind, r.objects, a)].sort();
    const got = [...admitted(kind, r.objects, a)].sort();
    expect(got).toEqual(want);
    total += got.length;
    expect(meshPortOpen(kind, r.objects, a)).toEqual([]);
    // every declared edge between enrolled workloads is admitted
    for (const e of a.edges) {
      if (!enrolledInOutput(kind, r.objects, e.provider, a) || !enrolledInOutput(kind, r.objects, e.consumer, a)) continue;
      for (const p of e.ports) {
        const from = `${a.clusterDomain}/ns/${e.consumer.namespace}/sa/${e.consumer.serviceAccountName} : ${p.port}`;
        const onPods = `${selectorKey(e.provider.namespace, e.provider.podSelector)} <- ${from}`;
        const onWaypoint = `waypoint:${e.provider.namespace}/${e.provider.componentName} <- ${from}`;
        expect(got.includes(onPods) || got.includes(onWaypoint)).toBe(true);
      }
    }
  }
  expect(total).toBeGreaterThan(0); // not vacuous: some calls run inside the mesh
}

const CASES: Array<[string, string]> = [];
for (const name of EXAMPLES) {
  if (name === 'meshes') CASES.push([name, 'as declared']);
  else for (const engine of Object.keys(ENGINES)) CASES.push([name, engine]);
}

test.each(CASES)('example %s with %s: authorization admits exactly the graph', (name, engine) => {
  const app = newTestApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(`../examples/${name}`);
  if (name === 'reference-architecture') {
    example.build(app, arch.Profile.PRODUCTION, ENGINES[engine]());
  } else {
    example.build(app);
  }
  for (const a of architectures(app)) {
    if (!arch.Mesh.of(a)) new arch.Mesh(a, 'mesh', { engine: ENGINES[engine]() });
  }
  verify(app);
});

test('every example architecture is covered', () => {
  expect(CASES.length).toBe((EXAMPLES.length - 1) * 3 + 1);
});
