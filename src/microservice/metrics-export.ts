/**
 * How a microservice hands its metrics to the metrics system. Everything the library derives
 * for metrics (the scrape job or the OTLP variables, the PodMonitor, the NetworkPolicies and the
 * mesh authorization of the flow, the RED rules) follows from this one declaration.
 */
export enum MetricsExport {
  /**
   * The service serves a Prometheus endpoint (`metricsPort`, `metricsPath`) that Prometheus
   * scrapes. Its request metrics must follow the OpenTelemetry semantic conventions as the
   * OpenTelemetry Prometheus exporters name them (`http_server_request_duration_seconds`,
   * `rpc_server_duration_milliseconds`) for the RED rules to apply.
   */
  PROMETHEUS = 'prometheus',
  /**
   * The service's OpenTelemetry SDK pushes its metrics over OTLP/HTTP to the stack's OpenTelemetry
   * Collector (`OTEL_METRICS_EXPORTER=otlp`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`), which
   * Prometheus scrapes (the collector's Prometheus exporter). Needs a tracing pillar, which runs
   * the collector.
   */
  OTLP = 'otlp',
}
