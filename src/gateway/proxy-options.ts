import { ComputeResources } from '../architecture/resources';

/** How clients reach a gateway the library deploys. */
export enum GatewayExposure {
  /** A ClusterIP Service only: a business gateway behind an access gateway (routed to by it). */
  CLUSTER_INTERNAL = 'cluster-internal',
  /**
   * A LoadBalancer Service as well (`externalTrafficPolicy: Local`, so the client address is kept
   * for IP lists), and a NetworkPolicy admitting `clientCidrs` on the proxy ports.
   */
  LOAD_BALANCER = 'load-balancer',
}

/** Options every engine that the library deploys shares. */
export interface DeployedGatewayOptions {
  /**
   * Fixed replica count, or the autoscaler's minimum when `maxReplicas` is larger.
   * @default - 1 in development, 2 in production
   */
  readonly replicas?: number;
  /**
   * The autoscaler's maximum (a CPU HorizontalPodAutoscaler when above `replicas`).
   * @default - replicas in development, 6 in production
   */
  readonly maxReplicas?: number;
  /**
   * CPU and memory of the gateway container.
   * @default - 250m/1000m CPU and 256/512 MiB in production; 50m/500m and 128/256 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * How clients reach the gateway.
   * @default GatewayExposure.CLUSTER_INTERNAL
   */
  readonly exposure?: GatewayExposure;
  /**
   * With `GatewayExposure.LOAD_BALANCER`: the address ranges admitted by the NetworkPolicy.
   * @default ["0.0.0.0/0"]
   */
  readonly clientCidrs?: string[];
}
