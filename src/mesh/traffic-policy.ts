import type { Duration } from 'cdk8s';
import { HttpMethod } from '../architecture/http-method';
import type { Microservice } from '../microservice/microservice';


/** Retrying failed requests (client side, in the caller's proxy). */
export interface RetryOptions {
  /** Retries after the first attempt (1 to 10). */
  readonly attempts: number;
  /**
   * The time limit of each attempt.
   * @default - the request timeout (Istio), the proxy's default (Linkerd)
   */
  readonly perTryTimeout?: Duration;
  /**
   * The HTTP methods that are retried; other requests are not retried by this policy. gRPC ports
   * carry only POST, so a gRPC service needs `retryNonIdempotent`.
   * @default - every method
   */
  readonly methods?: HttpMethod[];
  /**
   * Allows retrying non-idempotent requests (POST, PATCH, or every method): a retried request can
   * take effect twice. Set it only when the service deduplicates (idempotency keys).
   * @default false
   */
  readonly retryNonIdempotent?: boolean;
}

/** Ejecting failing endpoints from load balancing (circuit breaking). */
export interface OutlierDetectionOptions {
  /** Consecutive server errors (5xx, gateway errors, connection failures) before an endpoint is ejected. */
  readonly consecutiveErrors: number;
  /**
   * How long an endpoint stays ejected at first (Istio `baseEjectionTime`; Linkerd's minimum
   * failure-accrual penalty).
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * The interval between ejection sweeps. Istio only.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * The largest share of endpoints that can be ejected at once. Istio only.
   * @default 50
   */
  readonly maxEjectionPercent?: number;
}

/** Limits on the connections and requests callers send to a service. Istio only. */
export interface ConnectionPoolOptions {
  /**
   * Most TCP connections to the service from one caller proxy.
   * @default - Istio's default (2^32-1)
   */
  readonly maxConnections?: number;
  /**
   * Most requests queued while waiting for a connection.
   * @default - Istio's default
   */
  readonly maxPendingRequests?: number;
  /**
   * Most requests per connection (1 disables keep-alive).
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;
}

/** A weighted split of a service's traffic between its stable version and a canary. */
export interface CanaryOptions {
  /** The canary: another Microservice in the same namespace with the same ports. */
  readonly canary: Microservice;
  /** Percentage for the stable version (stableWeight + canaryWeight = 100). */
  readonly stableWeight: number;
  /** Percentage for the canary. */
  readonly canaryWeight: number;
}

/** Traffic policy of one binding (a consumer calling a service): route-level settings only. */
export interface BindingTrafficPolicy {
  /**
   * The whole request's time limit.
   * @default - none (the proxy's default)
   */
  readonly timeout?: Duration;
  /**
   * Retries.
   * @default - the mesh's default retry behaviour
   */
  readonly retries?: RetryOptions;
}

/** Traffic policy of a service, applied by every caller's proxy. */
export interface TrafficPolicy extends BindingTrafficPolicy {
  /**
   * Outlier detection (circuit breaking).
   * @default - none
   */
  readonly outlierDetection?: OutlierDetectionOptions;
  /**
   * Connection pool limits. Istio only.
   * @default - none
   */
  readonly connectionPool?: ConnectionPoolOptions;
  /**
   * A weighted canary split.
   * @default - all traffic to the service itself
   */
  readonly canary?: CanaryOptions;
}
