import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { disruptionBudget, topologySpread } from './availability';
import { fail, show } from './errors';
import { LABEL_VERSION, recommendedLabels, selectorLabels, WorkloadIdentityLabels } from './labels';
import { validateDnsLabel, validateInteger, validatePortName } from './names';
import { WorkloadNetworkPolicy } from './network';
import { securePodSpec } from './pod';
import { PodTemplateExtras, registerWorkload, serviceInfo } from './workload-registration';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { WorkloadController, WorkloadPortInfo, WorkloadRegistration } from '../architecture/extension';
import { Profile } from '../architecture/profile';

const k8s = kplus.k8s;

/** A port of a stateless workload: container port and Service port of the same number. */
export interface StatelessWorkloadPort {
  /** Port name (IANA service name): the container port's and the Service port's. */
  readonly name: string;
  readonly port: number;
  /** @default Protocol.TCP */
  readonly protocol?: Protocol;
  /** The Service port's `appProtocol` (read by meshes and gateways), e.g. "http" or "grpc". */
  readonly appProtocol?: string;
}

export interface StatelessWorkloadProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  /** Name of the Deployment, Service, ServiceAccount, PodDisruptionBudget and NetworkPolicy. */
  readonly name: string;
  readonly namespace: string;
  readonly identity: WorkloadIdentityLabels;
  /** Labels on every object besides the recommended ones (e.g. bounded context, team). */
  readonly extraLabels?: Record<string, string>;
  /**
   * `app.kubernetes.io/version` of the Deployment and its pods only (on every object it would
   * make each release touch objects that did not change).
   * @default - no version label
   */
  readonly version?: string;
  /**
   * Fixed replica count.
   * @default - unset: an autoscaler owns the count (give `maxReplicas`)
   */
  readonly replicas?: number;
  /**
   * The most replicas the workload can run (an autoscaler's maximum): above 1 the pods are spread
   * across zones and nodes and get a disruption budget.
   * @default - replicas
   */
  readonly maxReplicas?: number;
  /**
   * The autoscaler's minimum, when an autoscaler owns the replica count (for the architecture lint).
   * @default - replicas, or 1
   */
  readonly minReplicas?: number;
  /** The ports; the first is the primary one. */
  readonly ports: StatelessWorkloadPort[];
  /** The containers, built once the workload knows its names. */
  readonly containers: (workload: StatelessWorkload) => kplus.k8s.Container[];
  readonly initContainers?: (workload: StatelessWorkload) => kplus.k8s.Container[];
  readonly volumes?: kplus.k8s.Volume[];
  /** The numeric non-root user (and group) the pods run as. */
  readonly uid: number;
  /** Annotations of the pod template (may be a lazy value, e.g. the external Secrets the pods read). */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Keep each client on one pod: "ClientIP" for servers that keep sessions in memory.
   * @default - no affinity
   */
  readonly sessionAffinity?: 'ClientIP';
  /**
   * How long a client sticks to its pod.
   * @default 10800 (Kubernetes' default, 3 hours)
   */
  readonly sessionAffinityTimeoutSeconds?: number;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Pods call the Kubernetes API: mount the ServiceAccount token. @default false */
  readonly automountServiceAccountToken?: boolean;
  /**
   * The workload these pods are, when a construct wraps this one (a Microservice): it registers
   * itself with the architecture (`register()`), and connections name it as the provider.
   * @default - these pods register as themselves
   */
  readonly owner?: IWorkload;
  /**
   * What runs, for architecture extensions ("apollo", "grafana", ...).
   * @default - the identity's component label
   */
  readonly kind?: string;
  /**
   * Ports clients outside the architecture reach (a gateway's listeners): a mesh accepts
   * plaintext and any caller on them.
   * @default - none
   */
  readonly publicPorts?: number[];
}

/**
 * The shared shape of every stateless workload (microservices, stateless platform servers such as
 * Apollo's config service, admin service and portal): a Deployment that rolls one pod at a time
 * without losing capacity, a ClusterIP Service, its own ServiceAccount (no API token), spread
 * across zones and nodes and a disruption budget when it can run more than one replica, and a
 * NetworkPolicy that bindings fill with the peers it talks to. Everything is restricted and
 * labelled; selectors use only the stable identity labels.
 */
export class StatelessWorkload extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  /** Name of the Deployment and the Service. */
  public readonly name: string;
  /** The Service's cluster-internal DNS name. */
  public readonly host: string;
  /** The fixed replica count (undefined when an autoscaler owns it). */
  public readonly replicas?: number;
  /** The fewest replicas that run (the fixed count, or the autoscaler's minimum). */
  public readonly minReplicas: number;
  /** Labels of every object (the Deployment and pods also carry the version label). */
  public readonly labels: Record<string, string>;
  public readonly deployment: kplus.k8s.KubeDeployment;
  public readonly service: kplus.k8s.KubeService;
  private readonly selector: Record<string, string>;
  private readonly ports: StatelessWorkloadPort[];
  private readonly policy: WorkloadNetworkPolicy;
  private readonly extras = new PodTemplateExtras();
  private readonly owner?: IWorkload;
  private readonly kind: string;
  private readonly publicPorts: number[];

  constructor(scope: Construct, id: string, props: StatelessWorkloadProps) {
    super(scope, id);
    const arch = props.architecture;
    this.owner = props.owner;
    this.kind = props.kind ?? props.identity.component;
    this.publicPorts = props.publicPorts ?? [];
    for (const p of this.publicPorts) {
      if (!props.ports.some((x) => x.port === p)) fail(scope, `public port ${p} is not one of the workload's ports`, 'list ports the workload declares');
    }
    this.architecture = arch;
    this.componentName = props.identity.name;
    this.namespace = props.namespace;
    this.name = validateDnsLabel(scope, 'workload name', props.name);
    this.serviceAccountName = this.name;
    this.host = arch.serviceHost(this.name, this.namespace);
    if (props.ports.length === 0) fail(scope, `workload ${show(this.name)} has no ports`, 'give it at least one port');
    const names = new Set<string>();
    const numbers = new Set<string>();
    for (const p of props.ports) {
      validatePortName(scope, p.name);
      validateInteger(scope, `port ${show(p.name)}`, p.port, 1, 65535, 'use a port number from 1 to 65535 (1024 or above: the container runs without privileges)');
      const numberKey = `${p.port}/${p.protocol ?? Protocol.TCP}`;
      if (names.has(p.name) || numbers.has(numberKey)) {
        fail(scope, `port ${show(p.name)}/${p.port} of ${show(this.name)} is declared twice`, 'give each port a distinct name, and each number one entry per protocol');
      }
      names.add(p.name);
      numbers.add(numberKey);
    }
    this.ports = props.ports;
    if (props.replicas !== undefined) {
      validateInteger(scope, 'replicas', props.replicas, 1, 1000, 'use at least 1 replica (2 or more for availability)');
    }
    const maxReplicas = props.maxReplicas ?? props.replicas;
    if (maxReplicas === undefined) {
      fail(scope, `workload ${show(this.name)} has neither a replica count nor a maximum`, 'set replicas, or maxReplicas when an autoscaler owns the count');
    }
    validateInteger(scope, 'maximum replicas', maxReplicas, props.replicas ?? 1, 1000, 'use a maximum at least as large as the replica count');
    this.replicas = props.replicas;
    this.minReplicas = props.replicas ?? props.minReplicas ?? 1;

    this.selector = selectorLabels(props.identity);
    this.labels = recommendedLabels(props.identity, props.extraLabels);
    const versioned = props.version !== undefined ? { ...this.labels, [LABEL_VERSION]: props.version } : this.labels;
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: this.labels });
    const chart = props.chart;
    const replicated = maxReplicas > 1;

    new k8s.KubeServiceAccount(chart, `${id}-service-account`, {
      metadata: metadata(this.serviceAccountName),
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    this.deployment = new k8s.KubeDeployment(chart, `${id}-deployment`, {
      metadata: { ...metadata(this.name), labels: versioned },
      spec: {
        ...(props.replicas !== undefined ? { replicas: props.replicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels: this.extras.renderLabels(versioned), annotations: this.extras.renderAnnotations(props.podAnnotations) },
          spec: securePodSpec({
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: props.automountServiceAccountToken ?? false,
            containers: props.containers(this),
            initContainers: props.initContainers?.(this),
            volumes: props.volumes,
            uid: props.uid,
            topologySpreadConstraints: replicated ? topologySpread(this.selector, true) : undefined,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
          }),
        },
      },
    });

    const affinityTimeout = props.sessionAffinityTimeoutSeconds;
    if (affinityTimeout !== undefined) {
      validateInteger(scope, 'session affinity timeout (seconds)', affinityTimeout, 1, 86400, 'use 1 to 86400 seconds');
    }
    this.service = new k8s.KubeService(chart, `${id}-service`, {
      metadata: metadata(this.name),
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: this.ports.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: k8s.IntOrString.fromString(p.name),
          protocol: p.protocol ?? Protocol.TCP,
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
        ...(props.sessionAffinity
          ? {
            sessionAffinity: props.sessionAffinity,
            ...(affinityTimeout !== undefined ? { sessionAffinityConfig: { clientIp: { timeoutSeconds: affinityTimeout } } } : {}),
          }
          : {}),
      },
    });

    // development has no disruption budgets (Profile.DEVELOPMENT): a drain never waits for a developer's pods
    if (replicated && arch.profile === Profile.PRODUCTION) {
      disruptionBudget(chart, `${id}-pdb`, { name: this.name, namespace: this.namespace, labels: this.labels, selector: this.selector, maxUnavailable: 1 });
    }

    this.policy = new WorkloadNetworkPolicy(chart, `${id}-network-policy`, {
      name: this.name,
      namespace: this.namespace,
      identity: props.identity,
      podSelector: this.selector,
      extraLabels: props.extraLabels,
    });
    if (!props.owner) this.register(this);
  }

  /**
   * Registers these pods with the architecture as `workload` (itself, or the owner that wraps it),
   * with the owner's telemetry declaration if any. Called once.
   */
  public register(workload: IWorkload, telemetry?: WorkloadRegistration['telemetry']): WorkloadRegistration {
    return registerWorkload({
      workload,
      controller: WorkloadController.DEPLOYMENT,
      kind: this.kind,
      ports: this.portInfo,
      services: [serviceInfo(this.service, this.name, false, this.portInfo)],
      publicPorts: this.publicPorts,
      telemetry,
      extras: this.extras,
    });
  }

  /** Labels that select exactly this workload's pods. */
  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  /** Every port of the Service, as NetworkPolicy ports. */
  public get networkPorts(): NetworkPort[] {
    return this.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP }));
  }

  /** One port, by name, as a NetworkPolicy port. */
  public networkPort(name: string): NetworkPort {
    const p = this.ports.find((x) => x.name === name);
    if (!p) throw new Error(`workload ${this.name} has no port named ${name}`);
    return { port: p.port, protocol: p.protocol ?? Protocol.TCP };
  }

  /** The container ports, for the containers builder. */
  public get containerPorts(): kplus.k8s.ContainerPort[] {
    return this.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? Protocol.TCP }));
  }

  /** @see IWorkload.allowIngressFrom */
  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
    this.architecture._recordConnection({ consumer: peer, provider: this.owner ?? this, ports });
  }

  private get portInfo(): WorkloadPortInfo[] {
    return this.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? Protocol.TCP, appProtocol: p.appProtocol }));
  }

  /** @see IWorkload.allowEgressTo */
  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }
}
