import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { find, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { alertRuleGroups } from '../src/observability/alert-rules';

/** `prometheusOperator: true`: PodMonitors and a PrometheusRule built with the imported CRD classes. */
let out: SynthResult;
beforeAll(() => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering', team: 'checkout' });
  new arch.ObservabilityStack(shop, 'observability', {
    metrics: arch.Metrics.prometheus({ prometheusOperator: true, prometheusOperatorLabels: { release: 'kube-prometheus-stack' }, alertmanager: { receivers: [{}] } }),
  });
  new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
  out = synthApp(app);
});

test('every object validates (the monitoring.coreos.com kinds against the operator\'s schema) and the invariants hold', () => {
  expect(checkAll(out.objects)).toEqual([]);
});

test('a PodMonitor per scraped workload, in its namespace, with the same port, path and labels as the library\'s Prometheus', () => {
  const monitors = find(out.objects, 'PodMonitor');
  expect(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual(['ordering/orders-metrics', 'registry/registry-metrics']);
  const orders = one(out.objects, 'PodMonitor', 'orders-metrics', 'ordering');
  expect(orders.apiVersion).toBe('monitoring.coreos.com/v1');
  expect(orders.metadata.labels?.release).toBe('kube-prometheus-stack');
  expect(orders.spec.selector.matchLabels).toEqual({
    'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/instance': 'shop-orders', 'app.kubernetes.io/component': 'microservice',
  });
  expect(orders.spec.podMetricsEndpoints).toEqual([{
    portNumber: 8080,
    path: '/metrics',
    relabelings: [
      // the port and path of the pod's scrape annotations, as the library's own job reads them
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape_path'], regex: '(/.*)', targetLabel: '__metrics_path__' },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape_port'],
        regex: '([^:]+);(\\d+)',
        replacement: '$1:$2',
        targetLabel: '__address__',
      },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape_port'],
        regex: '(.+:.+);(\\d+)',
        replacement: '[$1]:$2',
        targetLabel: '__address__',
      },
      { action: 'replace', targetLabel: 'kind', replacement: 'microservice' },
      { action: 'replace', targetLabel: 'job', replacement: 'orders' },
    ],
  }]);
  const etcd = one(out.objects, 'PodMonitor', 'registry-metrics', 'registry');
  expect(etcd.spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8080, path: '/metrics' });
  expect(etcd.spec.podMetricsEndpoints[0].relabelings.find((r: any) => r.targetLabel === 'kind').replacement).toBe('etcd');
});

test('the PrometheusRule carries the same rules as the library\'s own rules file', () => {
  const rule = one(out.objects, 'PrometheusRule', 'observability-alerts', 'observability');
  const expected = alertRuleGroups({
    platformKinds: ['etcd'],
    errorRatioThreshold: 0.05,
    latencySeconds: 0.5,
    services: [{ namespace: 'ordering', job: 'orders', team: 'checkout', rpc: false }],
    scrapedServices: true,
  });
  expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['red-recording', 'microservices', 'service-ordering-orders', 'platform']);
  expect(rule.spec.groups.map((g: any) => g.name)).toEqual(expected.map((g) => g.name));
  const flat = (r: any) => [r.record ?? r.alert, r.expr, r.for];
  expect(rule.spec.groups.flatMap((g: any) => g.rules.map(flat))).toEqual(expected.flatMap((g) => g.rules.map(flat)));
});

test('without the option, no operator objects', () => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop');
  new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' });
  const o = synthApp(app);
  expect(find(o.objects, 'PodMonitor')).toEqual([]);
  expect(find(o.objects, 'PrometheusRule')).toEqual([]);
});

describe('the operator\'s Prometheus reaches what it scrapes', () => {
  const ingressFrom = (o: SynthResult, name: string, namespace: string) => one(o.objects, 'NetworkPolicy', name, namespace).spec.ingress;
  const operatorPeer = (namespace: string, labels: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: labels },
  });

  test('by default: the operator\'s Prometheus pods in "monitoring" are admitted on each metrics port, beside the library\'s own', () => {
    const ingress = ingressFrom(out, 'orders', 'ordering');
    const rule = ingress.find((r: any) => r.ports?.some((p: any) => p.port === 8080)
      && r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'));
    expect(rule.from).toContainEqual(operatorPeer('monitoring', { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus' }));
    expect(JSON.stringify(ingress)).toContain('observability-prometheus');
    // the platform component too (etcd's metrics port)
    expect(JSON.stringify(ingressFrom(out, 'registry', 'registry'))).toContain('prometheus-operator');
    // nothing is emitted in the operator's namespace
    expect(out.objects.filter((o) => o.metadata.namespace === 'monitoring')).toEqual([]);
  });

  const build = (metrics: arch.PrometheusOptions, mesh = false, engine = () => arch.MeshEngine.linkerd()) => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
    new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] }, ...metrics }) });
    if (mesh) new arch.Mesh(shop, 'mesh', { engine: engine() });
    return synthApp(app);
  };

  test('Istio sidecars: the operator\'s Prometheus, outside the mesh, scrapes the merged metrics on 15020 (the PodMonitor follows the annotations) and is admitted there', () => {
    const o = build({ prometheusOperator: true, prometheusOperatorScraper: { inMesh: false } }, true, () => arch.MeshEngine.istio());
    expect(checkAll(o.objects)).toEqual([]);
    const deployment = one(o.objects, 'Deployment', 'orders', 'ordering');
    expect(deployment.spec.template.metadata.annotations['cdk8s-architect.dev/scrape-port']).toBe('15020');
    const monitor = one(o.objects, 'PodMonitor', 'orders-metrics', 'ordering');
    expect(monitor.spec.podMetricsEndpoints[0].relabelings.map((r: any) => r.targetLabel)).toEqual(['__metrics_path__', '__address__', '__address__', 'kind', 'job']);
    const rule = ingressFrom(o, 'orders', 'ordering').find((r: any) => r.ports?.some((p: any) => p.port === 15020)
      && r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'));
    expect(rule).toBeDefined();
    // the service stays in the mesh: the operator's scrape is a merged-metrics scrape, not a plaintext call
    expect(deployment.spec.template.metadata.labels['sidecar.istio.io/inject']).not.toBe('false');
  });

  test('prometheusOperatorScraper: its namespace and labels are what the NetworkPolicies admit', () => {
    const o = build({ prometheusOperator: true, prometheusOperatorScraper: { namespace: 'observability-system', podLabels: { 'operator.prometheus.io/name': 'k8s' } } });
    expect(checkAll(o.objects)).toEqual([]);
    expect(ingressFrom(o, 'orders', 'ordering').flatMap((r: any) => r.from)).toContainEqual(operatorPeer('observability-system', { 'operator.prometheus.io/name': 'k8s' }));
    expect(JSON.stringify(ingressFrom(o, 'orders', 'ordering'))).not.toContain('"monitoring"');
  });

  test('with a Mesh the platform team must say whether the operator\'s Prometheus runs in it; in it, it is authorized by its ServiceAccount', () => {
    expect(() => build({ prometheusOperator: true }, true)).toThrow(/cannot tell whether these pods.*namespace "monitoring".*Fix: state it with Metrics.prometheus\(\{ prometheusOperatorScraper: \{ inMesh \} \}\)/s);
    const o = build({ prometheusOperator: true, prometheusOperatorScraper: { inMesh: true, serviceAccountName: 'prometheus-k8s' } }, true);
    expect(checkAll(o.objects)).toEqual([]);
    // Linkerd: the service's Server admits the operator's Prometheus by its ServiceAccount, beside the library's own
    expect(one(o.objects, 'MeshTLSAuthentication', 'orders-http', 'ordering').spec.identityRefs).toEqual([
      { kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' },
      { kind: 'ServiceAccount', name: 'observability-prometheus', namespace: 'observability' },
    ]);
  });

  test('bad input fails at synth with the path and the fix', () => {
    expect(() => build({ prometheusOperatorScraper: {} })).toThrow(/\[shop\/observability\] prometheusOperatorScraper is set, but prometheusOperator is not.*Fix:/s);
    expect(() => build({ prometheusOperator: true, prometheusOperatorScraper: { namespace: 'Monitoring' } }))
      .toThrow(/\[shop\/observability\] prometheusOperatorScraper.namespace "Monitoring"/);
    expect(() => build({ prometheusOperator: true, prometheusOperatorScraper: { podLabels: { 'bad key!': 'x' } } }))
      .toThrow(/prometheusOperatorScraper.podLabels key "bad key!" is not a label key.*Fix:/s);
    expect(() => build({ prometheusOperator: true, prometheusOperatorScraper: { podLabels: {} } })).toThrow(/prometheusOperatorScraper.podLabels is empty/);
    expect(() => build({ prometheusOperator: true, prometheusOperatorLabels: { release: 'kube prometheus' } }))
      .toThrow(/prometheusOperatorLabels\[release\] "kube prometheus" is not a valid Kubernetes label value/);
  });
});
