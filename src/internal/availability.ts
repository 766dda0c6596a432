import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

const k8s = kplus.k8s;

/**
 * Spread replicas across zones (best effort: single-zone clusters still schedule) and nodes
 * (strict: two replicas never share a node while another node is free). For Deployments,
 * `pod-template-hash` makes the skew count only the current revision during a rollout.
 */
export function topologySpread(selector: Record<string, string>, rollingDeployment: boolean): kplus.k8s.TopologySpreadConstraint[] {
  const base = {
    labelSelector: { matchLabels: { ...selector } },
    maxSkew: 1,
    ...(rollingDeployment ? { matchLabelKeys: ['pod-template-hash'] } : {}),
  };
  return [
    { ...base, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    { ...base, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' },
  ];
}

export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** Exactly one of maxUnavailable / minAvailable. */
  readonly maxUnavailable?: number;
  readonly minAvailable?: number;
}

/**
 * A PodDisruptionBudget. Stateless workloads use maxUnavailable 1 (works with any replica count
 * and with autoscaling); quorum-based clusters use minAvailable = quorum.
 */
export function disruptionBudget(scope: Construct, id: string, p: DisruptionBudgetProps): kplus.k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: {
      selector: { matchLabels: { ...p.selector } },
      ...(p.minAvailable !== undefined
        ? { minAvailable: k8s.IntOrString.fromNumber(p.minAvailable) }
        : { maxUnavailable: k8s.IntOrString.fromNumber(p.maxUnavailable ?? 1) }),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
