/**
 * The observability options side by side, each in its own architecture, with services that are
 * instrumented by default, one that opts out, and every pillar option in use:
 *
 * - `zipkin`: Zipkin on Elasticsearch (3 nodes), Fluentd through Logstash, Prometheus with
 *   Alertmanager receivers per team, Grafana, and Prometheus Operator PodMonitors/PrometheusRule;
 * - `skywalking`: SkyWalking (OAP + UI), Filebeat dropping debug logs, Prometheus without Grafana;
 * - `classic`: Zabbix (server, web frontend, agent 2 on every node) for a traditional environment;
 * - `lab`: the development profile of Jaeger, Fluent Bit and Prometheus.
 *
 * Output in dist/observability/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

function services(scope: arch.BackendArchitecture): void {
  const context = `${scope.name}-shop`;
  new arch.Microservice(scope, 'checkout', {
    image: 'ghcr.io/acme/checkout:2.4.0', context, team: 'checkout', logLevel: arch.LogSeverity.NOTICE,
  });
  new arch.Microservice(scope, 'pricing', {
    image: 'ghcr.io/acme/pricing:3.0.4',
    context,
    team: 'pricing',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
    additionalPorts: [{ name: 'admin', port: 9464 }],
    metricsPort: 9464,
    metricsPath: '/prometheus',
  });
  new arch.Microservice(scope, 'legacy-batch', {
    image: 'ghcr.io/acme/legacy-batch:0.9.1',
    context,
    instrumentation: { tracing: false, metrics: false, logs: false },
  });
}

export function build(app: App): void {
  const zipkin = new arch.BackendArchitecture(app, 'zipkin', { profile: arch.Profile.PRODUCTION });
  services(zipkin);
  new arch.ObservabilityStack(zipkin, 'observability', {
    namespace: 'zipkin-observability',
    tracing: arch.Tracing.zipkin({
      sampling: 0.05,
      storage: arch.TracingStorage.ELASTICSEARCH,
      collectorReplicas: 3,
      collectorResources: { memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 },
      backendReplicas: 2,
      image: 'openzipkin/zipkin:3.6.1',
    }),
    logging: arch.Logging.fluentd({
      store: arch.LogStore.elasticsearch({
        nodes: 3,
        storageGibibytes: 100,
        storageClassName: 'fast-ssd',
        resources: { memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 },
        passwordSecret: { secretName: 'es-elastic', key: 'password' },
        transportTlsSecretName: 'es-transport-tls',
      }),
      logstash: true,
      logstashOptions: { replicas: 2, resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 } },
      kibana: true,
      minimumSeverity: arch.LogSeverity.INFORMATIONAL,
    }),
    metrics: arch.Metrics.prometheus({
      retention: Duration.days(30),
      scrapeInterval: Duration.seconds(15),
      storageGibibytes: 100,
      storageClassName: 'fast-ssd',
      replicas: 2,
      errorRatioThreshold: 0.02,
      latencyThreshold: Duration.millis(300),
      kubernetesApiCidr: '10.0.0.1/32',
      alertmanager: {
        replicas: 3,
        receivers: [{}, { team: 'checkout', secretKey: 'checkout-oncall' }, { team: 'pricing' }],
        webhookSecretName: 'alertmanager-webhooks',
        repeatInterval: Duration.hours(2),
      },
      grafana: true,
      grafanaAdminSecretName: 'grafana-admin',
      prometheusOperator: true,
      prometheusOperatorLabels: { release: 'kube-prometheus-stack' },
      // kube-prometheus-stack's Prometheus in "monitoring" is admitted wherever the library's is;
      // it runs outside any mesh (with Istio sidecars it reads the merged metrics on 15020)
      prometheusOperatorScraper: { namespace: 'monitoring', inMesh: false },
    }),
  });

  const skywalking = new arch.BackendArchitecture(app, 'skywalking', { profile: arch.Profile.PRODUCTION });
  services(skywalking);
  new arch.ObservabilityStack(skywalking, 'observability', {
    namespace: 'skywalking-observability',
    tracing: arch.Tracing.skywalking({ sampling: 0.2, uiResources: { memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 } }),
    logging: arch.Logging.filebeat({ minimumSeverity: arch.LogSeverity.INFORMATIONAL, kibana: false }),
    metrics: arch.Metrics.prometheus({ grafana: false, alertmanager: { receivers: [{}] } }),
  });

  const classic = new arch.BackendArchitecture(app, 'classic', { profile: arch.Profile.PRODUCTION });
  services(classic);
  new arch.ObservabilityStack(classic, 'observability', {
    namespace: 'classic-monitoring',
    metrics: arch.Metrics.zabbix({
      hostMonitoring: true,
      webReplicas: 2,
      timezone: 'Europe/Berlin',
      databaseRootPasswordSecret: { secretName: 'zabbix-db', key: 'root-password' },
      databasePasswordSecret: { secretName: 'zabbix-db', key: 'password' },
      databaseStorageGibibytes: 50,
      storageClassName: 'fast-ssd',
    }),
  });

  const lab = new arch.BackendArchitecture(app, 'lab', { profile: arch.Profile.DEVELOPMENT });
  services(lab);
  new arch.ObservabilityStack(lab, 'observability', {
    namespace: 'lab-observability',
    tracing: arch.Tracing.jaeger({ storage: arch.TracingStorage.MEMORY }),
    logging: arch.Logging.fluentBit(),
    // a lab: alerts go nowhere, deliberately
    metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
  });
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/observability' });
  build(app);
  app.synth();
}
