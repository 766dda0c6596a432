import { Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { disruptionBudget, topologySpread } from './availability';
import { fail } from './errors';
import { DOMAIN, recommendedLabels, selectorLabels, WorkloadIdentityLabels } from './labels';
import { lazy } from './lazy';
import { objectName, validateInteger, validatePortName } from './names';
import { WorkloadNetworkPolicy } from './network';
import { securePodSpec } from './pod';
import { persistentStorage } from './profile-defaults';
import { PodTemplateExtras, registerWorkload, serviceInfo } from './workload-registration';
import { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import { WorkloadController, WorkloadPortInfo } from '../architecture/extension';
import { Profile } from '../architecture/profile';

const k8s = kplus.k8s;

/** A port of a cluster member. */
export interface ClusterPort {
  readonly name: string;
  readonly port: number;
  readonly protocol?: Protocol;
  /** Only members use it (peer/replication/election); it is not on the client Service. */
  readonly peerOnly?: boolean;
}

/**
 * Pod annotations that ask the architecture's metrics system to scrape a pod (read by the
 * Prometheus relabeling; the library's own keys, so a cluster-wide Prometheus that follows the
 * `prometheus.io/*` convention does not scrape the same pods twice).
 */
export const ANNOTATION_SCRAPE = `${DOMAIN}/scrape`;
export const ANNOTATION_SCRAPE_PORT = `${DOMAIN}/scrape-port`;
export const ANNOTATION_SCRAPE_PATH = `${DOMAIN}/scrape-path`;

/** The label Prometheus' pod discovery gives a pod annotation (`__meta_kubernetes_pod_annotation_<name>`). */
export function podAnnotationMetaLabel(key: string): string {
  return `__meta_kubernetes_pod_annotation_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}
/** What the target is ("microservice", "etcd", ...): the `kind` label, which selects alert rules. */
export const ANNOTATION_SCRAPE_KIND = `${DOMAIN}/scrape-kind`;
/** The `job` label of the target's series. */
export const ANNOTATION_SCRAPE_JOB = `${DOMAIN}/scrape-job`;

/** The scrape annotations of a pod template. */
export function scrapeAnnotations(m: { port: number; path: string; kind: string; job: string }): Record<string, string> {
  return {
    [ANNOTATION_SCRAPE]: 'true',
    [ANNOTATION_SCRAPE_PORT]: String(m.port),
    [ANNOTATION_SCRAPE_PATH]: m.path,
    [ANNOTATION_SCRAPE_KIND]: m.kind,
    [ANNOTATION_SCRAPE_JOB]: m.job,
  };
}

/** A Prometheus metrics endpoint the members serve without an extra exporter. */
export interface ClusterMetrics {
  /** The port (one of the cluster's ports). */
  readonly port: number;
  /** The HTTP path, e.g. "/metrics". */
  readonly path: string;
  /** What it is, e.g. "etcd" (the `kind` label; selects alert rules). */
  readonly kind: string;
}

/** Where a member keeps its data. */
export interface ClusterStorage {
  /** Volume name (also the PVC template's name). */
  readonly volumeName: string;
  readonly mountPath: string;
  /** Size of each member's PersistentVolumeClaim (production) or emptyDir limit (development). */
  readonly sizeGibibytes: number;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
}

export interface StatefulClusterProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  /** Base name of the StatefulSet, Services, ServiceAccount, PDB and NetworkPolicy. */
  readonly name: string;
  readonly namespace: string;
  readonly identity: WorkloadIdentityLabels;
  readonly replicas: number;
  /**
   * Members form a majority quorum (Raft/ZAB): the size must be odd and the disruption budget
   * keeps a majority. Otherwise the budget allows one member down at a time.
   */
  readonly quorum: boolean;
  readonly ports: ClusterPort[];
  /**
   * Further ports only members use that are not container ports (ranges a process picks from at
   * run time, e.g. RabbitMQ's stream replication ports): admitted between members only.
   * @default - none
   */
  readonly peerPortRanges?: NetworkPort[];
  readonly storage?: ClusterStorage;
  /** The member containers, built once the cluster knows its names (peer list, services). */
  readonly containers: (cluster: StatefulCluster) => kplus.k8s.Container[];
  readonly initContainers?: (cluster: StatefulCluster) => kplus.k8s.Container[];
  readonly volumes?: kplus.k8s.Volume[];
  readonly uid: number;
  /** Pods call the Kubernetes API (peer discovery): mount the token. */
  readonly automountServiceAccountToken?: boolean;
  readonly extraLabels?: Record<string, string>;
  /** @default "Parallel": members start together, as quorum bootstrap needs. */
  readonly podManagementPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
  /** Annotations of the pod template (e.g. the external Secrets the members read). */
  readonly podAnnotations?: Record<string, string>;
  /**
   * The members' Prometheus endpoint: annotated for scraping and registered with the
   * architecture's metrics system (whether the observability stack exists yet or not).
   * @default - not scraped
   */
  readonly metrics?: ClusterMetrics;
  /**
   * What runs, for architecture extensions ("etcd", "kafka", "mysql", ...).
   * @default - the identity's component label
   */
  readonly kind?: string;
}

/**
 * The shared shape of every stateful platform cluster (etcd, ZooKeeper, Kafka, ...): a StatefulSet
 * with stable member names, a headless Service that publishes not-ready addresses (members must
 * find each other before they are ready), a client Service, per-member storage (PVC templates in
 * production, emptyDir in development), an ordinal-aware peer list, a disruption budget that keeps
 * quorum, spread across zones and nodes, and a NetworkPolicy that lets members talk to each other.
 */
export class StatefulCluster extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly replicas: number;
  /** Members form a majority quorum. */
  public readonly quorum: boolean;
  public readonly headlessServiceName: string;
  public readonly clientServiceName: string;
  public readonly labels: Record<string, string>;
  public readonly statefulSet: kplus.k8s.KubeStatefulSet;
  private readonly selector: Record<string, string>;
  private readonly policy: WorkloadNetworkPolicy;
  private readonly ports: ClusterPort[];
  private readonly extras = new PodTemplateExtras();
  private readonly volumes: kplus.k8s.Volume[] = [];

  constructor(scope: Construct, id: string, props: StatefulClusterProps) {
    super(scope, id);
    const arch = props.architecture;
    this.architecture = arch;
    this.componentName = props.identity.name;
    this.namespace = props.namespace;
    this.replicas = validateInteger(scope, 'replicas', props.replicas, 1, 99, 'use at least 1 member');
    this.quorum = props.quorum;
    if (props.quorum && props.replicas % 2 === 0) {
      fail(scope, `a quorum of ${props.replicas} members is even: it tolerates no more failures than ${props.replicas - 1} and can split evenly`, `use an odd number of members (${props.replicas - 1} or ${props.replicas + 1}; 3 or 5 in production)`);
    }
    const seen = new Set<string>();
    for (const p of props.ports) {
      validatePortName(scope, p.name);
      validateInteger(scope, `port ${p.name}`, p.port, 1, 65535, 'use a port number from 1 to 65535');
      // a number may appear once per protocol (e.g. DNS or gossip on TCP and UDP), under distinct names
      const numberKey = `${p.port}/${p.protocol ?? Protocol.TCP}`;
      if (seen.has(p.name) || seen.has(numberKey)) {
        fail(scope, `cluster port ${p.name}/${p.port} is declared twice`, 'give each port a distinct name, and each number one entry per protocol');
      }
      seen.add(p.name);
      seen.add(numberKey);
    }
    this.ports = props.ports;
    this.serviceAccountName = objectName(scope, props.name);
    this.clientServiceName = objectName(scope, props.name);
    this.headlessServiceName = objectName(scope, props.name, 'headless');
    this.selector = selectorLabels(props.identity);
    this.labels = recommendedLabels(props.identity, props.extraLabels);
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: this.labels });
    const chart = props.chart;

    new k8s.KubeServiceAccount(chart, `${id}-service-account`, {
      metadata: metadata(this.serviceAccountName),
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    const servicePorts = (ps: ClusterPort[]) => ps.map((p) => ({
      name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP',
    }));
    const headless = new k8s.KubeService(chart, `${id}-headless`, {
      metadata: metadata(this.headlessServiceName),
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: this.selector, ports: servicePorts(this.ports) },
    });
    const clientPorts = this.ports.filter((p) => !p.peerOnly);
    let client: kplus.k8s.KubeService | undefined;
    if (clientPorts.length > 0) {
      client = new k8s.KubeService(chart, `${id}-client`, {
        metadata: metadata(this.clientServiceName),
        spec: { type: 'ClusterIP', selector: this.selector, ports: servicePorts(clientPorts) },
      });
    }

    let podAnnotations = props.podAnnotations;
    const metrics = props.metrics;
    if (metrics) {
      if (!props.ports.some((p) => p.port === metrics.port)) {
        fail(scope, `metrics port ${metrics.port} is not one of the cluster's ports`, 'declare the metrics port in ports (peerOnly if clients do not use it)');
      }
      const own = scrapeAnnotations({ ...metrics, job: this.clientServiceName });
      const base = props.podAnnotations;
      podAnnotations = lazy(() => ({ ...(base instanceof Lazy ? base.produce() : base), ...own }));
    }

    const persistent = persistentStorage(arch.profile) && props.storage !== undefined;
    const volumes = this.volumes;
    volumes.push(...(props.volumes ?? []));
    if (props.storage && !persistent) {
      volumes.push({ name: props.storage.volumeName, emptyDir: { sizeLimit: k8s.Quantity.fromString(`${props.storage.sizeGibibytes}Gi`) } });
    }
    const spread = props.replicas > 1;
    this.statefulSet = new k8s.KubeStatefulSet(chart, `${id}-statefulset`, {
      metadata: metadata(objectName(scope, props.name)),
      spec: {
        serviceName: this.headlessServiceName,
        replicas: props.replicas,
        podManagementPolicy: props.podManagementPolicy ?? 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        template: {
          metadata: { labels: this.extras.renderLabels(this.labels), annotations: this.extras.renderAnnotations(podAnnotations) },
          spec: securePodSpec({
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: props.automountServiceAccountToken ?? false,
            containers: props.containers(this),
            initContainers: props.initContainers?.(this),
            // resolved at synth: addVolume() may add more (an empty list leaves the field out)
            volumes: lazy(() => (volumes.length > 0 ? volumes : undefined)),
            uid: props.uid,
            topologySpreadConstraints: spread ? topologySpread(this.selector, false) : undefined,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
          }),
        },
        ...(persistent && props.storage
          ? {
            volumeClaimTemplates: [{
              metadata: { name: props.storage.volumeName, labels: this.labels },
              spec: {
                accessModes: ['ReadWriteOnce'],
                ...(props.storage.storageClassName ? { storageClassName: props.storage.storageClassName } : {}),
                resources: { requests: { storage: k8s.Quantity.fromString(`${props.storage.sizeGibibytes}Gi`) } },
              },
            }],
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          }
          : {}),
      },
    });

    // development has no disruption budgets (Profile.DEVELOPMENT)
    if (props.replicas > 1 && arch.profile === Profile.PRODUCTION) {
      disruptionBudget(chart, `${id}-pdb`, {
        name: objectName(scope, props.name),
        namespace: this.namespace,
        labels: this.labels,
        selector: this.selector,
        ...(props.quorum ? { minAvailable: Math.floor(props.replicas / 2) + 1 } : { maxUnavailable: 1 }),
      });
    }

    this.policy = new WorkloadNetworkPolicy(chart, `${id}-network-policy`, {
      name: objectName(scope, props.name),
      namespace: this.namespace,
      identity: props.identity,
      podSelector: this.selector,
      extraLabels: props.extraLabels,
    });
    // Members talk to each other on every port (client ports too: followers forward to leaders).
    const peerPorts = [...this.networkPorts(this.ports), ...(props.peerPortRanges ?? [])];
    this.policy.allowSelf(peerPorts);
    const info = (ps: ClusterPort[]): WorkloadPortInfo[] => ps.map((p) => ({
      name: p.name, port: p.port, protocol: p.protocol ?? Protocol.TCP, peerOnly: p.peerOnly,
    }));
    registerWorkload({
      workload: this,
      controller: WorkloadController.STATEFUL_SET,
      kind: props.kind ?? props.identity.component,
      ports: info(this.ports),
      services: [
        ...(client ? [serviceInfo(client, this.clientServiceName, false, info(clientPorts))] : []),
        serviceInfo(headless, this.headlessServiceName, true, info(this.ports)),
      ],
      peerPorts,
      extras: this.extras,
    });
    if (metrics) {
      arch._registerScrapeTarget({ workload: this, port: metrics.port, path: metrics.path, kind: metrics.kind, job: this.clientServiceName });
    }
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  /** Adds a volume to the pod template (before synthesis; its containers mount it with a lazy list). */
  public addVolume(volume: kplus.k8s.Volume): void {
    if (this.volumes.some((v) => v.name === volume.name)) {
      throw new Error(`internal: volume ${volume.name} is added twice to ${this.node.path}`);
    }
    this.volumes.push(volume);
  }

  /** The client-facing ports, as NetworkPolicy ports. */
  public get clientNetworkPorts(): NetworkPort[] {
    return this.networkPorts(this.ports.filter((p) => !p.peerOnly));
  }

  /** Stable DNS name of member `ordinal` (through the headless Service). */
  public memberHost(ordinal: number): string {
    return `${this.statefulSetName}-${ordinal}.${this.headlessServiceName}.${this.namespace}.svc.${this.architecture.clusterDomain}`;
  }

  /** All members' DNS names, ordinal order. */
  public memberHosts(): string[] {
    return Array.from({ length: this.replicas }, (_, i) => this.memberHost(i));
  }

  /** The client Service's DNS name. */
  public get clientHost(): string {
    return this.architecture.serviceHost(this.clientServiceName, this.namespace);
  }

  /** The StatefulSet's name (the prefix of member pod names). */
  public get statefulSetName(): string {
    return this.clientServiceName;
  }

  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
    this.architecture._recordConnection({ consumer: peer, provider: this, ports });
  }

  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }

  private networkPorts(ps: ClusterPort[]): NetworkPort[] {
    return ps.map((p) => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP }));
  }
}
