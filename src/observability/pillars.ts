/** The tracing backend software. */
export enum TracingKind {
  /** Jaeger (v2, built on the OpenTelemetry Collector). */
  JAEGER = 'jaeger',
  /** OpenZipkin. */
  ZIPKIN = 'zipkin',
  /** Apache SkyWalking (OAP server and UI). */
  SKYWALKING = 'skywalking',
}

/** The log collection agent. */
export enum LoggingKind {
  /** Fluent Bit DaemonSet. */
  FLUENT_BIT = 'fluent-bit',
  /** Fluentd DaemonSet. */
  FLUENTD = 'fluentd',
  /** Filebeat DaemonSet. */
  FILEBEAT = 'filebeat',
}

/** The metrics system. */
export enum MetricsKind {
  /** Prometheus (with Alertmanager and Grafana). */
  PROMETHEUS = 'prometheus',
  /** Zabbix (server, web frontend, agent 2), for traditional environments. */
  ZABBIX = 'zabbix',
}

/** A tracing backend, chosen with the static factories of `Tracing`. */
export interface ITracingBackend {
  /** Which software this deploys. */
  readonly kind: TracingKind;
}

/** A logging pipeline, chosen with the static factories of `Logging`. */
export interface ILoggingPipeline {
  /** Which agent this deploys. */
  readonly kind: LoggingKind;
}

/** A metrics system, chosen with the static factories of `Metrics`. */
export interface IMetricsBackend {
  /** Which software this deploys. */
  readonly kind: MetricsKind;
}
