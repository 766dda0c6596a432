import { IMetricsBackend } from './pillars';
import { PrometheusMetricsBackend } from './prometheus';
import { PrometheusOptions } from './prometheus-options';
import { ZabbixMetrics } from './zabbix';
import { ZabbixOptions } from './zabbix-options';

/** Factories for the metrics systems. */
export class Metrics {
  /**
   * Prometheus (Kubernetes pod discovery limited to the architecture's namespaces, default alert
   * rules), Alertmanager (per-team routes) and Grafana (provisioned data sources and an
   * architecture overview dashboard). Microservices and platform components with a Prometheus
   * endpoint are scraped by default.
   */
  public static prometheus(options: PrometheusOptions = {}): IMetricsBackend {
    return new PrometheusMetricsBackend(options);
  }

  /**
   * Zabbix 7.0 LTS (server, web frontend, agent 2 on every node) on a generated MySQL: host
   * monitoring for traditional environments. It does not scrape microservices or platform
   * components (see `ZabbixOptions`).
   */
  public static zabbix(options: ZabbixOptions = {}): IMetricsBackend {
    return new ZabbixMetrics(options);
  }

  private constructor() {}
}
