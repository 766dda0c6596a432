import { isIP } from 'net';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Edge } from './binding';
import { Connection, IArchitectureExtension, NamespaceRegistration, ScrapeTarget, WorkloadRegistration } from './extension';
import { PodSecurityLevel } from './pod-security';
import { Profile } from './profile';
import { GitOpsOutput } from '../gitops/gitops';
import type { GitOpsOptions } from '../gitops/gitops-options';
import { ComponentChart } from '../internal/component-chart';
import { fail, show } from '../internal/errors';
import { ANNOTATION_POD_SECURITY_REASON, LABEL_MANAGED_BY, LABEL_PART_OF, LABEL_PROFILE, MANAGED_BY } from '../internal/labels';
import { manifestViolations, OwnedChart } from '../internal/manifest-checks';
import { validateDnsLabel, validateServiceName } from '../internal/names';
import { DnsPeers, namespaceBaselinePolicies } from '../internal/network';
import { architectureReviewer } from '../internal/review-hook';
import type { ArchitectureLintOptions, LintFinding } from '../review/lint-options';

const ARCHITECTURE_SYMBOL = Symbol.for('cdk8s-architect.BackendArchitecture');
/** Namespaces claimed by each architecture of an App: two architectures must not share one. */
const namespaceOwners = new WeakMap<App, Map<string, BackendArchitecture>>();
const RESERVED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
function isCidr(cidr: string): boolean {
  const [ip, bits] = cidr.split('/');
  if (!/^\d{1,3}$/.test(bits ?? '')) return false;
  if (isIP(ip) === 4) return Number(bits) <= 32;
  if (isIP(ip) === 6) return Number(bits) <= 128;
  return false;
}
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Properties of a {@link BackendArchitecture}. */
export interface BackendArchitectureProps {
  /**
   * The environment profile: replica counts, resources, storage and disruption budgets of every
   * component follow from it.
   * @default Profile.PRODUCTION
   */
  readonly profile?: Profile;
  /**
   * The architecture's name: the `app.kubernetes.io/part-of` label of every object and the prefix
   * of every output file. A DNS-1123 label.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The cluster's DNS domain, used in the service addresses that bindings hand to consumers.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * Where pods resolve names: every namespace's baseline NetworkPolicy allows DNS (53/UDP and
   * 53/TCP) to exactly these places.
   * @default - CoreDNS/kube-dns pods and NodeLocal DNSCache (both of its modes)
   */
  readonly dns?: ClusterDnsOptions;
  /**
   * A prefix for every namespace the architecture creates, so that two architectures synthesized
   * separately can share one cluster: with `"blue"`, the registry's namespace is `blue-registry` and
   * a bounded context `ordering` runs in `blue-ordering`. Every reference to a namespace follows
   * (service addresses, NetworkPolicy namespace selectors, mesh and gateway policies, scrape
   * configurations, alert routes), and an explicit `namespace` option of a component is prefixed
   * too. A DNS-1123 label; each prefixed name must stay within 63 characters.
   * @default - no prefix
   */
  readonly namespacePrefix?: string;
  /**
   * The architecture lint that runs at synth (see the README, "Architecture lint"): errors fail the
   * synthesis, warnings are printed; promote warnings or accept findings with a reason here.
   * @default - the rules' default severities, no suppressions
   */
  readonly lint?: ArchitectureLintOptions;
  /**
   * Write the architecture's Mermaid diagram, `<name>.mmd`, beside the manifests when `app.synth()`
   * succeeds.
   * @default true
   */
  readonly diagram?: boolean;
  /**
   * GitOps delivery: Argo CD Applications or an ApplicationSet, Flux Kustomizations, External
   * Secrets Operator ExternalSecrets (see the README, "GitOps"). The output tree itself (a folder
   * per component with a `kustomization.yaml`, a root `kustomization.yaml`, the secrets inventory
   * `<name>-secrets.yaml`) is written either way.
   * @default - the output tree only
   */
  readonly gitops?: GitOpsOptions;
}

/**
 * Where the cluster answers DNS. The defaults cover a plain cluster (CoreDNS pods labelled
 * `k8s-app: kube-dns` in kube-system) and one with NodeLocal DNSCache, in its iptables/IPVS mode
 * (a host-network listener on the link-local address 169.254.20.10, which a podSelector cannot
 * match) and in Cilium's local-redirect mode (pods labelled `k8s-app: node-local-dns`).
 */
export interface ClusterDnsOptions {
  /**
   * Namespace of the cluster DNS pods (and of NodeLocal DNSCache).
   * @default "kube-system"
   */
  readonly namespace?: string;
  /**
   * Labels of the cluster DNS pods.
   * @default { "k8s-app": "kube-dns" }
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Labels of NodeLocal DNSCache pods when they run in the pod network.
   * @default { "k8s-app": "node-local-dns" }
   */
  readonly nodeLocalPodLabels?: { [key: string]: string };
  /**
   * Link-local addresses NodeLocal DNSCache listens on in host network (an empty list turns the
   * rule off).
   * @default ["169.254.20.10"]
   */
  readonly nodeLocalAddresses?: string[];
  /**
   * Further DNS server addresses, as IPv4/IPv6 CIDRs or single addresses: for example the kube-dns
   * Service's ClusterIP where NodeLocal DNSCache intercepts traffic to it (GKE), or a DNS server
   * outside the cluster.
   * @default - none
   */
  readonly additionalServerAddresses?: string[];
}

/** Options for a namespace of the architecture. */
export interface NamespaceOptions {
  /**
   * The Pod Security Standards level enforced, audited and warned on.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Why the namespace needs a level below "restricted" (required then; recorded as an annotation).
   * @default - none
   */
  readonly reason?: string;
  /**
   * Extra labels for the Namespace object (e.g. the bounded context).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

interface NamespaceRecord {
  readonly level: PodSecurityLevel;
  readonly reason?: string;
  readonly requester: IConstruct;
  readonly labels: Record<string, string>;
}

/**
 * The whole backend: owns the namespaces (with Pod Security Admission labels and default-deny
 * NetworkPolicies), the environment profile and the graph of `uses` edges, and gives every
 * component its own chart, so `app.synth()` writes one file per component:
 * `<name>-namespaces.k8s.yaml`, `<name>-<component>.k8s.yaml`, ...
 *
 * Component charts have no dependencies on each other (cdk8s orders dependent charts in
 * exponential time and prefixes file names with indexes that shift when a component is added),
 * so output files keep their names as the architecture grows.
 */
export class BackendArchitecture extends Construct {
  /** True if `x` is a BackendArchitecture (works across copies of the library). */
  public static isBackendArchitecture(x: any): x is BackendArchitecture {
    return x !== null && typeof x === 'object' && ARCHITECTURE_SYMBOL in (x as object);
  }

  /** The architecture that `scope` is part of; throws when there is none. */
  public static of(scope: IConstruct): BackendArchitecture {
    for (const s of scope.node.scopes.slice().reverse()) {
      if (BackendArchitecture.isBackendArchitecture(s)) {
        return s;
      }
    }
    return fail(scope, 'this construct is not inside a BackendArchitecture', 'create it with a BackendArchitecture (or one of its constructs) as its scope');
  }

  /** The environment profile. */
  public readonly profile: Profile;
  /** The architecture's name (`app.kubernetes.io/part-of`). */
  public readonly name: string;
  /** The cluster DNS domain. */
  public readonly clusterDomain: string;
  /**
   * The prefix of every namespace of the architecture, if any.
   * @default - no prefix
   */
  public readonly namespacePrefix?: string;

  /** @internal */
  public readonly _lintOptions: ArchitectureLintOptions;
  /** @internal */
  public readonly _writesDiagram: boolean;
  private readonly app: App;
  private readonly dnsPeers: DnsPeers;
  private readonly namespaceChart: Chart;
  private readonly gitops: GitOpsOutput;
  private readonly namespaceRecords = new Map<string, NamespaceRecord>();
  private readonly edgeList: Edge[] = [];
  private readonly useList: Array<{ readonly consumer: IConstruct; readonly via: IConstruct | object }> = [];
  private readonly componentCharts = new Map<string, IConstruct>();
  private readonly ownedCharts: OwnedChart[] = [];
  private readonly namespaceHandles: NamespaceRegistration[] = [];
  private readonly workloads: WorkloadRegistration[] = [];
  private readonly scrapeTargets: ScrapeTarget[] = [];
  private readonly connections: Connection[] = [];
  private readonly extensions: IArchitectureExtension[] = [];
  private finalizing = false;
  private finalized = false;

  constructor(scope: Construct, id: string, props: BackendArchitectureProps = {}) {
    super(scope, id);
    Object.defineProperty(this, ARCHITECTURE_SYMBOL, { value: true });
    this.profile = props.profile ?? Profile.PRODUCTION;
    this.name = validateDnsLabel(this, 'architecture name', props.name ?? id);
    this.clusterDomain = props.clusterDomain ?? 'cluster.local';
    if (props.namespacePrefix !== undefined) {
      this.namespacePrefix = validateDnsLabel(this, 'namespacePrefix', props.namespacePrefix);
    }
    if (!DNS_SUBDOMAIN.test(this.clusterDomain) || this.clusterDomain.length > 253) {
      fail(this, `clusterDomain ${show(this.clusterDomain)} is not a DNS name`, 'use the cluster\'s DNS domain, e.g. "cluster.local"');
    }

    for (const s of this.node.scopes.slice(0, -1)) {
      if (Chart.isChart(s)) {
        fail(this, `a BackendArchitecture must not be created inside the chart ${show(s.node.path)}`, 'create it directly under the cdk8s App: it creates one chart per component itself');
      }
      if (BackendArchitecture.isBackendArchitecture(s)) {
        fail(this, `a BackendArchitecture must not be nested in another (${show(s.node.path)})`, 'create each architecture directly under the cdk8s App');
      }
    }
    this.dnsPeers = this.resolveDns(props.dns ?? {});
    const root = this.node.root;
    if (!(root instanceof App)) {
      fail(this, 'the root of the construct tree is not a cdk8s App', 'create the architecture under `new App()`');
    }
    this.app = root;
    this.gitops = new GitOpsOutput(this, root, props.gitops ?? {}, (name) => this.newRootChart(this, name));
    this.namespaceChart = this.newRootChart(this, 'namespaces');
    // Extensions finalize once the program has declared everything: cdk8s validates the whole
    // construct tree before it renders any chart.
    this.node.addValidation({ validate: () => this.finalizeExtensions() });
    // What the API server would reject (names, label values, duplicate objects), checked after the
    // extensions have added their objects and before any file is written.
    this.node.addValidation({ validate: () => manifestViolations(this.ownedCharts) });
    // The architecture lint: checks across components, once the whole graph is known.
    this._lintOptions = props.lint ?? {};
    this._writesDiagram = props.diagram ?? true;
    architectureReviewer().checkOptions(this, this._lintOptions);
    this.node.addValidation({ validate: () => architectureReviewer().validate(this) });
  }

  /**
   * The architecture lint's findings (after the `lint` options' promotions and suppressions).
   * Call it once the program has declared everything: it completes the architecture as synthesis
   * would (nothing can be added afterwards). `app.synth()` runs the same checks.
   */
  public lint(): LintFinding[] {
    this.finalizeExtensions();
    return architectureReviewer().lint(this);
  }

  /**
   * The architecture as a Mermaid flowchart: bounded contexts with their microservices, the
   * platform components, and an arrow per edge by kind (call, topic produce/consume, registry,
   * config, gateway route; edges that cross the mesh boundary in red). `app.synth()` writes it to
   * `<name>.mmd`. Like `lint()`, call it once the program has declared everything.
   */
  public diagram(): string {
    this.finalizeExtensions();
    return architectureReviewer().diagram(this);
  }

  /** Every edge declared with `uses()`, in declaration order. */
  public get edges(): Edge[] {
    return [...this.edgeList];
  }

  /** The names of the namespaces the architecture creates, sorted. */
  public get namespaceNames(): string[] {
    return [...this.namespaceRecords.keys()].sort();
  }

  /**
   * The name of the architecture's namespace for `name` (a bounded context or a component's
   * namespace): `name` itself, or `<namespacePrefix>-<name>` when the architecture has a prefix.
   * Fails when the result is not a DNS-1123 label of at most 63 characters, naming `requester`.
   * @param name the namespace's name without the prefix
   * @param requester the construct the namespace is for (named in errors)
   */
  public namespaceFor(name: string, requester?: IConstruct): string {
    const full = this.namespacePrefix === undefined ? name : `${this.namespacePrefix}-${name}`;
    if (full.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(full)) {
      fail(requester ?? this, `namespace ${show(full)}${this.namespacePrefix !== undefined ? ` (namespacePrefix ${show(this.namespacePrefix)} + ${show(name)})` : ''} is not a valid DNS-1123 label`,
        this.namespacePrefix !== undefined && full.length > 63
          ? `shorten the namespacePrefix or the namespace name: together with the "-" they must fit in 63 characters (${full.length} now)`
          : 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
    }
    return full;
  }

  /** The cluster-internal DNS name of a Service of this architecture. */
  public serviceHost(serviceName: string, namespace: string): string {
    return `${serviceName}.${namespace}.svc.${this.clusterDomain}`;
  }

  /**
   * Declares a namespace of the architecture: a Namespace with Pod Security Admission labels
   * (enforce, audit, warn) and a default-deny NetworkPolicy that still allows DNS. Idempotent for
   * the same options; asking for the same namespace with a different security level is an error.
   */
  public addNamespace(requester: IConstruct, namespace: string, options: NamespaceOptions = {}): void {
    validateDnsLabel(requester, 'namespace', namespace);
    if (this.namespacePrefix !== undefined && !namespace.startsWith(`${this.namespacePrefix}-`)) {
      fail(requester, `namespace ${show(namespace)} lacks the architecture's namespacePrefix ${show(this.namespacePrefix)}`,
        `name it with architecture.namespaceFor(${show(namespace)}) (${show(`${this.namespacePrefix}-${namespace}`)})`);
    }
    if (RESERVED_NAMESPACES.has(namespace) || namespace.startsWith('kube-')) {
      fail(requester, `namespace ${show(namespace)} is reserved by Kubernetes`, 'choose a namespace of your own (e.g. the bounded context\'s name)');
    }
    const level = options.podSecurity ?? PodSecurityLevel.RESTRICTED;
    if (level !== PodSecurityLevel.RESTRICTED && !options.reason) {
      fail(requester, `namespace ${show(namespace)} asks for Pod Security level ${show(level)} without a reason`, 'give the reason the workload cannot run under "restricted"');
    }
    let owners = namespaceOwners.get(this.app);
    if (!owners) {
      owners = new Map();
      namespaceOwners.set(this.app, owners);
    }
    const owner = owners.get(namespace);
    if (owner && owner !== this) {
      fail(requester, `namespace ${show(namespace)} already belongs to the architecture ${show(owner.node.path)} in this app`,
        'give each architecture its own namespaces (e.g. prefix the bounded contexts with the architecture\'s name)');
    }
    owners.set(namespace, this);
    const existing = this.namespaceRecords.get(namespace);
    if (existing) {
      if (existing.level !== level) {
        fail(
          requester,
          `namespace ${show(namespace)} is already declared by ${show(existing.requester.node.path)} with Pod Security level ${show(existing.level)}, not ${show(level)}`,
          'put components that need different Pod Security levels in different namespaces',
        );
      }
      Object.assign(existing.labels, options.labels ?? {});
      return;
    }
    const labels: Record<string, string> = {};
    Object.assign(labels, options.labels ?? {});
    this.namespaceRecords.set(namespace, { level, reason: options.reason, requester, labels });

    const common = { [LABEL_PART_OF]: this.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const namespaceObject = new kplus.k8s.KubeNamespace(this.namespaceChart, namespace, {
      metadata: {
        name: namespace,
        labels: {
          ...common,
          ...labels,
          [LABEL_PROFILE]: this.profile,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/audit-version': 'v1.28',
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/warn-version': 'v1.28',
        },
        ...(options.reason ? { annotations: { [ANNOTATION_POD_SECURITY_REASON]: options.reason } } : {}),
      },
    });
    namespaceBaselinePolicies(this.namespaceChart, namespace, common, this.dnsPeers);
    const handle: NamespaceRegistration = {
      name: namespace,
      addLabels: (l) => {
        for (const k of Object.keys(l)) namespaceObject.metadata.addLabel(k, l[k]);
      },
      addAnnotations: (a) => {
        for (const k of Object.keys(a)) namespaceObject.metadata.addAnnotation(k, a[k]);
      },
    };
    this.namespaceHandles.push(handle);
    for (const e of this.extensions) e._namespaceDeclared?.(handle);
  }

  /** The Pod Security level of a declared namespace. */
  public podSecurityOf(namespace: string): PodSecurityLevel | undefined {
    return this.namespaceRecords.get(namespace)?.level;
  }

  /**
   * Creates the chart (output file `<architecture>-<componentName>.k8s.yaml`) that holds one
   * component's objects. Each component has exactly one.
   * @internal
   */
  public _newComponentChart(component: IConstruct, componentName: string): Chart {
    return this.newRootChart(component, componentName);
  }

  /** A consumer used a bindable (with or without network endpoints). @internal */
  public _recordUse(consumer: IConstruct, via: IConstruct | object): void {
    this.useList.push({ consumer, via });
  }

  /** Every `uses()`, in declaration order. @internal */
  public get _useList(): Array<{ readonly consumer: IConstruct; readonly via: IConstruct | object }> {
    return [...this.useList];
  }

  /** @internal */
  public _recordEdge(edge: Edge): void {
    if (this.finalized) this.lateRegistration(edge.consumer, 'an edge');
    this.edgeList.push(edge);
    for (const e of this.extensions) e._edgeRecorded?.(edge);
  }

  /**
   * Attaches an architecture-wide extension (observability stack, mesh, ...): it is told about
   * every namespace, workload, scrape target, connection and edge registered so far, then about
   * each later one, and finalized before synthesis. One extension of each kind. @internal
   */
  public _addExtension(extension: IArchitectureExtension): void {
    const existing = this.extensions.find((e) => e._extensionKind === extension._extensionKind);
    if (existing) {
      fail(extension, `the architecture already has the ${extension._extensionKind} ${show(existing.node.path)}`, `create one ${extension._extensionKind} per architecture`);
    }
    this.extensions.push(extension);
    for (const n of this.namespaceHandles) extension._namespaceDeclared?.(n);
    for (const w of this.workloads) extension._workloadRegistered?.(w);
    for (const t of this.scrapeTargets) extension._scrapeTargetRegistered?.(t);
    for (const c of this.connections) extension._connectionAllowed?.(c);
    for (const edge of this.edgeList) extension._edgeRecorded?.(edge);
  }

  /** The attached extension of a kind, if any. @internal */
  public _extension(kind: string): IArchitectureExtension | undefined {
    return this.extensions.find((e) => e._extensionKind === kind);
  }

  /** A workload's pods joined the architecture. @internal */
  public _registerWorkload(registration: WorkloadRegistration): void {
    if (this.finalized) this.lateRegistration(registration.workload, 'a workload');
    this.workloads.push(registration);
    for (const e of this.extensions) e._workloadRegistered?.(registration);
  }

  /** A platform workload exposing Prometheus metrics. @internal */
  public _registerScrapeTarget(target: ScrapeTarget): void {
    if (this.finalized) this.lateRegistration(target.workload, 'a scrape target');
    this.scrapeTargets.push(target);
    for (const e of this.extensions) e._scrapeTargetRegistered?.(target);
  }

  /** A connection was allowed (NetworkPolicy ingress on the provider). @internal */
  public _recordConnection(connection: Connection): void {
    if (this.finalized) this.lateRegistration(connection.provider, 'a connection');
    this.connections.push(connection);
    for (const e of this.extensions) e._connectionAllowed?.(connection);
  }

  /** The platform workloads exposing metrics, in registration order. @internal */
  public get _scrapeTargetList(): ScrapeTarget[] {
    return [...this.scrapeTargets];
  }

  /** The registered workloads, in registration order. @internal */
  public get _workloadList(): WorkloadRegistration[] {
    return [...this.workloads];
  }

  /** Every allowed connection, in registration order. @internal */
  public get _connectionList(): Connection[] {
    return [...this.connections];
  }

  private finalizeExtensions(): string[] {
    if (this.finalized || this.finalizing) return [];
    // Extensions may still wire connections while they finalize (e.g. a mesh's proxy ports).
    this.finalizing = true;
    for (const e of this.extensions) e._finalize?.();
    this.finalized = true;
    this.gitops.finalize();
    return [];
  }

  private lateRegistration(scope: IConstruct, what: string): never {
    return fail(scope, `${what} was added to the architecture ${show(this.node.path)} after it was synthesized`, 'declare every component and uses() before app.synth()');
  }

  private resolveDns(o: ClusterDnsOptions): DnsPeers {
    const namespace = validateDnsLabel(this, 'dns.namespace', o.namespace ?? 'kube-system');
    const labels = (what: string, l: Record<string, string>) => {
      if (Object.keys(l).length === 0) fail(this, `${what} is empty (it would select every pod of ${show(namespace)})`, 'give the labels of the DNS pods, e.g. { "k8s-app": "kube-dns" }');
      return l;
    };
    const cidrs = [...(o.nodeLocalAddresses ?? ['169.254.20.10']), ...(o.additionalServerAddresses ?? [])].map((a) => {
      const cidr = a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`;
      if (!isCidr(cidr)) fail(this, `DNS server address ${show(a)} is not an IPv4 or IPv6 address or CIDR`, 'use an address such as "169.254.20.10" or "10.96.0.10/32"');
      return cidr;
    });
    return {
      namespace,
      podLabels: labels('dns.podLabels', o.podLabels ?? { 'k8s-app': 'kube-dns' }),
      nodeLocalPodLabels: labels('dns.nodeLocalPodLabels', o.nodeLocalPodLabels ?? { 'k8s-app': 'node-local-dns' }),
      cidrs: [...new Set(cidrs)],
    };
  }

  private newRootChart(owner: IConstruct, componentName: string): ComponentChart {
    // Component names name Services, so they are DNS-1035 labels (a letter first).
    validateServiceName(owner, 'component name', componentName);
    const chartId = `${this.name}-${componentName}`;
    const previous = this.componentCharts.get(chartId);
    if (previous || this.app.node.tryFindChild(chartId)) {
      fail(
        owner,
        `the output file name ${show(chartId)} is already used${previous ? ` by ${show(previous.node.path)}` : ''}`,
        'give each component (and each architecture) a distinct name',
      );
    }
    this.componentCharts.set(chartId, owner);
    // Charts live at the App root so their file names are exactly `<architecture>-<component>`
    // (cdk8s appends a path hash to nested charts); the owner keeps the user-facing path.
    const chart = new ComponentChart(this.app, chartId, { disableResourceNameHashes: true });
    this.ownedCharts.push({ chart, owner });
    this.gitops.chartCreated(chart);
    return chart;
  }
}
