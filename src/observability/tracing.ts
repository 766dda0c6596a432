import { ITracingBackend } from './pillars';
import { JaegerTracing, SkyWalkingTracing, ZipkinTracing } from './tracing-backends';
import { JaegerOptions, SkyWalkingOptions, ZipkinOptions } from './tracing-options';

/**
 * Factories for the tracing backends. Each deploys an OpenTelemetry Collector that every
 * instrumented service sends OTLP to (the hub), and the backend behind it.
 */
export class Tracing {
  /**
   * Jaeger v2 (an OpenTelemetry Collector build): OTLP from the collector, the query UI on 16686,
   * memory storage in development and the stack's Elasticsearch in production.
   */
  public static jaeger(options: JaegerOptions = {}): ITracingBackend {
    return new JaegerTracing(options);
  }

  /**
   * OpenZipkin: the collector converts OTLP with its `zipkin` exporter; UI and API on 9411,
   * memory storage in development and the stack's Elasticsearch in production.
   */
  public static zipkin(options: ZipkinOptions = {}): ITracingBackend {
    return new ZipkinTracing(options);
  }

  /**
   * Apache SkyWalking (OAP server and UI): the OAP receives the collector's OTLP on 11800; a
   * standalone BanyanDB in development and the stack's Elasticsearch in production. Services need
   * no SkyWalking agent.
   */
  public static skywalking(options: SkyWalkingOptions = {}): ITracingBackend {
    return new SkyWalkingTracing(options);
  }

  private constructor() {}
}
