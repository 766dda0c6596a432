import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';

/**
 * The metrics contract: each microservice declares how it hands over its metrics (a scraped
 * Prometheus endpoint or OTLP pushed to the collector); the scrape jobs, PodMonitors, SDK variables,
 * NetworkPolicies, mesh authorization and RED rules follow from that one declaration.
 */
const NS = 'observability';

function build(opts: { operator?: boolean; tracing?: boolean; mesh?: boolean; sidecar?: boolean } = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(shop, NS, {
    ...(opts.tracing ?? true ? { tracing: arch.Tracing.jaeger({ storage: arch.TracingStorage.MEMORY, backendReplicas: 1 }) } : {}),
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}, { team: 'checkout' }] }, prometheusOperator: opts.operator }),
  });
  // HTTP: scraped on its primary port (unchanged default)
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering', team: 'checkout' });
  // gRPC with an extra HTTP port: pushes OTLP by default (it has no /metrics to scrape)
  new arch.Microservice(shop, 'payments', {
    image: 'ghcr.io/acme/payments:2.0.1',
    context: 'payments',
    team: 'checkout',
    protocol: arch.AppProtocol.GRPC,
    port: 9090,
    additionalPorts: [{ name: 'http', port: 8080, protocol: arch.AppProtocol.HTTP }],
  });
  // an HTTP service that pushes too, without being traced
  new arch.Microservice(shop, 'catalog', {
    image: 'ghcr.io/acme/catalog:5.1.0', context: 'catalog', metricsExport: arch.MetricsExport.OTLP, instrumentation: { tracing: false },
  });
  if (opts.mesh) new arch.Mesh(shop, 'mesh', { engine: arch.MeshEngine.istio({ mode: arch.IstioDataPlaneMode.AMBIENT }) });
  if (opts.sidecar) new arch.Mesh(shop, 'mesh', { engine: arch.MeshEngine.istio() });
  return synthApp(app);
}

function promConfig(out: SynthResult): any {
  return yaml.load(one(out.objects, 'ConfigMap', 'observability-prometheus-config', NS).data['prometheus.yml']);
}
function rules(out: SynthResult): any {
  return yaml.load(one(out.objects, 'ConfigMap', 'observability-prometheus-config', NS).data['alerts.yml']);
}
function allows(p: K8sObject, direction: 'ingress' | 'egress', peerName: string, port: number): boolean {
  return (p.spec[direction] ?? []).some((r: any) => (r[direction === 'ingress' ? 'from' : 'to'] ?? [])
    .some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === peerName)
    && (r.ports ?? []).some((x: any) => x.port === port));
}

let out: SynthResult;
beforeAll(() => { out = build(); });

test('every object passes the invariants', () => {
  expect(checkAll(out.objects)).toEqual([]);
});

test('an OTLP service gets the metrics exporter variables; a scraped one keeps OTEL_METRICS_EXPORTER=none', () => {
  const payments = envOf(one(out.objects, 'Deployment', 'payments', 'payments'));
  expect(payments).toMatchObject({
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://observability-otel-collector.observability.svc.cluster.local:4318/v1/metrics',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative',
    OTEL_METRIC_EXPORT_INTERVAL: '30000',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_SERVICE_NAME: 'payments',
  });
  expect(payments.OTEL_RESOURCE_ATTRIBUTES).toContain('k8s.namespace.name=payments');
  // not traced, but pushing metrics: identity variables, no traces
  const catalog = envOf(one(out.objects, 'Deployment', 'catalog', 'catalog'));
  expect(catalog).toMatchObject({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'none', OTEL_SERVICE_NAME: 'catalog' });
  const orders = one(out.objects, 'Deployment', 'orders', 'ordering');
  expect(envOf(orders).OTEL_METRICS_EXPORTER).toBe('none');
  expect(envOf(orders).OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).toBeUndefined();
  expect(orders.spec.template.metadata.annotations['cdk8s-architect.dev/scrape']).toBe('true');
  // pushing services are not scraped themselves
  expect(one(out.objects, 'Deployment', 'payments', 'payments').spec.template.metadata.annotations?.['cdk8s-architect.dev/scrape']).toBeUndefined();
});

test('the collector runs a metrics pipeline into its Prometheus exporter, which Prometheus scrapes with the services\' labels', () => {
  const collector = yaml.load(one(out.objects, 'ConfigMap', 'observability-otel-collector-config', NS).data['config.yaml']) as any;
  expect(collector.exporters.prometheus).toEqual({ endpoint: '0.0.0.0:8889', resource_to_telemetry_conversion: { enabled: true }, metric_expiration: '5m' });
  expect(collector.service.pipelines.metrics).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] });
  const job = promConfig(out).scrape_configs.find((j: any) => j.job_name === 'otlp-metrics');
  expect(job.honor_labels).toBe(true);
  expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [NS] } }]);
  expect(job.relabel_configs[0]).toMatchObject({ action: 'keep', regex: 'otel-collector;shop-observability-otel-collector;observability-otel-collector' });
  expect(job.relabel_configs[2]).toMatchObject({ replacement: '$1:8889', target_label: '__address__' });
  expect(job.metric_relabel_configs).toEqual(expect.arrayContaining([
    { source_labels: ['job'], regex: '.+/(.+)', target_label: 'job', replacement: '$1' },
    { source_labels: ['k8s_namespace_name'], regex: '(.+)', target_label: 'namespace', replacement: '$1' },
    { target_label: 'kind', replacement: 'microservice' },
  ]));
  // pod discovery in the collector's namespace
  expect(find(out.objects, 'Role', 'observability-prometheus', NS)).toHaveLength(1);
});

test('NetworkPolicies admit each flow: services push to the collector, Prometheus scrapes its exporter and the scraped services', () => {
  const np = (name: string, ns: string) => one(out.objects, 'NetworkPolicy', name, ns);
  expect(allows(np('payments', 'payments'), 'egress', 'observability-otel-collector', 4318)).toBe(true);
  expect(allows(np('catalog', 'catalog'), 'egress', 'observability-otel-collector', 4318)).toBe(true);
  expect(allows(np('observability-otel-collector', NS), 'ingress', 'catalog', 4318)).toBe(true);
  expect(allows(np('observability-otel-collector', NS), 'ingress', 'observability-prometheus', 8889)).toBe(true);
  expect(allows(np('observability-prometheus', NS), 'egress', 'observability-otel-collector', 8889)).toBe(true);
  expect(allows(np('orders', 'ordering'), 'ingress', 'observability-prometheus', 8080)).toBe(true);
  expect(allows(np('payments', 'payments'), 'ingress', 'observability-prometheus', 8080)).toBe(false);
});

test('RED: recording rules for HTTP and gRPC, per-service alerts on the protocol the service speaks, absent() when no metrics arrive', () => {
  const groups = rules(out).groups;
  const recorded = groups.find((g: any) => g.name === 'red-recording').rules.map((r: any) => r.record);
  expect(recorded).toEqual([
    'service:http_requests:rate5m', 'service:http_request_errors:rate5m', 'service:http_request_duration_seconds:p95_5m',
    'service:rpc_requests:rate5m', 'service:rpc_request_errors:rate5m', 'service:rpc_request_duration_seconds:p95_5m',
  ]);
  // "platform": the collector's own metrics (target down, export failures, queue, drops)
  expect(groups.map((g: any) => g.name)).toEqual(['red-recording', 'microservices', 'service-catalog-catalog', 'service-ordering-orders', 'service-payments-payments', 'platform']);
  const of = (job: string) => groups.find((g: any) => g.name.endsWith(`-${job}`)).rules;
  const ms = groups.find((g: any) => g.name === 'microservices').rules;
  expect(of('payments').map((r: any) => r.alert)).toEqual(['ServiceHighErrorRatio', 'ServiceHighLatency', 'ServiceMetricsAbsent']);
  expect(of('payments')[0].expr).toBe('service:rpc_request_errors:rate5m{namespace="payments", job="payments"} / service:rpc_requests:rate5m{namespace="payments", job="payments"} > 0.05');
  expect(of('payments')[2].expr).toBe('absent(rpc_server_duration_milliseconds_count{kind="microservice", namespace="payments", job="payments"})');
  expect(of('payments')[2].labels).toEqual({ severity: 'warning', namespace: 'payments', job: 'payments', team: 'checkout' });
  expect(of('orders')[1].expr).toBe('service:http_request_duration_seconds:p95_5m{namespace="ordering", job="orders"} > 0.5');
  expect(of('catalog')[2].labels).toEqual({ severity: 'warning', namespace: 'catalog', job: 'catalog' });
  expect(ms.map((r: any) => r.alert)).toContain('ServiceDown');
});

test('the operator mode gets a PodMonitor of the collector\'s exporter with the same label handling', () => {
  const o = build({ operator: true });
  const pm = one(o.objects, 'PodMonitor', 'observability-otlp-metrics', NS);
  expect(pm.spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8889, honorLabels: true });
  expect(pm.spec.podMetricsEndpoints[0].metricRelabelings).toHaveLength(4);
  const rule = one(o.objects, 'PrometheusRule', 'observability-alerts', NS);
  expect(rule.spec.groups[0].rules[0]).toEqual({ record: 'service:http_requests:rate5m', expr: expect.stringContaining('http_server_request_duration_seconds_count') });
  expect(checkAll(o.objects)).toEqual([]);
});

test('with a mesh (Istio ambient: Prometheus runs meshed), the push and the scrape are authorized', () => {
  const o = build({ mesh: true });
  const policies = find(o.objects, 'AuthorizationPolicy').filter((p) => p.metadata.namespace === NS
    && p.spec.selector?.matchLabels?.['app.kubernetes.io/name'] === 'observability-otel-collector');
  expect(policies).toHaveLength(1);
  const principalsOn = (port: string) => policies[0].spec.rules
    .filter((r: any) => r.to?.some((t: any) => t.operation.ports.includes(port)))
    .flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals));
  expect(principalsOn('4318')).toEqual(expect.arrayContaining(['cluster.local/ns/payments/sa/payments', 'cluster.local/ns/catalog/sa/catalog']));
  expect(principalsOn('8889')).toEqual(['cluster.local/ns/observability/sa/observability-prometheus']);
});

test('Istio sidecars: Prometheus (outside the mesh) scrapes the collector around its sidecar; the collector and the traces backend stay meshed', () => {
  const o = build({ sidecar: true });
  const collector = one(o.objects, 'Deployment', 'observability-otel-collector', NS);
  // the services' metrics (8889) and the collector's own (8888)
  expect(collector.spec.template.metadata.annotations['traffic.sidecar.istio.io/excludeInboundPorts']).toBe('8888,8889');
  expect(collector.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBeUndefined();
  expect(one(o.objects, 'Deployment', 'observability-jaeger', NS).spec.template.metadata.annotations['sidecar.istio.io/inject']).toBeUndefined();
  expect(checkAll(o.objects)).toEqual([]);
});

describe('declaration errors', () => {
  const stack = (shop: arch.BackendArchitecture, tracing: boolean) => new arch.ObservabilityStack(shop, NS, {
    ...(tracing ? { tracing: arch.Tracing.jaeger() } : {}),
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }),
  });
  test('without a tracing pillar, the metrics pillar runs a metrics-only collector: no service drops out', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    stack(shop, false);
    new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.1', context: 'payments', team: 'checkout', protocol: arch.AppProtocol.GRPC, port: 9090 });
    const o = synthApp(app);
    expect(checkAll(o.objects)).toEqual([]);
    const config = yaml.load(one(o.objects, 'ConfigMap', 'observability-otel-collector-config', NS).data['config.yaml']) as any;
    expect(Object.keys(config.service.pipelines)).toEqual(['metrics']);
    expect(Object.keys(config.exporters)).toEqual(['prometheus']);
    const env = envOf(one(o.objects, 'Deployment', 'payments', 'payments'));
    expect(env).toMatchObject({ OTEL_SERVICE_NAME: 'payments', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'none' });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toContain('team=checkout');
    expect(promConfig(o).scrape_configs.map((j: any) => j.job_name)).toContain('otlp-metrics');
  });
  test('contradicting declarations', () => {
    const shop = new arch.BackendArchitecture(newTestApp(), 'shop');
    stack(shop, true);
    expect(() => new arch.Microservice(shop, 'a', { image: 'ghcr.io/acme/a:1.0.0', metricsExport: arch.MetricsExport.OTLP, metricsPort: 8080 }))
      .toThrow(/metricsPort and metricsPath describe a scraped endpoint, but metricsExport is OTLP/);
    expect(() => new arch.Microservice(shop, 'b', { image: 'ghcr.io/acme/b:1.0.0', protocol: arch.AppProtocol.GRPC, port: 9090, metricsExport: arch.MetricsExport.PROMETHEUS }))
      .toThrow(/metricsExport is PROMETHEUS but the service has no HTTP port to scrape/);
  });
});
