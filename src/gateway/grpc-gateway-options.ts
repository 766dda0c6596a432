import { DeployedGatewayOptions } from './proxy-options';

/** Options of the gRPC-Gateway engine. */
export interface GrpcGatewayOptions extends DeployedGatewayOptions {
  /**
   * Your generated gRPC-Gateway proxy image (protoc-gen-grpc-gateway handlers on a
   * `runtime.ServeMux`), pinned. It reads each upstream's address from `<SERVICE>_GRPC_ADDR`.
   */
  readonly image: string;
  /**
   * The port the proxy serves REST/JSON on.
   * @default 8080
   */
  readonly port?: number;
  /**
   * An HTTP path of the proxy that answers 200 while it is healthy.
   * @default - TCP probes
   */
  readonly healthCheckPath?: string;
  /**
   * The numeric user the image runs as.
   * @default 65532 (distroless "nonroot")
   */
  readonly runAsUser?: number;
}
