import { IConstruct } from 'constructs';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import type { IWorkload } from '../architecture/binding';
import { ConfigCenter } from '../config/config-center';
import { Gateway } from '../gateway/gateway';
import { compareStrings } from '../internal/names';
import { StatefulCluster } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';
import { Mesh } from '../mesh/mesh';
import { MessageQueue } from '../messaging/message-queue';
import { TopicRole } from '../messaging/topic-internal';
import { Microservice } from '../microservice/microservice';
import { ObservabilityStack } from '../observability/observability-stack';
import { Registry } from '../registry/registry';

/*
 * The architecture as plain data: what the diagram draws and what the lint checks. Built from the
 * construct graph at synth time; serializable, so the cdk8s validation plugin (which runs in the
 * cdk8s CLI's process, without the construct tree) checks exactly the same facts.
 */

/** The kinds of component. */
export type ComponentKind = 'microservice' | 'registry' | 'config-center' | 'message-queue' | 'observability' | 'gateway' | 'mesh';

/** The kinds of edge the diagram distinguishes. */
export type EdgeKind = 'call' | 'produce' | 'consume' | 'registry' | 'config' | 'route' | 'connection' | 'uses';

export interface ModelComponent {
  readonly path: string;
  readonly name: string;
  readonly kind: ComponentKind;
  /** The engine, e.g. "etcd", "kafka", "gateway-api", "istio". */
  readonly engine?: string;
  readonly namespace: string;
  /** Bounded context and team (microservices). */
  readonly context?: string;
  readonly team?: string;
  /** The output file that holds the component (its first one). */
  readonly manifest: string;
  /** Fixed replicas or the autoscaler's range (microservices). */
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Platform workloads of the component that expose metrics to the architecture's scraper. */
  readonly scrapeTargets: number;
  /** In the mesh (undefined: there is no mesh). */
  readonly inMesh?: boolean;
}

export interface ModelEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The topic (and consumer group), the route's authentication, ... */
  readonly label?: string;
  /** The edge leaves or enters the mesh: one side is meshed, the other is not. */
  readonly crossesMesh: boolean;
}

/** The pods of one workload of a component, as far as availability goes. */
export interface ModelWorkload {
  readonly component: string;
  readonly name: string;
  readonly minReplicas: number;
  /** Members form a majority quorum (Raft, ZAB). */
  readonly quorum: boolean;
  readonly stateful: boolean;
  /** Components of the architecture that call these pods (not the component's own workloads). */
  readonly dependents: string[];
}

export interface ModelTopic {
  readonly queue: string;
  readonly name: string;
  readonly replicationFactor?: number;
  readonly producers: string[];
  readonly consumers: Array<{ readonly group: string; readonly component: string }>;
}

export interface ModelRoute {
  readonly gateway: string;
  readonly target: string;
  readonly targetKind: ComponentKind;
  readonly authenticated: boolean;
  readonly description: string;
}

export interface ArchitectureModel {
  readonly version: 1;
  readonly name: string;
  readonly path: string;
  readonly profile: string;
  /** The metrics system's kind ("prometheus", "zabbix"), if any. */
  readonly metrics?: string;
  /** The mesh's engine and mode, if any (e.g. "istio sidecar"). */
  readonly mesh?: string;
  readonly components: ModelComponent[];
  readonly edges: ModelEdge[];
  readonly workloads: ModelWorkload[];
  readonly topics: ModelTopic[];
  readonly routes: ModelRoute[];
}

function kindOf(c: IConstruct): ComponentKind | undefined {
  if (c instanceof Microservice) return 'microservice';
  if (c instanceof Registry) return 'registry';
  if (c instanceof ConfigCenter) return 'config-center';
  if (c instanceof MessageQueue) return 'message-queue';
  if (c instanceof ObservabilityStack) return 'observability';
  if (c instanceof Gateway) return 'gateway';
  if (c instanceof Mesh) return 'mesh';
  return undefined;
}

/** Builds the model of `arch` (after its extensions have finalized, i.e. during validation). */
export function buildModel(arch: BackendArchitecture): ArchitectureModel {
  const all = arch.node.findAll();
  const components = new Map<IConstruct, ModelComponent>();
  let mesh: Mesh | undefined;
  let stack: ObservabilityStack | undefined;
  for (const c of all) {
    const kind = kindOf(c);
    if (!kind) continue;
    if (c instanceof Mesh) mesh = c;
    if (c instanceof ObservabilityStack) stack = c;
    const x = c as IConstruct & { componentName: string; namespace?: string };
    const name = x.componentName;
    let engine: string | undefined;
    if (c instanceof Registry || c instanceof ConfigCenter || c instanceof MessageQueue || c instanceof Gateway) engine = String(c.engine.kind);
    if (c instanceof Mesh) engine = c.istioMode ? `${c.kind} ${c.istioMode}` : String(c.kind);
    if (c instanceof ObservabilityStack) {
      const k = c._pillarKinds;
      engine = [k.tracing, k.logging, k.metrics].filter((v) => v !== undefined).join(', ');
    }
    components.set(c, {
      path: c.node.path,
      name,
      kind,
      engine,
      namespace: x.namespace ?? '',
      ...(c instanceof Microservice
        ? { context: c.context, team: c.team, minReplicas: c.minReplicas, maxReplicas: c.replicas ?? c._maxReplicas }
        : {}),
      manifest: `${arch.name}-${name}/${arch.name}-${name}.k8s.yaml`,
      scrapeTargets: 0,
    });
  }
  // the nearest enclosing component (memoized: every workload, edge and target asks)
  const componentMemo = new Map<IConstruct, IConstruct | undefined>();
  const componentOf = (w: IConstruct): IConstruct | undefined => {
    if (componentMemo.has(w)) return componentMemo.get(w);
    let found: IConstruct | undefined;
    for (let s: IConstruct | undefined = w; s; s = s.node.scope) {
      if (components.has(s)) {
        found = s;
        break;
      }
    }
    componentMemo.set(w, found);
    return found;
  };
  const pathOf = (w: IConstruct) => componentOf(w)?.node.path;

  // scrape targets and mesh membership
  const scrapeCount = new Map<IConstruct, number>();
  for (const t of arch._scrapeTargetList) {
    const c = componentOf(t.workload);
    if (c) scrapeCount.set(c, (scrapeCount.get(c) ?? 0) + 1);
  }
  // a component is in the mesh when one of its own (not external) workloads is enrolled
  const ownWorkloads = new Map<IConstruct, IWorkload[]>();
  for (const r of arch._workloadList) {
    if (r.external) continue;
    const c = componentOf(r.workload);
    if (!c) continue;
    const list = ownWorkloads.get(c);
    if (list) list.push(r.workload);
    else ownWorkloads.set(c, [r.workload]);
  }
  const inMesh = (c: IConstruct): boolean | undefined => {
    if (!mesh) return undefined;
    if (c instanceof Mesh) return true;
    return (ownWorkloads.get(c) ?? []).some((w) => mesh!._isEnrolled(w) === true);
  };
  for (const [c, m] of components) {
    components.set(c, { ...m, scrapeTargets: scrapeCount.get(c) ?? 0, inMesh: inMesh(c) });
  }
  const workloadInMesh = (w: IWorkload) => (mesh ? mesh._isEnrolled(w) === true : false);

  // edges, aggregated per (consumer component, provider component, kind, label)
  const edges = new Map<string, ModelEdge>();
  const dependents = new Map<IConstruct, Set<string>>();
  // a use without network endpoints (the Kubernetes-native config center, the DNS registry) is an
  // edge of the graph too: from the consumer to the component it used
  const targetOf = (via: unknown): IConstruct | undefined => {
    if (via instanceof TopicRole) return via.queue;
    return components.has(via as IConstruct) ? via as IConstruct : undefined;
  };
  const withEndpoints = new Set(arch.edges.map((e) => e.via as unknown));
  const uses: Array<{ consumer: IConstruct; provider: IConstruct; via: unknown; real?: { consumer: IWorkload; provider: IWorkload } }> = [];
  for (const u of arch._useList) {
    if (withEndpoints.has(u.via)) continue;
    const target = targetOf(u.via);
    if (target) uses.push({ consumer: u.consumer, provider: target, via: u.via });
  }
  const graph = [
    ...arch.edges.map((e) => ({ consumer: e.consumer as IConstruct, provider: e.provider as IConstruct, via: e.via as unknown, real: e })),
    ...uses,
  ];
  for (const e of graph) {
    const from = componentOf(e.consumer);
    const to = componentOf(e.provider);
    if (!from || !to || from === to) continue;
    let kind: EdgeKind = 'uses';
    let label: string | undefined;
    const via: unknown = e.via;
    if (from instanceof Gateway) {
      kind = 'route';
      const routes = from._routeList.filter((r) => r.target === e.provider);
      label = routes.every((r) => r.authenticated) ? 'route' : routes.some((r) => r.authenticated) ? 'route (partly without auth)' : 'route (no auth)';
    } else if (via instanceof TopicRole) {
      kind = via.group === undefined ? 'produce' : 'consume';
      label = via.group === undefined ? via.topic : `${via.topic} (${via.group})`;
    } else if (via instanceof Microservice) {
      kind = 'call';
    } else if (via instanceof Registry) {
      kind = 'registry';
    } else if (via instanceof ConfigCenter) {
      kind = 'config';
    } else if (via instanceof MessageQueue) {
      kind = 'connection';
    }
    const crossesMesh = mesh !== undefined && e.real !== undefined && workloadInMesh(e.real.consumer) !== workloadInMesh(e.real.provider);
    const key = `${from.node.path}|${to.node.path}|${kind}|${label ?? ''}`;
    const previous = edges.get(key);
    edges.set(key, { from: from.node.path, to: to.node.path, kind, label, crossesMesh: crossesMesh || (previous?.crossesMesh ?? false) });
    // a console behind a gateway serves people, not the architecture's request path
    if (from instanceof Gateway && !(to instanceof Microservice) && !(to instanceof Gateway)) continue;
    let d = dependents.get(e.provider);
    if (!d) dependents.set(e.provider, d = new Set());
    d.add(from.node.path);
  }

  // workloads and their replicas
  const workloads: ModelWorkload[] = [];
  for (const c of all) {
    if (!(c instanceof StatelessWorkload) && !(c instanceof StatefulCluster)) continue;
    const component = pathOf(c);
    if (!component) continue;
    const owner = componentOf(c)!;
    const keys: IWorkload[] = [c];
    if (owner instanceof Microservice) keys.push(owner);
    const deps = new Set<string>();
    for (const k of keys) for (const d of dependents.get(k) ?? []) deps.add(d);
    workloads.push({
      component,
      name: c instanceof StatefulCluster ? c.clientServiceName : c.name,
      minReplicas: c instanceof StatefulCluster ? c.replicas : c.minReplicas,
      quorum: c instanceof StatefulCluster ? c.quorum : false,
      stateful: c instanceof StatefulCluster,
      dependents: [...deps].sort(),
    });
  }

  // topics
  const topics: ModelTopic[] = [];
  for (const c of components.keys()) {
    if (!(c instanceof MessageQueue)) continue;
    for (const t of c.topics) {
      const producers = new Set<string>();
      const consumers = new Map<string, { group: string; component: string }>();
      for (const e of arch.edges) {
        const v: unknown = e.via;
        if (!(v instanceof TopicRole) || v.queue !== c || v.topic !== t.name) continue;
        const who = pathOf(e.consumer);
        if (!who) continue;
        if (v.group === undefined) producers.add(who);
        else consumers.set(`${v.group}|${who}`, { group: v.group, component: who });
      }
      topics.push({
        queue: c.node.path,
        name: t.name,
        replicationFactor: c._resolvedTopic(t.name)?.replicationFactor,
        producers: [...producers].sort(),
        consumers: [...consumers.values()].sort((a, b) => compareStrings(a.group + a.component, b.group + b.component)),
      });
    }
  }

  // gateway routes
  const routes: ModelRoute[] = [];
  for (const c of components.keys()) {
    if (!(c instanceof Gateway)) continue;
    for (const r of c._routeList) {
      const target = componentOf(r.target);
      if (!target) continue;
      routes.push({
        gateway: c.node.path,
        target: target.node.path,
        targetKind: components.get(target)!.kind,
        authenticated: r.authenticated,
        description: r.description,
      });
    }
  }

  return {
    version: 1,
    name: arch.name,
    path: arch.node.path,
    profile: arch.profile,
    metrics: stack?._pillarKinds.metrics,
    mesh: mesh ? components.get(mesh)!.engine : undefined,
    components: [...components.values()],
    edges: [...edges.values()],
    workloads,
    topics,
    routes,
  };
}
