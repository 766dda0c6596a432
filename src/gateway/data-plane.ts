import { Construct } from 'constructs';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort } from '../architecture/binding';
import { WorkloadController } from '../architecture/extension';
import { registerWorkload } from '../internal/workload-registration';

/** Where a Gateway API controller runs this Gateway's proxies. */
export interface ControllerDataPlaneProps {
  readonly architecture: BackendArchitecture;
  readonly componentName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  /** The platform team runs these pods in the architecture's mesh (undefined: not stated). */
  readonly inMesh?: boolean;
}

/**
 * The proxy pods a Gateway API controller creates for a Gateway, in the controller's namespace.
 * They are an IWorkload so routes are ordinary edges: the routed services admit them by namespace
 * and labels, and a mesh authorizes their ServiceAccount. The controller's namespace belongs to the
 * platform team, so nothing is emitted there: egress rules for these pods are not ours to write.
 */
export class ControllerDataPlane extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  private readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: ControllerDataPlaneProps) {
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
      kind: 'gateway-data-plane',
      ports: [],
      external: true,
      externalInMesh: props.inMesh,
    });
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  /** Ingress to the controller's proxies is the controller's business (they are the entry). */
  public allowIngressFrom(_peer: IWorkload, _ports: NetworkPort[]): void {}

  /** Egress of the controller's proxies is governed in the controller's namespace, not here. */
  public allowEgressTo(_peer: IWorkload, _ports: NetworkPort[]): void {}
}
