import { ApisixEngine } from './apisix';
import { ApisixOptions } from './apisix-options';
import { GatewayApiEngine } from './gateway-api';
import { GatewayApiOptions } from './gateway-api-options';
import { GrpcGatewayEngine } from './grpc-gateway';
import { GrpcGatewayOptions } from './grpc-gateway-options';
import { KongGatewayEngine } from './kong';
import { KongOptions } from './kong-options';
import { SpringCloudGatewayEngine } from './spring-cloud-gateway';
import { SpringCloudGatewayOptions } from './spring-cloud-gateway-options';

/** The gateway software. */
export enum GatewayKind {
  /** Kubernetes Gateway API objects for an installed controller (Envoy Gateway by default). */
  GATEWAY_API = 'gateway-api',
  /** Kong Gateway OSS in DB-less mode. */
  KONG = 'kong',
  /** Apache APISIX in standalone mode. */
  APISIX = 'apisix',
  /** Spring Cloud Gateway (your image). */
  SPRING_CLOUD_GATEWAY = 'spring-cloud-gateway',
  /** gRPC-Gateway REST-to-gRPC transcoding proxy (your image). */
  GRPC_GATEWAY = 'grpc-gateway',
}

/** A gateway engine, chosen with a {@link GatewayEngine} factory. */
export interface IGatewayEngine {
  /** Which software. */
  readonly kind: GatewayKind;
}

/** Factories of the gateway engines. */
export class GatewayEngine {
  /**
   * Kubernetes Gateway API (Gateway, HTTPRoute, GRPCRoute, ReferenceGrant) for a controller the
   * platform team installs; policies the standard API lacks (rate limits, retries, circuit
   * breaking, JWT, CORS, IP lists, client timeouts) as Envoy Gateway policies.
   */
  public static gatewayApi(options: GatewayApiOptions = {}): IGatewayEngine {
    return new GatewayApiEngine(options);
  }

  /** Kong Gateway OSS in DB-less mode: a declarative kong.yml, deployed by the library. */
  public static kong(options: KongOptions = {}): IGatewayEngine {
    return new KongGatewayEngine(options);
  }

  /** Apache APISIX in standalone mode (apisix.yaml, no etcd), deployed by the library. */
  public static apisix(options: ApisixOptions = {}): IGatewayEngine {
    return new ApisixEngine(options);
  }

  /** Spring Cloud Gateway: your gateway image with a generated application.yml. */
  public static springCloudGateway(options: SpringCloudGatewayOptions): IGatewayEngine {
    return new SpringCloudGatewayEngine(options);
  }

  /** gRPC-Gateway: your generated REST-to-gRPC proxy, wired to its gRPC upstreams. */
  public static grpcGateway(options: GrpcGatewayOptions): IGatewayEngine {
    return new GrpcGatewayEngine(options);
  }

  private constructor() {}
}
