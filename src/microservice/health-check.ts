import * as kplus from 'cdk8s-plus-28';

const k8s = kplus.k8s;

/** Options for HTTP health checks. */
export interface HttpHealthCheckOptions {
  /**
   * Path that answers 2xx/3xx when the instance can take traffic (readiness).
   * @default "/readyz"
   */
  readonly readinessPath?: string;
  /**
   * Path that answers 2xx/3xx while the process is healthy (liveness and startup).
   * @default "/livez"
   */
  readonly livenessPath?: string;
  /**
   * The port to probe.
   * @default - the microservice's primary port
   */
  readonly port?: number;
}

/** Options for gRPC health checks (grpc.health.v1.Health). */
export interface GrpcHealthCheckOptions {
  /**
   * The port to probe.
   * @default - the microservice's primary port
   */
  readonly port?: number;
  /**
   * The service name sent in the HealthCheckRequest.
   * @default - "" (the server's overall health)
   */
  readonly service?: string;
}

/** Options for TCP health checks. */
export interface TcpHealthCheckOptions {
  /**
   * The port to probe.
   * @default - the microservice's primary port
   */
  readonly port?: number;
}

enum HealthCheckKind { HTTP, GRPC, TCP }

/**
 * How the kubelet checks a microservice: readiness (traffic), liveness (restart) and a startup
 * probe that gives slow starters up to two minutes before liveness applies.
 */
export class HealthCheck {
  /** HTTP GET probes. The default for HTTP services. */
  public static http(options: HttpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.HTTP, options.port, options.readinessPath ?? '/readyz', options.livenessPath ?? '/livez');
  }

  /** gRPC health-checking-protocol probes. The default for gRPC services. */
  public static grpc(options: GrpcHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.GRPC, options.port, undefined, undefined, options.service);
  }

  /** TCP connect probes (the process accepts connections). The default for plain TCP services. */
  public static tcp(options: TcpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.TCP, options.port);
  }

  private constructor(
    private readonly kind: HealthCheckKind,
    /** The probed port, if set explicitly. */
    public readonly port?: number,
    private readonly readinessPath?: string,
    private readonly livenessPath?: string,
    private readonly grpcService?: string,
  ) {}

  /** The HTTP readiness path, if this is an HTTP check. @internal */
  public get _readinessPath(): string | undefined {
    return this.readinessPath;
  }

  /** The paths this check uses (for validation). @internal */
  public get _paths(): string[] {
    return [this.readinessPath, this.livenessPath].filter((p): p is string => p !== undefined);
  }

  /** @internal */
  public _probes(port: number): { readiness: kplus.k8s.Probe; liveness: kplus.k8s.Probe; startup: kplus.k8s.Probe } {
    const handler = (path?: string): Partial<kplus.k8s.Probe> => {
      switch (this.kind) {
        case HealthCheckKind.HTTP:
          return { httpGet: { path, port: k8s.IntOrString.fromNumber(port), scheme: 'HTTP' } };
        case HealthCheckKind.GRPC:
          return { grpc: { port, ...(this.grpcService ? { service: this.grpcService } : {}) } };
        default:
          return { tcpSocket: { port: k8s.IntOrString.fromNumber(port) } };
      }
    };
    return {
      readiness: { ...handler(this.readinessPath), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
      liveness: { ...handler(this.livenessPath), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
      startup: { ...handler(this.livenessPath), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 24 },
    };
  }
}
