import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import type { IWorkload, NetworkPort } from '../architecture/binding';
import * as gw from '../imports/gateway.networking.k8s.io';
import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { WorkloadNetworkPolicy } from '../internal/network';

/** The label istiod puts on the pods of the Deployment it creates for a Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/**
 * An Istio ambient waypoint proxy for the Services of one namespace: the Gateway
 * (`gatewayClassName: istio-waypoint`, HBONE listener on 15008, `istio.io/waypoint-for: service`)
 * from which istiod deploys the proxy, and a NetworkPolicy for its pods, which act as a workload of
 * the graph (callers reach it, it reaches the services behind it, both on 15008).
 * @internal
 */
export class Waypoint extends Construct implements IWorkload {
  public readonly componentName: string;
  public readonly serviceAccountName: string;
  private readonly policy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, public readonly architecture: BackendArchitecture, public readonly namespace: string,
    name: string, chart: Chart) {
    super(scope, id);
    this.componentName = name;
    this.serviceAccountName = name; // istiod names the waypoint's ServiceAccount after the Gateway
    new gw.Gateway(chart, `${namespace}-${name}-gateway`, {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_PART_OF]: architecture.name, [LABEL_MANAGED_BY]: MANAGED_BY, 'istio.io/waypoint-for': 'service' },
      },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    });
    this.policy = new WorkloadNetworkPolicy(chart, `${namespace}-${name}-network-policy`, {
      name,
      namespace,
      identity: { name, instance: `${architecture.name}-${name}`, component: 'waypoint', partOf: architecture.name },
      podSelector: this.podSelector,
    });
  }

  public get podSelector(): { [key: string]: string } {
    return { [GATEWAY_NAME_LABEL]: this.componentName };
  }

  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
  }

  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }
}
