/** The controller implementing the Gateway API in the cluster. */
export enum GatewayApiImplementation {
  /** Envoy Gateway (v1.2 or later): the policies the standard API lacks are Envoy Gateway policies. */
  ENVOY_GATEWAY = 'envoy-gateway',
  /** Any other conformant implementation: only the standard API (a policy option is a synth error). */
  OTHER = 'other',
}

/** Options of the Kubernetes Gateway API engine. */
export interface GatewayApiOptions {
  /**
   * The GatewayClass the platform team installed with the controller.
   * @default "eg" (Envoy Gateway's quickstart class)
   */
  readonly gatewayClassName?: string;
  /**
   * Which controller implements the class.
   * @default GatewayApiImplementation.ENVOY_GATEWAY
   */
  readonly implementation?: GatewayApiImplementation;
  /**
   * The namespace the controller runs the data-plane (proxy) pods in: the NetworkPolicies of the
   * routed services admit these pods.
   * @default "envoy-gateway-system" (Envoy Gateway's default)
   */
  readonly dataPlaneNamespace?: string;
  /**
   * Labels selecting this Gateway's data-plane pods.
   * @default - Envoy Gateway's: app.kubernetes.io/name=envoy, app.kubernetes.io/component=proxy,
   * app.kubernetes.io/managed-by=envoy-gateway, gateway.envoyproxy.io/owning-gateway-name=<name>,
   * gateway.envoyproxy.io/owning-gateway-namespace=<namespace>
   */
  readonly dataPlaneLabels?: { [key: string]: string };
  /**
   * The ServiceAccount of the data-plane pods (the identity a mesh authorizes).
   * @default - Envoy Gateway's name: "envoy-<namespace>-<name>-<first 8 hex of sha256('<namespace>/<name>')>"
   */
  readonly dataPlaneServiceAccountName?: string;
  /**
   * Whether the platform team runs the controller's data-plane pods in the architecture's mesh
   * (Istio sidecar: the namespace labelled for injection and Envoy Gateway routing to Services,
   * `EnvoyProxy.spec.routingType: Service`; Istio ambient: the namespace labelled
   * `istio.io/dataplane-mode=ambient`; Linkerd: `linkerd.io/inject: ingress`). With a Mesh in the
   * architecture it must be stated: true, and the mesh authorizes the proxies' identity on the
   * routed ports; false, and the routed services (and what they call) leave the mesh, since strict
   * mutual TLS would refuse the proxies.
   * @default - not stated (a synth error when the architecture has a Mesh)
   */
  readonly dataPlaneInMesh?: boolean;
  /**
   * Port of the HTTP listener.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Port of the HTTPS listener (with `tls`).
   * @default 443
   */
  readonly httpsPort?: number;
}
