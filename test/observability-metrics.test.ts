import { Duration } from 'cdk8s';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { OVERVIEW_QUERIES } from '../src/observability/grafana';

/** The Prometheus project's PromQL parser (an ES module with a CommonJS build: required, typed here). */
interface PromqlParser { parse(input: string): { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as { parser: PromqlParser };

const IMAGE = 'ghcr.io/acme/orders:1.4.2';
const NS = 'observability';

interface Built { out: SynthResult; shop: arch.BackendArchitecture }

function build(profile: arch.Profile, options: arch.PrometheusOptions = {}, extra?: (shop: arch.BackendArchitecture) => void): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  // before the stack: a microservice and a platform component
  new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering', team: 'checkout' });
  new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
  const withDefaultReceiver = { ...options, alertmanager: { receivers: [{}], ...options.alertmanager } };
  new arch.ObservabilityStack(shop, NS, { metrics: arch.Metrics.prometheus(withDefaultReceiver) });
  // after the stack
  new arch.Microservice(shop, 'payments', { image: IMAGE, context: 'billing', team: 'payments' });
  new arch.Microservice(shop, 'quiet', { image: IMAGE, context: 'billing', instrumentation: { metrics: false } });
  new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.rabbitmq() });
  extra?.(shop);
  return { out: synthApp(app), shop };
}

function configMapData(out: SynthResult, name: string): Record<string, string> {
  return one(out.objects, 'ConfigMap', name, NS).data;
}

function promConfig(out: SynthResult): any {
  return yaml.load(configMapData(out, 'observability-prometheus-config')['prometheus.yml']);
}

function rules(out: SynthResult): any {
  return yaml.load(configMapData(out, 'observability-prometheus-config')['alerts.yml']);
}

function amConfig(out: SynthResult): any {
  return yaml.load(configMapData(out, 'observability-alertmanager-config')['alertmanager.yml']);
}

function promqlErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError) errors++; } });
  return errors;
}

function podAnnotations(o: K8sObject): Record<string, string> {
  return o.spec.template.metadata.annotations ?? {};
}

function policy(out: SynthResult, name: string, ns: string): K8sObject {
  return one(out.objects, 'NetworkPolicy', name, ns);
}

function allows(p: K8sObject, direction: 'ingress' | 'egress', peerName: string, port: number): boolean {
  return (p.spec[direction] ?? []).some((r: any) => (r[direction === 'ingress' ? 'from' : 'to'] ?? [])
    .some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === peerName)
    && (r.ports ?? []).some((x: any) => x.port === port));
}

describe.each([arch.Profile.PRODUCTION, arch.Profile.DEVELOPMENT])('Prometheus, %s', (profile) => {
  let b: Built;
  const prod = profile === arch.Profile.PRODUCTION;
  beforeAll(() => { b = build(profile); });

  test('passes every invariant', () => {
    expect(checkAll(b.out.objects)).toEqual([]);
  });

  test('its own output file', () => {
    expect([...b.out.files.keys()]).toContain('shop-observability-metrics.k8s.yaml');
  });

  test('Prometheus: replicas, storage, retention, config', () => {
    const sts = one(b.out.objects, 'StatefulSet', 'observability-prometheus', NS);
    expect(sts.spec.replicas).toBe(prod ? 2 : 1);
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('quay.io/prometheus/prometheus:v3.14.0');
    expect(c.args).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=360h', '--storage.tsdb.path=/data', '--config.file=/etc/prometheus/prometheus.yml']));
    if (prod) {
      expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    } else {
      expect(sts.spec.volumeClaimTemplates).toBeUndefined();
      expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'data').emptyDir).toBeDefined();
    }
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(podAnnotations(sts)['cdk8s-architect.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('pod discovery restricted to the namespaces with targets, keeping annotated pods only', () => {
    const cfg = promConfig(b.out);
    expect(cfg.global.scrape_interval).toBe('30s');
    const job = cfg.scrape_configs.find((j: any) => j.job_name === 'architecture-pods');
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['billing', 'events', 'ordering', 'registry'] } }]);
    expect(job.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape'], action: 'keep', regex: 'true' });
    const targets = [...(prod ? [0, 1] : [0])].map((i) => `observability-alertmanager-${i}.observability-alertmanager-headless.observability.svc.cluster.local:9093`);
    expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual(targets);
  });

  test('RBAC: a Role per discovered namespace, pods only, bound to the ServiceAccount', () => {
    for (const ns of ['billing', 'events', 'ordering', 'registry']) {
      const role = one(b.out.objects, 'Role', 'observability-prometheus', ns);
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
      const rb = one(b.out.objects, 'RoleBinding', 'observability-prometheus', ns);
      expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'observability-prometheus', namespace: NS }]);
      expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'observability-prometheus' });
    }
    expect(find(b.out.objects, 'ClusterRole')).toEqual([]);
    expect(find(b.out.objects, 'Role', undefined, NS)).toEqual([]);
  });

  test('microservices created before and after the stack are annotated and reachable; opted-out ones are not', () => {
    for (const [name, ns] of [['orders', 'ordering'], ['payments', 'billing']]) {
      const d = one(b.out.objects, 'Deployment', name, ns);
      expect(podAnnotations(d)).toMatchObject({
        'cdk8s-architect.dev/scrape': 'true',
        'cdk8s-architect.dev/scrape-port': '8080',
        'cdk8s-architect.dev/scrape-path': '/metrics',
        'cdk8s-architect.dev/scrape-kind': 'microservice',
        'cdk8s-architect.dev/scrape-job': name,
      });
      expect(allows(policy(b.out, name, ns), 'ingress', 'observability-prometheus', 8080)).toBe(true);
      expect(allows(policy(b.out, 'observability-prometheus', NS), 'egress', name, 8080)).toBe(true);
    }
    expect(podAnnotations(one(b.out.objects, 'Deployment', 'quiet', 'billing'))['cdk8s-architect.dev/scrape']).toBeUndefined();
    expect(allows(policy(b.out, 'observability-prometheus', NS), 'egress', 'quiet', 8080)).toBe(false);
  });

  test('platform components are annotated and reachable on their metrics ports', () => {
    const etcd = one(b.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(podAnnotations(etcd)).toMatchObject({ 'cdk8s-architect.dev/scrape-port': '8080', 'cdk8s-architect.dev/scrape-kind': 'etcd' });
    expect(allows(policy(b.out, 'registry', 'registry'), 'ingress', 'observability-prometheus', 8080)).toBe(true);
    const rabbit = one(b.out.objects, 'StatefulSet', 'events', 'events');
    expect(podAnnotations(rabbit)).toMatchObject({ 'cdk8s-architect.dev/scrape-port': '15692', 'cdk8s-architect.dev/scrape-kind': 'rabbitmq' });
    // its own annotations are kept
    expect(podAnnotations(rabbit)['cdk8s-architect.dev/config-hash']).toBeDefined();
    expect(allows(policy(b.out, 'observability-prometheus', NS), 'egress', 'events', 15692)).toBe(true);
  });

  test('Prometheus reaches the API server and Alertmanager', () => {
    const ext = policy(b.out, 'observability-prometheus-external', NS);
    // ports only: an ipBlock (even 0.0.0.0/0) does not match the API server's host address on Cilium
    expect(ext.spec.egress).toEqual([{ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] }]);
    // with the API server's range given, the rule names it
    const given = build(arch.Profile.PRODUCTION, { kubernetesApiCidr: '10.0.0.1/32' });
    expect(policy(given.out, 'observability-prometheus-external', NS).spec.egress)
      .toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] }]);
    expect(allows(policy(b.out, 'observability-prometheus', NS), 'egress', 'observability-alertmanager', 9093)).toBe(true);
  });

  test('alert rules: golden signals and the scraped platform kinds; every expression parses', () => {
    const groups = rules(b.out).groups;
    const names = groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(names).toEqual(expect.arrayContaining(['ServiceDown', 'ServiceHighErrorRatio', 'ServiceHighLatency', 'PlatformTargetDown', 'EtcdNoLeader', 'RabbitMQMemoryAlarm']));
    expect(names).not.toContain('ZooKeeperOutstandingRequests');
    for (const g of groups) {
      for (const r of g.rules) {
        const name = r.alert ?? r.record;
        expect({ name, errors: promqlErrors(r.expr) }).toEqual({ name, errors: 0 });
        if (r.alert) expect(r.labels.severity).toMatch(/^(critical|warning)$/);
      }
    }
  });

  test('Alertmanager: cluster; teams without a receiver of their own reach the default receiver', () => {
    const sts = one(b.out.objects, 'StatefulSet', 'observability-alertmanager', NS);
    expect(sts.spec.replicas).toBe(prod ? 2 : 1);
    const args: string[] = sts.spec.template.spec.containers[0].args;
    if (prod) {
      expect(args).toEqual(expect.arrayContaining([
        '--cluster.listen-address=0.0.0.0:9094',
        '--cluster.advertise-address=[$(POD_IP)]:9094',
        '--cluster.peer=observability-alertmanager-0.observability-alertmanager-headless.observability.svc.cluster.local:9094',
        '--cluster.peer=observability-alertmanager-1.observability-alertmanager-headless.observability.svc.cluster.local:9094',
      ]));
      const headless = one(b.out.objects, 'Service', 'observability-alertmanager-headless', NS);
      expect(headless.spec.ports.map((p: any) => `${p.port}/${p.protocol}`)).toEqual(['9093/TCP', '9094/TCP', '9094/UDP']);
    } else {
      expect(args).toContain('--cluster.listen-address=');
    }
    const cfg = amConfig(b.out);
    expect(cfg.route.receiver).toBe('default');
    // no team route ends nowhere: teams checkout and payments have no webhook of their own
    expect(cfg.route.routes).toEqual([]);
    expect(cfg.receivers).toEqual([{ name: 'default', webhook_configs: [{ url_file: '/etc/alertmanager/webhooks/default', send_resolved: true }] }]);
  });

  test('Grafana: provisioned data sources and dashboard, admin from a Secret, read-only root', () => {
    const d = one(b.out.objects, 'Deployment', 'observability-grafana', NS);
    const env = envOf(d);
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: 'observability-grafana-admin', key: 'admin-password' } });
    expect(podAnnotations(d)['cdk8s-architect.dev/external-secrets']).toBe('observability-grafana-admin');
    const c = d.spec.template.spec.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/var/lib/grafana', '/tmp', '/etc/grafana/provisioning']));
    const data = configMapData(b.out, 'observability-grafana-provisioning');
    const ds = yaml.load(data['datasources.yaml']) as any;
    expect(ds.datasources.map((x: any) => [x.type, x.url])).toEqual([
      ['prometheus', 'http://observability-prometheus.observability.svc.cluster.local:9090'],
      ['alertmanager', 'http://observability-alertmanager.observability.svc.cluster.local:9093'],
    ]);
    const dash = JSON.parse(data['architecture-overview.json']);
    expect(dash.title).toBe('Architecture overview (shop)');
    for (const p of dash.panels) expect(promqlErrors(p.targets[0].expr)).toBe(0);
    for (const q of Object.values(OVERVIEW_QUERIES)) expect(promqlErrors(q)).toBe(0);
    expect(allows(policy(b.out, 'observability-grafana', NS), 'egress', 'observability-prometheus', 9090)).toBe(true);
    expect(allows(policy(b.out, 'observability-prometheus', NS), 'ingress', 'observability-grafana', 9090)).toBe(true);
  });
});

describe('options', () => {
  test('webhook receivers read their URLs from a mounted external Secret', () => {
    const { out } = build(arch.Profile.PRODUCTION, {
      alertmanager: { receivers: [{}, { team: 'checkout', secretKey: 'checkout-url' }], webhookSecretName: 'alert-hooks' },
    });
    expect(checkAll(out.objects)).toEqual([]);
    const cfg = amConfig(out);
    expect(cfg.receivers).toEqual([
      { name: 'default', webhook_configs: [{ url_file: '/etc/alertmanager/webhooks/default', send_resolved: true }] },
      { name: 'team-checkout', webhook_configs: [{ url_file: '/etc/alertmanager/webhooks/checkout-url', send_resolved: true }] },
    ]);
    // payments has no receiver of its own: its alerts take the default route
    expect(cfg.route.routes).toEqual([{ receiver: 'team-checkout', matchers: ['team="checkout"'] }]);
    const sts = one(out.objects, 'StatefulSet', 'observability-alertmanager', NS);
    expect(podAnnotations(sts)['cdk8s-architect.dev/external-secrets']).toBe('alert-hooks');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'webhooks', secret: { secretName: 'alert-hooks', defaultMode: 0o440 } });
    expect(one(out.objects, 'NetworkPolicy', 'observability-alertmanager-external', NS).spec.egress[0].ports).toEqual([{ port: 443, protocol: 'TCP' }]);
  });

  test('a default route without a webhook is a synth error; dropUnroutedAlerts makes it a deliberate blackhole', () => {
    const stack = (alertmanager: arch.AlertmanagerOptions) => () => new arch.ObservabilityStack(
      new arch.BackendArchitecture(newTestApp(), 'shop'), NS, { metrics: arch.Metrics.prometheus({ alertmanager }) });
    expect(stack({})).toThrow(/^\[shop\/observability\] the default Alertmanager receiver has no webhook.*dropped silently\. Fix: add a default receiver/);
    expect(stack({ receivers: [{ team: 'checkout' }] })).toThrow(/default Alertmanager receiver has no webhook/);
    expect(stack({ dropUnroutedAlerts: true })).not.toThrow();
    const app = newTestApp();
    new arch.ObservabilityStack(new arch.BackendArchitecture(app, 'shop'), NS, { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) });
    expect(amConfig(synthApp(app)).receivers).toEqual([{ name: 'default' }]);
  });

  test('retention, scrape interval, replicas, storage, thresholds', () => {
    const { out } = build(arch.Profile.PRODUCTION, {
      retention: Duration.days(30),
      scrapeInterval: Duration.seconds(15),
      replicas: 1,
      storageGibibytes: 50,
      errorRatioThreshold: 0.01,
      latencyThreshold: Duration.millis(250),
    });
    expect(checkAll(out.objects)).toEqual([]);
    const sts = one(out.objects, 'StatefulSet', 'observability-prometheus', NS);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=720h');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(promConfig(out).global.evaluation_interval).toBe('15s');
    const r = rules(out).groups.find((g: any) => g.name === 'service-ordering-orders').rules;
    expect(r.find((x: any) => x.alert === 'ServiceHighErrorRatio').expr).toMatch(/> 0\.01$/);
    expect(r.find((x: any) => x.alert === 'ServiceHighLatency').expr).toMatch(/> 0\.25$/);
  });

  test('grafana: false leaves Grafana out', () => {
    const { out } = build(arch.Profile.DEVELOPMENT, { grafana: false });
    expect(checkAll(out.objects)).toEqual([]);
    expect(find(out.objects, 'Deployment', 'observability-grafana')).toEqual([]);
  });

  test('ZooKeeper and Pulsar targets add their rules', () => {
    const { out } = build(arch.Profile.DEVELOPMENT, {}, (shop) => {
      new arch.Registry(shop, 'zk', { engine: arch.RegistryEngine.zookeeper() });
      new arch.MessageQueue(shop, 'stream', { engine: arch.MessageQueueEngine.pulsar() });
    });
    expect(checkAll(out.objects)).toEqual([]);
    const names = rules(out).groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(names).toEqual(expect.arrayContaining(['ZooKeeperOutstandingRequests', 'PulsarBacklogGrowing']));
    expect(podAnnotations(one(out.objects, 'StatefulSet', 'zk', 'zk'))['cdk8s-architect.dev/scrape-port']).toBe('7000');
  });
});

describe('validation', () => {
  const cases: Array<[string, arch.PrometheusOptions, RegExp]> = [
    ['retention below 2 hours', { retention: Duration.minutes(30) }, /retention "1800s" is out of range/],
    ['retention not whole hours', { retention: Duration.minutes(150) }, /retention "9000s" is not a whole number of hours/],
    ['scrape interval too short', { scrapeInterval: Duration.seconds(1) }, /scrapeInterval "1s" is out of range/],
    ['storage', { storageGibibytes: 0 }, /storageGibibytes 0 is out of range/],
    ['replicas', { replicas: 9 }, /replicas 9 is out of range/],
    ['image', { image: 'quay.io/prometheus/prometheus' }, /has no tag or digest/],
    ['grafana image', { grafanaImage: 'grafana/grafana:latest' }, /mutable tag "latest"/],
    ['alertmanager replicas', { alertmanager: { replicas: 0 } }, /alertmanager.replicas 0 is out of range/],
    ['duplicate receiver', { alertmanager: { receivers: [{ team: 'a' }, { team: 'a' }] } }, /alertmanager receiver "a" is declared twice/],
    ['bad team', { alertmanager: { receivers: [{ team: 'Not a label!' }] } }, /alertmanager receiver team "Not a label!" is not a valid Kubernetes label value/],
    ['bad secret key', { alertmanager: { receivers: [{ secretKey: 'a/b' }] } }, /secretKey "a\/b" is not a valid Secret key/],
    ['CIDR', { kubernetesApiCidr: '10.0.0.1' }, /kubernetesApiCidr "10.0.0.1" is not an IPv4 CIDR/],
    ['error ratio', { errorRatioThreshold: 5 }, /errorRatioThreshold 5 is not between 0 and 1/],
    ['latency', { latencyThreshold: Duration.minutes(20) }, /latencyThreshold \(milliseconds\) 1200000 is out of range/],
    ['repeat interval', { alertmanager: { repeatInterval: Duration.seconds(5) } }, /alertmanager.repeatInterval "5s" is out of range/],
  ];
  test.each(cases)('%s', (_what, given, message) => {
    const options = { ...given, alertmanager: { receivers: [{}], ...given.alertmanager } };
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    expect(() => new arch.ObservabilityStack(shop, NS, { metrics: arch.Metrics.prometheus(options) })).toThrow(message);
    try {
      new arch.ObservabilityStack(new arch.BackendArchitecture(newTestApp(), 'shop'), NS, { metrics: arch.Metrics.prometheus(options) });
    } catch (e) {
      expect(String(e)).toMatch(/^Error: \[shop\/observability\] .*\. Fix: /);
    }
  });
});
