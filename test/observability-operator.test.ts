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
      { action: 'replace', targetLabel: 'kind', replacement: 'microservice' },
      { action: 'replace', targetLabel: 'job', replacement: 'orders' },
    ],
  }]);
  const etcd = one(out.objects, 'PodMonitor', 'registry-metrics', 'registry');
  expect(etcd.spec.podMetricsEndpoints[0]).toMatchObject({ portNumber: 8080, path: '/metrics' });
  expect(etcd.spec.podMetricsEndpoints[0].relabelings[0].replacement).toBe('etcd');
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
