import { DeployedGatewayOptions } from './proxy-options';
import type { MessageQueue } from '../messaging/message-queue';

/** Options of the Spring Cloud Gateway engine. */
export interface SpringCloudGatewayOptions extends DeployedGatewayOptions {
  /**
   * Your gateway image (Spring Boot with `spring-cloud-starter-gateway-server-webflux` of Spring
   * Cloud 2025.0 / Gateway 4.3 or later, Actuator, and for the filters used
   * `spring-boot-starter-data-redis-reactive` and `spring-cloud-starter-circuitbreaker-reactor-resilience4j`), pinned.
   */
  readonly image: string;
  /**
   * The port the application listens on (`server.port`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The numeric user the image runs as.
   * @default 1000 (Paketo buildpack images use 1002; set yours)
   */
  readonly runAsUser?: number;
  /**
   * The Redis MessageQueue the RequestRateLimiter keeps its counters in (bound through the graph:
   * address, password Secret and NetworkPolicy edge). Required when a route has a rate limit.
   * @default - no rate limiting
   */
  readonly rateLimiterRedis?: MessageQueue;
  /**
   * The KeyResolver bean of your application that RequestRateLimiter counts per, as a SpEL
   * reference (e.g. "#{@clientAddressKeyResolver}"). Required when a route has a rate limit: the
   * default resolver counts per authenticated principal and refuses anonymous requests.
   * @default - none
   */
  readonly rateLimitKeyResolver?: string;
}
