import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { meshDecision, SCRAPER_KIND } from './decisions';
import { IMeshEngine, IstioDataPlaneMode, MeshEngine, MeshKind, ResolvedEngine } from './engine';
import { renderIstio } from './istio';
import { renderLinkerd } from './linkerd';
import { ANNOTATION_MESH_EXCLUDED, BindingPolicy, duration, Grant, Member, MeshModel, microservicePorts, ServicePolicy, tcpPorts } from './model';
import { BindingTrafficPolicy, RetryOptions, TrafficPolicy } from './traffic-policy';
import { BackendArchitecture } from '../architecture/backend-architecture';
import { Edge, IWorkload } from '../architecture/binding';
import type { Connection, IArchitectureExtension, NamespaceRegistration, WorkloadRegistration } from '../architecture/extension';
import { WorkloadController } from '../architecture/extension';
import { HttpMethod } from '../architecture/http-method';
import { fail, show } from '../internal/errors';
import { validateDnsLabel, validateInteger } from '../internal/names';
import { Microservice } from '../microservice/microservice';

const EXTENSION_KIND = 'mesh';

/** How workloads join the mesh. */
export enum MeshEnrolment {
  /**
   * Each namespace with an enrolled workload is labelled (injection / ambient / Linkerd inject);
   * the pods left out carry a per-pod opt-out.
   */
  NAMESPACE = 'namespace',
  /** Only the enrolled pods are labelled or annotated; namespaces are left alone. */
  WORKLOAD = 'workload',
}

/** Properties of a {@link Mesh}. */
export interface MeshProps {
  /** The mesh implementation, e.g. `MeshEngine.istio({ mode: IstioDataPlaneMode.AMBIENT })`. */
  readonly engine: IMeshEngine;
  /**
   * How workloads join: per namespace (the seed's default) or per workload.
   * @default MeshEnrolment.NAMESPACE
   */
  readonly enrolment?: MeshEnrolment;
  /**
   * Workloads left out of the mesh although they could run in it (their callers must then be
   * left out too, or they are left out with them).
   * @default - none
   */
  readonly exclude?: IWorkload[];
  /**
   * Platform workloads to enrol beyond the defaults; a component that cannot run meshed (a quorum
   * cluster, a node agent) is a synth error.
   * @default - none
   */
  readonly enrol?: IWorkload[];
}

/**
 * The service mesh of an architecture (one per architecture): Istio (sidecar or ambient) or
 * Linkerd, whose control plane the platform team installs. The mesh derives everything from the
 * graph the program already declares:
 *
 * - enrolment: per namespace (labels/annotations) or per workload; stateful platform clusters,
 *   node agents and their callers stay out (decided per component, recorded on their pods);
 * - mutual TLS STRICT for every enrolled workload;
 * - authorization: each enrolled workload accepts calls only from the ServiceAccounts that use
 *   it, on exactly the ports used (every connection of the architecture: `uses()` edges, gateway
 *   routes, internal wiring, the metrics scraper);
 * - Istio sidecar egress scoped to the hosts each workload calls;
 * - traffic policy per service or per binding (timeouts, retries, outlier detection, connection
 *   pools, weighted canaries);
 * - NetworkPolicies that let the mesh work (control plane, HBONE 15008, Linkerd's inbound 4143,
 *   kubelet probes in ambient, merged metrics 15020), Jobs that complete (native sidecars).
 */
export class Mesh extends Construct implements IArchitectureExtension {
  /** The mesh of an architecture, if it has one. */
  public static of(architecture: BackendArchitecture): Mesh | undefined {
    const ext = architecture._extension(EXTENSION_KIND);
    return ext instanceof Mesh ? ext : undefined;
  }

  /** @internal */
  public readonly _extensionKind = EXTENSION_KIND;
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name (output file `<architecture>-<name>.k8s.yaml`). */
  public readonly componentName: string;
  /** The implementation. */
  public readonly kind: MeshKind;
  /** The Istio data plane (Istio engines only). */
  public readonly istioMode?: IstioDataPlaneMode;
  private readonly engine: ResolvedEngine;
  private readonly enrolment: MeshEnrolment;
  private readonly chart: Chart;
  private readonly registrations: WorkloadRegistration[] = [];
  private readonly connections: Connection[] = [];
  private readonly namespaces: NamespaceRegistration[] = [];
  private enrolledWorkloads?: Set<IWorkload>;
  private readonly excluded: Set<IWorkload>;
  private readonly forced: Set<IWorkload>;
  private readonly servicePolicies: ServicePolicy[] = [];
  private readonly bindingPolicies: BindingPolicy[] = [];
  private finalizing = false;

  constructor(scope: Construct, id: string, props: MeshProps) {
    super(scope, id);
    this.architecture = BackendArchitecture.of(this);
    this.componentName = validateDnsLabel(this, 'mesh name', id);
    const engine = MeshEngine._resolve(props.engine);
    if (!engine) {
      fail(this, `engine ${show(props.engine.kind)} is not one of the library's engines`, 'choose it with MeshEngine.istio() or MeshEngine.linkerd()');
    }
    this.engine = engine;
    this.kind = engine.kind;
    this.istioMode = engine.istioMode;
    validateDnsLabel(this, 'controlPlaneNamespace', engine.controlPlaneNamespace);
    if (engine.revision !== undefined) {
      if (engine.istioMode !== IstioDataPlaneMode.SIDECAR) {
        fail(this, `revision ${show(engine.revision)} is set for the ambient data plane`, 'remove revision: ambient enrolment (istio.io/dataplane-mode) does not select a revision');
      }
      validateDnsLabel(this, 'revision', engine.revision);
    }
    this.enrolment = props.enrolment ?? MeshEnrolment.NAMESPACE;
    this.excluded = new Set(props.exclude ?? []);
    this.forced = new Set(props.enrol ?? []);
    for (const w of [...this.excluded, ...this.forced]) {
      if (w.architecture !== this.architecture) {
        fail(this, `${show(w.node.path)} belongs to another architecture`, 'list only workloads of this mesh\'s architecture');
      }
      if (this.excluded.has(w) && this.forced.has(w)) {
        fail(this, `${show(w.node.path)} is both enrolled and excluded`, 'list it in either enrol or exclude');
      }
    }
    this.chart = this.architecture._newComponentChart(this, this.componentName);
    this.architecture._addExtension(this);
  }

  /**
   * Sets the traffic policy of a service, applied by every caller: timeouts, retries, outlier
   * detection, connection pools and a weighted canary split. One policy per service.
   */
  public setTrafficPolicy(service: Microservice, policy: TrafficPolicy): void {
    this.checkService(service, 'setTrafficPolicy');
    if (this.servicePolicies.some((p) => p.service === service)) {
      fail(this, `${service.bindingDescription} already has a traffic policy`, 'give each service one traffic policy with every setting');
    }
    this.servicePolicies.push({ service, policy });
  }

  /**
   * Sets the traffic policy of one binding (`consumer.uses(service)`): timeouts and retries for
   * that caller only (Istio; Linkerd cannot scope a client-side route to one caller).
   */
  public setBindingPolicy(consumer: IWorkload, service: Microservice, policy: BindingTrafficPolicy): void {
    this.checkService(service, 'setBindingPolicy');
    if (this.bindingPolicies.some((p) => p.service === service && p.consumer === consumer)) {
      fail(this, `the binding ${show(consumer.node.path)} -> ${service.bindingDescription} already has a traffic policy`, 'give each binding one policy');
    }
    this.bindingPolicies.push({ consumer, service, policy });
  }

  /** @internal */
  public _namespaceDeclared(namespace: NamespaceRegistration): void {
    this.namespaces.push(namespace);
  }

  /** @internal */
  public _workloadRegistered(registration: WorkloadRegistration): void {
    this.registrations.push(registration);
  }

  /** @internal */
  public _connectionAllowed(connection: Connection): void {
    // The mesh's own wiring (proxy ports) arrives while it finalizes: not a call to authorize.
    if (!this.finalizing) this.connections.push(connection);
  }

  /**
   * Edges are connections too (a gateway's routes arrive as edges whose consumer is the gateway's
   * workload); duplicates of wired connections merge into the same grants. @internal
   */
  public _edgeRecorded(edge: Edge): void {
    if (!this.finalizing) this.connections.push({ consumer: edge.consumer, provider: edge.provider, ports: edge.ports });
  }

  /** Whether a workload runs in the mesh (known once the mesh is finalized). @internal */
  public _isEnrolled(workload: IWorkload): boolean | undefined {
    return this.enrolledWorkloads?.has(workload);
  }

  /** @internal */
  public _finalize(): void {
    this.deriveCanaryConnections();
    const model = this.buildModel();
    this.enrolledWorkloads = new Set(model.enrolled.map((m) => m.reg.workload));
    this.finalizing = true;
    this.validatePolicies(model);
    this.markPods(model);
    if (this.engine.kind === MeshKind.ISTIO) {
      renderIstio(model);
    } else {
      renderLinkerd(model);
    }
  }

  private checkService(service: Microservice, method: string): void {
    if (!(service instanceof Microservice)) {
      fail(this, `${method}() was given ${show((service as IWorkload).node?.path)}, which is not a Microservice`, 'set traffic policies on Microservices');
    }
    if (service.architecture !== this.architecture) {
      fail(this, `${service.bindingDescription} belongs to another architecture`, 'set traffic policies on services of this mesh\'s architecture');
    }
  }

  /** A canary serves its stable version's callers: same ports, NetworkPolicies and authorization. */
  private deriveCanaryConnections(): void {
    for (const { service, policy } of this.servicePolicies) {
      const canary = policy.canary;
      if (!canary) continue;
      const stable = service;
      const c = canary.canary;
      if (c === stable) fail(this, `the canary of ${stable.bindingDescription} is the service itself`, 'give canary a second Microservice (the new version)');
      if (c.namespace !== stable.namespace) {
        fail(this, `canary ${c.bindingDescription} runs in namespace ${show(c.namespace)}, not ${show(stable.namespace)}`, 'put both versions in the same context');
      }
      const ports = (m: Microservice) => m.networkPorts.map((p) => p.port).join(',');
      if (ports(c) !== ports(stable)) {
        fail(this, `canary ${c.bindingDescription} has ports ${show(ports(c))}, not ${show(ports(stable))} like ${stable.bindingDescription}`, 'give both versions the same ports and protocols');
      }
      for (const weight of [canary.stableWeight, canary.canaryWeight]) {
        validateInteger(this, `canary weight of ${stable.componentName}`, weight, 0, 100, 'use whole percentages from 0 to 100 that sum to 100');
      }
      if (canary.stableWeight + canary.canaryWeight !== 100) {
        fail(this, `the canary weights of ${stable.bindingDescription} sum to ${canary.stableWeight + canary.canaryWeight} (${canary.stableWeight} + ${canary.canaryWeight}), not 100`,
          `set stableWeight to ${100 - canary.canaryWeight} (or canaryWeight to ${100 - canary.stableWeight})`);
      }
      for (const conn of [...this.connections]) {
        if (conn.provider !== stable || conn.consumer === c) continue;
        conn.consumer.allowEgressTo(c, conn.ports);
        c.allowIngressFrom(conn.consumer, conn.ports);
      }
    }
  }

  private buildModel(): MeshModel {
    const members = new Map<IWorkload, Member>();
    for (const reg of this.registrations) {
      if (reg.external && reg.externalInMesh === undefined) {
        fail(reg.workload, `the mesh ${show(this.node.path)} cannot tell whether these pods, which run outside the architecture's manifests (namespace ${show(reg.workload.namespace)}), are in the mesh`,
          `state it with ${reg.externalInMeshOption ?? 'the option that created them'}: true after enrolling their namespace in the mesh (see the README), `
          + 'or false: the workloads it calls then leave the mesh');
      }
      const decision = meshDecision(reg, this.engine);
      let enrolled = decision.byDefault;
      let reason = decision.reason;
      if (this.excluded.has(reg.workload)) {
        enrolled = false;
        reason = 'excluded by the Mesh\'s exclude list';
      }
      if (this.forced.has(reg.workload)) {
        if (!decision.canRun) {
          fail(this, `${show(reg.workload.node.path)} cannot run in the mesh: ${decision.reason}`,
            'remove it from enrol: it stays out of the mesh, and its meshed clients reach it in plain TCP inside the NetworkPolicies');
        }
        enrolled = true;
      }
      members.set(reg.workload, { reg, decision, enrolled, reason });
    }
    for (const w of [...this.excluded, ...this.forced]) {
      if (!members.has(w)) fail(this, `${show(w.node.path)} is not a workload of the architecture`, 'list Microservices or platform workloads');
    }
    const memberOf = (w: IWorkload) => members.get(w);

    // A meshed server with a caller outside the mesh would refuse it (STRICT): leave the server out
    // too, until nothing changes. The scraper under Istio sidecars reads merged metrics instead.
    let changed = true;
    while (changed) {
      changed = false;
      for (const c of this.connections) {
        const provider = memberOf(c.provider);
        const consumer = memberOf(c.consumer);
        if (!provider?.enrolled || consumer?.enrolled) continue;
        if (consumer && this.isMergedScrape(consumer, provider)) continue;
        const why = consumer?.reason ?? 'it is not a workload registered with the architecture';
        if (this.forced.has(c.provider)) {
          fail(this, `${show(c.provider.node.path)} is enrolled but is called by ${show(c.consumer.node.path)}, which is not in the mesh (${why})`,
            `remove ${show(c.provider.node.path)} from enrol (strict mutual TLS would refuse that caller)`);
        }
        provider.enrolled = false;
        provider.reason = `called by ${c.consumer.node.path}, which is not in the mesh`;
        changed = true;
      }
    }

    // A Job or CronJob runs in the mesh only when it calls a meshed server: a proxy it does not need
    // is one more thing that must stop for it to complete (and native sidecars need Kubernetes
    // 1.29, or 1.28 with the SidecarContainers gate).
    for (const m of members.values()) {
      if (m.reg.controller !== WorkloadController.JOB || !m.enrolled || this.forced.has(m.reg.workload)) continue;
      const callsMeshed = this.connections.some((c) => c.consumer === m.reg.workload && memberOf(c.provider)?.enrolled);
      if (!callsMeshed) {
        m.enrolled = false;
        m.reason = 'a Job that calls only workloads outside the mesh: it runs without a proxy, so nothing has to stop for it to complete';
      }
    }

    const all = [...members.values()];
    // External members (a controller's data plane) call enrolled servers but get no objects of ours.
    const enrolled = all.filter((m) => m.enrolled && !m.reg.external);
    const grants = new Map<IWorkload, Grant[]>();
    const calls = new Map<IWorkload, IWorkload[]>();
    const addGrant = (provider: IWorkload, consumer: IWorkload, ports: number[]) => {
      const list = grants.get(provider) ?? [];
      grants.set(provider, list);
      let g = list.find((x) => x.consumer.namespace === consumer.namespace && x.consumer.serviceAccountName === consumer.serviceAccountName);
      if (!g) {
        g = { consumer, ports: new Set() };
        list.push(g);
      }
      for (const p of ports) g.ports.add(p);
    };
    for (const m of enrolled) grants.set(m.reg.workload, []);
    for (const c of this.connections) {
      const provider = memberOf(c.provider);
      const consumer = memberOf(c.consumer);
      if (consumer?.enrolled) {
        const list = calls.get(c.consumer) ?? [];
        if (!list.includes(c.provider)) list.push(c.provider);
        calls.set(c.consumer, list);
      }
      if (!provider?.enrolled || !consumer?.enrolled) continue;
      addGrant(c.provider, c.consumer, tcpPorts(c.ports));
    }
    // Cluster members reach each other (peer ports).
    for (const m of enrolled) {
      if (m.reg.peerPorts.length > 0) addGrant(m.reg.workload, m.reg.workload, tcpPorts(m.reg.peerPorts));
    }
    const namespaces = [...new Set(enrolled.map((m) => m.reg.workload.namespace))].sort();
    return {
      mesh: this,
      chart: this.chart,
      engine: this.engine,
      architecture: this.architecture,
      perNamespace: this.enrolment === MeshEnrolment.NAMESPACE,
      enrolled,
      members: all,
      namespaces,
      grants,
      calls,
      servicePolicies: this.servicePolicies,
      bindingPolicies: this.bindingPolicies,
      connections: [...this.connections],
      memberOf,
    };
  }

  /**
   * Prometheus outside an Istio sidecar mesh scrapes a microservice's merged metrics (15020), and
   * a meshed platform Deployment (the OpenTelemetry Collector's Prometheus exporter) on its
   * metrics port, which bypasses the sidecar (`traffic.sidecar.istio.io/excludeInboundPorts`).
   */
  private isMergedScrape(consumer: Member, provider: Member): boolean {
    const sidecars = this.engine.kind === MeshKind.ISTIO && this.engine.istioMode === IstioDataPlaneMode.SIDECAR;
    if (!sidecars || consumer.reg.kind !== SCRAPER_KIND) return false;
    if (provider.reg.telemetry) return provider.reg.telemetry.metrics !== undefined && provider.reg.telemetry.scraping;
    return provider.reg.controller === WorkloadController.DEPLOYMENT;
  }

  private validatePolicies(model: MeshModel): void {
    const linkerd = this.engine.kind === MeshKind.LINKERD;
    const ambient = this.engine.istioMode === IstioDataPlaneMode.AMBIENT;
    const check = (service: Microservice, what: string, policy: BindingTrafficPolicy) => {
      if (!model.memberOf(service)?.enrolled) {
        fail(this, `${what} targets ${service.bindingDescription}, which is not in the mesh (${model.memberOf(service)?.reason})`,
          'enrol the service (and its callers) or remove the traffic policy');
      }
      if (policy.timeout !== undefined) duration(this, `${what} timeout`, policy.timeout);
      if (policy.retries) this.checkRetries(service, what, policy.retries);
    };
    for (const { service, policy } of model.servicePolicies) {
      const what = `the traffic policy of ${service.componentName}`;
      check(service, what, policy);
      const od = policy.outlierDetection;
      if (od) {
        validateInteger(this, `${what} outlierDetection.consecutiveErrors`, od.consecutiveErrors, 1, 1000, 'use 1 or more consecutive errors (5 is common)');
        if (od.baseEjectionTime) duration(this, `${what} outlierDetection.baseEjectionTime`, od.baseEjectionTime);
        if (od.interval) duration(this, `${what} outlierDetection.interval`, od.interval);
        if (od.maxEjectionPercent !== undefined) {
          validateInteger(this, `${what} outlierDetection.maxEjectionPercent`, od.maxEjectionPercent, 1, 100, 'use a percentage from 1 to 100');
        }
        if (linkerd && (od.interval !== undefined || od.maxEjectionPercent !== undefined)) {
          fail(this, `${what}: Linkerd's failure accrual has no ${od.interval !== undefined ? 'interval' : 'maxEjectionPercent'}`,
            'remove interval and maxEjectionPercent (Linkerd uses consecutiveErrors and baseEjectionTime as its minimum penalty)');
        }
      }
      const cp = policy.connectionPool;
      if (cp) {
        if (linkerd) fail(this, `${what} sets connectionPool, which Linkerd does not implement`, 'remove connectionPool or use MeshEngine.istio()');
        for (const [k, v] of Object.entries(cp)) {
          if (v !== undefined) validateInteger(this, `${what} connectionPool.${k}`, v as number, 1, 1_000_000, 'use a positive whole number');
        }
      }
      if (policy.canary && !model.memberOf(policy.canary.canary)?.enrolled) {
        fail(this, `the canary ${policy.canary.canary.bindingDescription} of ${service.componentName} is not in the mesh`, 'enrol the canary like its stable version');
      }
    }
    for (const b of model.bindingPolicies) {
      const what = `the binding policy ${b.consumer.componentName} -> ${b.service.componentName}`;
      check(b.service, what, b.policy);
      if (linkerd) {
        fail(this, `${what}: Linkerd applies client-side routes to every caller of a Service, not to one binding`,
          'use setTrafficPolicy() for the service, or MeshEngine.istio() for per-binding policies');
      }
      if (ambient) {
        fail(this, `${what}: under the ambient data plane the service's waypoint applies its routes to every caller; matching the caller's pod labels is a sidecar feature`,
          'use setTrafficPolicy() for the service, or IstioDataPlaneMode.SIDECAR for per-binding policies');
      }
      if (!this.connections.some((c) => c.consumer === b.consumer && c.provider === b.service)) {
        fail(this, `${what}: ${show(b.consumer.node.path)} does not use ${b.service.bindingDescription}`, `declare the binding first (${b.consumer.componentName}.uses(${b.service.componentName}))`);
      }
      if (!model.memberOf(b.consumer)?.enrolled) {
        fail(this, `${what}: the caller is not in the mesh (${model.memberOf(b.consumer)?.reason})`, 'enrol the caller (client-side policy runs in its proxy)');
      }
    }
  }

  private checkRetries(service: Microservice, what: string, r: RetryOptions): void {
    validateInteger(this, `${what} retries.attempts`, r.attempts, 1, 10, 'use 1 to 10 retries');
    if (r.perTryTimeout) duration(this, `${what} retries.perTryTimeout`, r.perTryTimeout);
    const methods = r.methods ?? [];
    if (r.methods !== undefined && methods.length === 0) fail(this, `${what} retries.methods is empty`, 'list the methods to retry, or leave methods unset for every method');
    const grpc = service.networkPorts.length > 0 && microservicePorts(service).every((p) => p.appProtocol === 'grpc');
    const unsafe = r.methods === undefined ? ['every method'] : methods.filter((m) => !IDEMPOTENT.has(m));
    if ((unsafe.length > 0 || grpc) && !r.retryNonIdempotent) {
      const bad = grpc ? 'gRPC calls (HTTP POST)' : unsafe.join(', ');
      fail(this, `${what} retries ${bad}, which are not idempotent: a retried request can take effect twice`,
        grpc ? 'set retryNonIdempotent: true if the service deduplicates requests, or remove retries'
          : 'restrict retries.methods to idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), or set retryNonIdempotent: true if the service deduplicates requests');
    }
  }

  /** Enrolment labels/annotations, opt-outs, native sidecars for Jobs, port exclusions. */
  private markPods(model: MeshModel): void {
    const e = this.engine;
    const sidecar = e.kind === MeshKind.ISTIO && e.istioMode === IstioDataPlaneMode.SIDECAR;
    const ambient = e.kind === MeshKind.ISTIO && e.istioMode === IstioDataPlaneMode.AMBIENT;
    const linkerd = e.kind === MeshKind.LINKERD;
    const enrolledNs = new Set(model.namespaces);
    if (this.enrolment === MeshEnrolment.NAMESPACE) {
      for (const ns of this.namespaces) {
        if (!enrolledNs.has(ns.name)) continue;
        if (sidecar) ns.addLabels(e.revision ? { 'istio.io/rev': e.revision } : { 'istio-injection': 'enabled' });
        if (ambient) ns.addLabels({ 'istio.io/dataplane-mode': 'ambient' });
        if (linkerd) ns.addAnnotations({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' });
      }
    }
    for (const m of model.members) {
      const reg = m.reg;
      if (reg.external) continue; // the platform team's pods
      if (reg.controller === WorkloadController.DAEMON_SET) continue; // node agents: namespaces never enrolled
      const inEnrolledNs = this.enrolment === MeshEnrolment.NAMESPACE && enrolledNs.has(reg.workload.namespace);
      if (!m.enrolled) {
        if (!inEnrolledNs) continue;
        reg.addPodAnnotations({ [ANNOTATION_MESH_EXCLUDED]: m.reason });
        if (sidecar) reg.addPodLabels({ 'sidecar.istio.io/inject': 'false' });
        if (ambient) reg.addPodLabels({ 'istio.io/dataplane-mode': 'none' });
        if (linkerd) reg.addPodAnnotations({ 'linkerd.io/inject': 'disabled' });
        continue;
      }
      if (this.enrolment === MeshEnrolment.WORKLOAD) {
        if (sidecar) reg.addPodLabels(e.revision ? { 'istio.io/rev': e.revision } : { 'sidecar.istio.io/inject': 'true' });
        if (ambient) reg.addPodLabels({ 'istio.io/dataplane-mode': 'ambient' });
        if (linkerd) reg.addPodAnnotations({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' });
      }
      // Jobs complete: the proxy runs as a native sidecar (an init container with restartPolicy
      // Always, Kubernetes >= 1.28 with the SidecarContainers feature, on by default from 1.29),
      // which the kubelet stops once the Job's container exits.
      if (reg.controller === WorkloadController.JOB) {
        if (sidecar) reg.addPodAnnotations({ 'sidecar.istio.io/nativeSidecar': 'true' });
        if (linkerd) reg.addPodAnnotations({ 'config.beta.linkerd.io/proxy-enable-native-sidecar': 'true' });
      }
      // Server-first ports of providers outside the mesh: the caller's proxy must not wait for
      // the client to speak first (Istio sniffing, Linkerd protocol detection).
      const skip = new Set<number>();
      for (const p of model.calls.get(reg.workload) ?? []) {
        const pm = model.memberOf(p);
        if (!pm || pm.enrolled || !pm.decision.serverFirst) continue;
        for (const port of pm.reg.ports) skip.add(port.port);
      }
      if (skip.size > 0 && !ambient) {
        const list = [...skip].sort((a, b) => a - b).join(',');
        reg.addPodAnnotations(sidecar ? { 'traffic.sidecar.istio.io/excludeOutboundPorts': list } : { 'config.linkerd.io/skip-outbound-ports': list });
      }
    }
  }
}

const IDEMPOTENT = new Set<HttpMethod>([HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE]);
