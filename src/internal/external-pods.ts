import { Construct } from 'constructs';
import { registerWorkload } from './workload-registration';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort } from '../architecture/binding';
import { WorkloadController } from '../architecture/extension';

/** Pods the platform team runs outside the architecture's manifests, which its workloads admit. */
export interface ExternalPodsProps {
  readonly architecture: BackendArchitecture;
  readonly componentName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  /** What they are (the registration's kind), e.g. "gateway-data-plane" or "prometheus". */
  readonly kind: string;
  /** The platform team runs these pods in the architecture's mesh (undefined: not stated). */
  readonly inMesh?: boolean;
  /** The option that states `inMesh`, e.g. "GatewayEngine.gatewayApi({ dataPlaneInMesh })" (named in the mesh's error). */
  readonly inMeshOption: string;
}

/**
 * Pods in a namespace the platform team owns (a Gateway API controller's proxies for a Gateway,
 * the Prometheus Operator's Prometheus). They are an IWorkload so their calls are ordinary edges:
 * the called workloads admit them by namespace and labels, and a mesh authorizes their
 * ServiceAccount. Their namespace is not ours, so nothing is emitted there: their own ingress and
 * egress rules are not ours to write.
 */
export class ExternalPods extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  private readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: ExternalPodsProps) {
    super(scope, id);
    this.architecture = props.architecture;
    this.componentName = props.componentName;
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;
    this.selector = { ...props.podSelector };
    // Known to the architecture's extensions as a caller whose pods are not ours (a mesh
    // authorizes its identity when the platform team enrols it).
    registerWorkload({
      workload: this,
      controller: WorkloadController.DEPLOYMENT,
      kind: props.kind,
      ports: [],
      external: true,
      externalInMesh: props.inMesh,
      externalInMeshOption: props.inMeshOption,
    });
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  /** Ingress to these pods is governed in their namespace, not here. */
  public allowIngressFrom(_peer: IWorkload, _ports: NetworkPort[]): void {}

  /** Egress of these pods is governed in their namespace, not here. */
  public allowEgressTo(_peer: IWorkload, _ports: NetworkPort[]): void {}
}
