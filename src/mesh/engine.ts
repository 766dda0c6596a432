/** The data plane of an Istio mesh. */
export enum IstioDataPlaneMode {
  /**
   * An Envoy sidecar in every enrolled pod, injected by istiod's webhook. Requires the Istio CNI
   * node agent (`istio-cni`), so pods need no NET_ADMIN init container and namespaces stay
   * "restricted".
   */
  SIDECAR = 'sidecar',
  /**
   * Ambient: the node's ztunnel carries enrolled pods' traffic over HBONE mutual TLS (port 15008);
   * no injection, so pods are unchanged.
   */
  AMBIENT = 'ambient',
}

/** Options of an Istio mesh. */
export interface IstioOptions {
  /**
   * The data plane.
   * @default IstioDataPlaneMode.SIDECAR
   */
  readonly mode?: IstioDataPlaneMode;
  /**
   * The control plane revision (or revision tag, e.g. "stable") that injects the sidecars: enrolment
   * uses the `istio.io/rev` label instead of `istio-injection: enabled`. Sidecar mode only.
   * @default - the default revision
   */
  readonly revision?: string;
  /**
   * The namespace the control plane (istiod) runs in: enrolled pods may reach it on 15012.
   * @default "istio-system"
   */
  readonly controlPlaneNamespace?: string;
}

/** Options of a Linkerd mesh. */
export interface LinkerdOptions {
  /**
   * The namespace the control plane runs in: enrolled pods may reach its identity (8080),
   * destination (8086) and policy (8090) services there.
   * @default "linkerd"
   */
  readonly controlPlaneNamespace?: string;
  /**
   * The addresses kubelet probes come from, authorized (unauthenticated) on the gRPC health-check
   * route of gRPC ports: Linkerd authorizes HTTP GET probe paths itself, but not gRPC probes.
   * @default ["0.0.0.0/0", "::/0"] (Linkerd's own default probe networks)
   */
  readonly probeNetworks?: string[];
}

/** Which mesh implementation a {@link Mesh} configures. */
export enum MeshKind {
  /** Istio. */
  ISTIO = 'istio',
  /** Linkerd. */
  LINKERD = 'linkerd',
}

/** The mesh implementation and its data plane; choose with {@link MeshEngine}. */
export interface IMeshEngine {
  /** The implementation. */
  readonly kind: MeshKind;
  /** The Istio data plane, for Istio engines. */
  readonly istioMode?: IstioDataPlaneMode;
}

/** @internal */
export interface ResolvedEngine {
  readonly kind: MeshKind;
  readonly istioMode?: IstioDataPlaneMode;
  readonly revision?: string;
  readonly controlPlaneNamespace: string;
  readonly probeNetworks: string[];
}

class Engine implements IMeshEngine {
  constructor(public readonly kind: MeshKind, public readonly istioMode: IstioDataPlaneMode | undefined,
    public readonly revision: string | undefined, public readonly controlPlaneNamespace: string,
    public readonly probeNetworks: string[] = []) {}
}

/** Factories of the mesh engines. */
export class MeshEngine {
  /** Istio (tested against the CRDs of 1.24.6 and 1.30.3), sidecar or ambient data plane. */
  public static istio(options: IstioOptions = {}): IMeshEngine {
    return new Engine(MeshKind.ISTIO, options.mode ?? IstioDataPlaneMode.SIDECAR, options.revision, options.controlPlaneNamespace ?? 'istio-system');
  }

  /** Linkerd (tested against the CRDs of version-2.19 and version-2.20). */
  public static linkerd(options: LinkerdOptions = {}): IMeshEngine {
    return new Engine(MeshKind.LINKERD, undefined, undefined, options.controlPlaneNamespace ?? 'linkerd', options.probeNetworks ?? ['0.0.0.0/0', '::/0']);
  }

  /** @internal */
  public static _resolve(engine: IMeshEngine): ResolvedEngine | undefined {
    return engine instanceof Engine ? engine : undefined;
  }

  private constructor() {}
}
