import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { recommendedLabels, WorkloadIdentityLabels } from './labels';
import { lazy } from './lazy';
import type { IWorkload, NetworkPort } from '../architecture/binding';

const k8s = kplus.k8s;
/** The label every namespace carries (set by the API server since Kubernetes 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * A selector for the pods of `workload` as seen from a policy in `fromNamespace`: a bare pod
 * selector within the same namespace, namespace + pod selector across namespaces.
 */
export function peerSelector(workload: IWorkload, fromNamespace: string): kplus.k8s.NetworkPolicyPeer {
  const podSelector = { matchLabels: { ...workload.podSelector } };
  return workload.namespace === fromNamespace
    ? { podSelector }
    : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: workload.namespace } }, podSelector };
}

function portKey(p: NetworkPort): string {
  return `${String(p.port).padStart(5, '0')}${p.endPort !== undefined ? `-${String(p.endPort).padStart(5, '0')}` : ''}/${p.protocol ?? 'TCP'}`;
}

/** A NetworkPolicy port (with `endPort` for a range). */
export function policyPort(p: NetworkPort): kplus.k8s.NetworkPolicyPort {
  return { port: k8s.IntOrString.fromNumber(p.port), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol ?? 'TCP' };
}

function workloadKey(w: IWorkload): string {
  return `${w.namespace}/${w.componentName}/${w.serviceAccountName}/${w.node.path}`;
}

/** Peers and their ports, rendered sorted so that adding an edge changes one entry. */
class PeerPorts {
  private readonly peers = new Map<string, { peer: IWorkload; ports: Map<string, NetworkPort> }>();

  public add(peer: IWorkload, ports: NetworkPort[]): void {
    const key = workloadKey(peer);
    let entry = this.peers.get(key);
    if (!entry) {
      entry = { peer, ports: new Map() };
      this.peers.set(key, entry);
    }
    for (const p of ports) {
      entry.ports.set(portKey(p), p);
    }
  }

  public get size(): number {
    return this.peers.size;
  }

  public render(): Array<{ peer: IWorkload; ports: kplus.k8s.NetworkPolicyPort[] }> {
    return [...this.peers.keys()].sort().map((key) => {
      const entry = this.peers.get(key)!;
      const ports = [...entry.ports.keys()].sort().map((pk) => {
        const p = entry.ports.get(pk)!;
        return policyPort(p);
      });
      return { peer: entry.peer, ports };
    });
  }

  /**
   * One rule per distinct port set, listing every peer that uses exactly those ports (peers of a
   * rule are OR-ed, so this allows exactly what one rule per peer would, in far fewer lines).
   * Rules are ordered by port set and peers by name, so adding a peer inserts one list entry.
   */
  public renderGrouped(fromNamespace: string): Array<{ peers: kplus.k8s.NetworkPolicyPeer[]; ports: kplus.k8s.NetworkPolicyPort[] }> {
    const groups = new Map<string, { peers: kplus.k8s.NetworkPolicyPeer[]; ports: kplus.k8s.NetworkPolicyPort[] }>();
    for (const key of [...this.peers.keys()].sort()) {
      const entry = this.peers.get(key)!;
      const portKeys = [...entry.ports.keys()].sort();
      const groupKey = portKeys.join(',');
      let group = groups.get(groupKey);
      if (!group) {
        group = {
          peers: [],
          ports: portKeys.map((pk) => {
            const p = entry.ports.get(pk)!;
            return policyPort(p);
          }),
        };
        groups.set(groupKey, group);
      }
      group.peers.push(peerSelector(entry.peer, fromNamespace));
    }
    return [...groups.keys()].sort().map((k) => groups.get(k)!);
  }
}

export interface WorkloadNetworkPolicyProps {
  readonly name: string;
  readonly namespace: string;
  readonly identity: WorkloadIdentityLabels;
  readonly podSelector: Record<string, string>;
  readonly extraLabels?: Record<string, string>;
}

/**
 * The allow rules of one workload: ingress from each consumer and egress to each provider, both
 * derived from bindings. The namespace's default-deny policy does the rest.
 */
export class WorkloadNetworkPolicy extends Construct {
  private readonly ingress = new PeerPorts();
  private readonly egress = new PeerPorts();
  private readonly selfPorts = new Map<string, NetworkPort>();
  private readonly podSelector: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    this.podSelector = { ...props.podSelector };
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: recommendedLabels(props.identity, props.extraLabels),
      },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        // A direction without rules is left out, not written as `[]`: the API server stores no empty
        // list, so `ingress: []` would differ from the live object on every server-side apply (its
        // generation moves each time, and a GitOps tool never sees it in sync). `policyTypes` still
        // names both directions, so a direction without rules denies everything, as before.
        ingress: lazy(() => nonEmpty([
          ...this.renderSelf((ports, self) => ({ from: [self], ports })),
          ...this.ingress.renderGrouped(props.namespace).map(({ peers, ports }) => ({ from: peers, ports })),
        ])),
        egress: lazy(() => nonEmpty([
          ...this.renderSelf((ports, self) => ({ to: [self], ports })),
          ...this.egress.renderGrouped(props.namespace).map(({ peers, ports }) => ({ to: peers, ports })),
        ])),
      },
    });
  }

  public allowFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.ingress.add(peer, ports);
  }

  public allowTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.egress.add(peer, ports);
  }

  /** Lets the workload's own pods reach each other on these ports (cluster members: peer traffic). */
  public allowSelf(ports: NetworkPort[]): void {
    for (const p of ports) this.selfPorts.set(portKey(p), p);
  }

  private renderSelf<T>(rule: (ports: kplus.k8s.NetworkPolicyPort[], self: kplus.k8s.NetworkPolicyPeer) => T): T[] {
    if (this.selfPorts.size === 0) return [];
    const ports = [...this.selfPorts.keys()].sort().map((k) => {
      const p = this.selfPorts.get(k)!;
      return policyPort(p);
    });
    return [rule(ports, { podSelector: { matchLabels: { ...this.podSelector } } })];
  }
}

/** The list, or undefined (the field is left out) when it is empty. */
function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/** Where pods send DNS queries, as NetworkPolicy peers. */
export interface DnsPeers {
  /** Namespace of the cluster DNS pods. */
  readonly namespace: string;
  /** Labels of the cluster DNS pods (CoreDNS/kube-dns). */
  readonly podLabels: Record<string, string>;
  /** Labels of NodeLocal DNSCache pods, when they run in the pod network (Cilium local redirect). */
  readonly nodeLocalPodLabels: Record<string, string>;
  /** Addresses (CIDRs) of DNS servers outside the pod network: NodeLocal DNSCache's link-local address, and any given. */
  readonly cidrs: string[];
}

/**
 * The baseline of every namespace: deny all ingress and egress, then allow DNS (a default-deny
 * policy otherwise blocks name resolution too) to every place a cluster may answer it: the
 * CoreDNS/kube-dns pods, NodeLocal DNSCache pods (Cilium's local redirect policy runs them in the
 * pod network) and NodeLocal DNSCache's host-network listener on its link-local address (the
 * iptables/IPVS mode, always on in some managed clusters).
 */
export function namespaceBaselinePolicies(scope: Construct, namespace: string, labels: Record<string, string>, dns: DnsPeers): void {
  new k8s.KubeNetworkPolicy(scope, `${namespace}-default-deny`, {
    metadata: { name: 'default-deny-all', namespace, labels },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  const inDnsNamespace = { [NAMESPACE_NAME_LABEL]: dns.namespace };
  new k8s.KubeNetworkPolicy(scope, `${namespace}-allow-dns`, {
    metadata: { name: 'allow-dns-egress', namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: inDnsNamespace }, podSelector: { matchLabels: { ...dns.podLabels } } },
            { namespaceSelector: { matchLabels: inDnsNamespace }, podSelector: { matchLabels: { ...dns.nodeLocalPodLabels } } },
            ...dns.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
          ],
          ports: [
            { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
            { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
          ],
        },
      ],
    },
  });
}
