import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { renderCollectorConfig } from '../src/observability/otel-collector';
import { tracingEnv } from '../src/observability/tracing-backends';

const IMAGE = 'ghcr.io/acme/orders:1.4.2';
const NS = 'observability';

interface Built { out: SynthResult }

function build(profile: arch.Profile, tracing: arch.ITracingBackend): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering', team: 'order-team' });
  new arch.ObservabilityStack(shop, NS, { tracing });
  new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.0', context: 'billing' });
  new arch.Microservice(shop, 'legacy', { image: 'ghcr.io/acme/legacy:0.9.1', context: 'billing', instrumentation: { tracing: false } });
  return { out: synthApp(app) };
}

function collectorConfig(out: SynthResult): any {
  return yaml.load(one(out.objects, 'ConfigMap', 'observability-otel-collector-config', NS).data['config.yaml']);
}

function policy(out: SynthResult, name: string, namespace: string): K8sObject {
  return one(out.objects, 'NetworkPolicy', name, namespace);
}

/** The ports a policy's egress (or ingress) opens to pods labelled with `name`. */
function peerPorts(p: K8sObject, direction: 'egress' | 'ingress', name: string): number[] {
  const rules = p.spec[direction] ?? [];
  const key = direction === 'egress' ? 'to' : 'from';
  return rules
    .filter((r: any) => (r[key] ?? []).some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === name))
    .flatMap((r: any) => (r.ports ?? []).map((x: any) => x.port as number))
    .sort((a: number, b: number) => a - b);
}

const cases: Array<[string, () => arch.ITracingBackend, string, number]> = [
  ['jaeger', () => arch.Tracing.jaeger(), 'observability-jaeger', 4317],
  ['zipkin', () => arch.Tracing.zipkin(), 'observability-zipkin', 9411],
  ['skywalking', () => arch.Tracing.skywalking(), 'observability-skywalking-oap', 11800],
];

describe.each(cases)('%s', (kind, factory, backendName, backendPort) => {
  let dev: Built;
  let prod: Built;
  beforeAll(() => {
    dev = build(arch.Profile.DEVELOPMENT, factory());
    prod = build(arch.Profile.PRODUCTION, factory());
  });

  test('passes every invariant in both profiles', () => {
    expect(checkAll(dev.out.objects)).toEqual([]);
    expect(checkAll(prod.out.objects)).toEqual([]);
  });

  test('writes its own output file', () => {
    expect([...dev.out.files.keys()]).toContain('shop-observability-tracing.k8s.yaml');
  });

  test('collector: 1 replica in development, 2 spread with a budget in production, restricted', () => {
    expect(one(dev.out.objects, 'Deployment', 'observability-otel-collector', NS).spec.replicas).toBe(1);
    const d = one(prod.out.objects, 'Deployment', 'observability-otel-collector', NS);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.topologySpreadConstraints.length).toBeGreaterThan(0);
    expect(find(prod.out.objects, 'PodDisruptionBudget', 'observability-otel-collector', NS)).toHaveLength(1);
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('otel/opentelemetry-collector-contrib:0.158.0');
    expect(d.spec.template.spec.securityContext.runAsUser).toBe(10001);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 13133, scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet.port).toBe(13133);
    expect(c.args).toEqual(['--config=/etc/otelcol-contrib/config.yaml']);
    const svc = one(prod.out.objects, 'Service', 'observability-otel-collector', NS);
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([4317, 4318]);
  });

  test('collector config: OTLP in, memory_limiter from the limit, batch, exporter to the backend, health_check', () => {
    const cfg = collectorConfig(prod.out);
    expect(cfg.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(cfg.processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 409, spike_limit_mib: 102 });
    expect(cfg.processors.batch).toBeDefined();
    expect(cfg.extensions.health_check).toEqual({ endpoint: '0.0.0.0:13133' });
    expect(cfg.service.extensions).toEqual(['health_check']);
    const pipeline = cfg.service.pipelines.traces;
    expect(pipeline.receivers).toEqual(['otlp']);
    expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
    expect(pipeline.exporters).toHaveLength(1);
    const exporter = cfg.exporters[pipeline.exporters[0]];
    const host = `${backendName}.${NS}.svc.cluster.local`;
    if (kind === 'zipkin') {
      expect(pipeline.exporters[0]).toBe('zipkin');
      expect(exporter.endpoint).toBe(`http://${host}:9411/api/v2/spans`);
    } else {
      expect(pipeline.exporters[0]).toMatch(/^otlp_grpc\//);
      expect(exporter.endpoint).toBe(`${host}:${backendPort}`);
      expect(exporter.tls).toEqual({ insecure: true });
    }
    expect(collectorConfig(dev.out).processors.memory_limiter.limit_mib).toBe(204);
  });

  test('edge collector -> backend on its ingest port', () => {
    expect(peerPorts(policy(prod.out, 'observability-otel-collector', NS), 'egress', backendName)).toEqual([backendPort]);
    expect(peerPorts(policy(prod.out, backendName, NS), 'ingress', 'observability-otel-collector')).toEqual([backendPort]);
  });

  test('services created before and after the stack get the SDK variables; the opt-out gets none', () => {
    for (const b of [dev, prod]) {
      const production = b === prod;
      const orders = envOf(one(b.out.objects, 'Deployment', 'orders', 'ordering'));
      expect(orders.OTEL_SERVICE_NAME).toBe('orders');
      expect(orders.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://observability-otel-collector.observability.svc.cluster.local:4318');
      expect(orders.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
      expect(orders.OTEL_TRACES_EXPORTER).toBe('otlp');
      expect(orders.OTEL_TRACES_SAMPLER).toBe('parentbased_traceidratio');
      expect(orders.OTEL_TRACES_SAMPLER_ARG).toBe(production ? '0.1' : '1');
      expect(orders.OTEL_PROPAGATORS).toBe('tracecontext,baggage');
      expect(orders.OTEL_RESOURCE_ATTRIBUTES).toBe(
        `service.namespace=ordering,service.version=1.4.2,deployment.environment=${production ? 'production' : 'development'},`
        + 'k8s.namespace.name=ordering,team=order-team');
      const payments = envOf(one(b.out.objects, 'Deployment', 'payments', 'billing'));
      expect(payments.OTEL_SERVICE_NAME).toBe('payments');
      expect(payments.OTEL_RESOURCE_ATTRIBUTES).not.toContain('team=');
      const legacy = envOf(one(b.out.objects, 'Deployment', 'legacy', 'billing'));
      expect(Object.keys(legacy).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
    }
  });

  test('edges service -> collector on 4317 and 4318, none for the opt-out', () => {
    const collector = policy(prod.out, 'observability-otel-collector', NS);
    const ingressFrom = (name: string) => (collector.spec.ingress ?? [])
      .filter((r: any) => r.from.some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === name))
      .flatMap((r: any) => r.ports.map((x: any) => x.port as number)).sort((a: number, b: number) => a - b);
    expect(ingressFrom('orders')).toEqual([4317, 4318]);
    expect(ingressFrom('payments')).toEqual([4317, 4318]);
    expect(ingressFrom('legacy')).toEqual([]);
    expect(peerPorts(policy(prod.out, 'orders', 'ordering'), 'egress', 'observability-otel-collector')).toEqual([4317, 4318]);
    expect(peerPorts(policy(prod.out, 'legacy', 'billing'), 'egress', 'observability-otel-collector')).toEqual([]);
  });

  test('production stores in Elasticsearch: credentials by secretKeyRef, declared external, edge to 9200', () => {
    // SkyWalking stores in BanyanDB in production (its OAP 10.x refuses Elasticsearch 9): see below
    if (kind === 'skywalking') return;
    const workload = one(prod.out.objects, 'Deployment', backendName, NS);
    const env = envOf(workload);
    const [userVar, passVar] = kind === 'skywalking' ? ['SW_ES_USER', 'SW_ES_PASSWORD'] : ['ES_USERNAME', 'ES_PASSWORD'];
    expect(env[userVar]).toBe('elastic');
    expect(env[passVar]).toEqual({ secretKeyRef: { name: 'observability-elasticsearch', key: 'password' } });
    expect(workload.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('observability-elasticsearch');
    expect(peerPorts(policy(prod.out, backendName, NS), 'egress', 'observability-elasticsearch')).toEqual([9200]);
    expect(peerPorts(policy(prod.out, 'observability-elasticsearch', NS), 'ingress', backendName)).toEqual([9200]);
  });
});

describe('backend specifics', () => {

  test('Jaeger v2: memory storage in development, Elasticsearch in production; query UI on 16686', () => {
    const dev = build(arch.Profile.DEVELOPMENT, arch.Tracing.jaeger()).out;
    const prod = build(arch.Profile.PRODUCTION, arch.Tracing.jaeger()).out;
    const cfg = (out: SynthResult) => yaml.load(one(out.objects, 'ConfigMap', 'observability-jaeger-config', NS).data['config.yaml']) as any;
    expect(cfg(dev).extensions.jaeger_storage.backends.main).toEqual({ memory: { max_traces: 50000 } });
    const es = cfg(prod).extensions.jaeger_storage.backends.main.elasticsearch;
    expect(es.server_urls).toEqual(['http://observability-elasticsearch.observability.svc.cluster.local:9200']);
    expect(es.auth.basic).toEqual({ username: '${env:ES_USERNAME}', password: '${env:ES_PASSWORD}' });
    const c = cfg(prod);
    expect(c.service.extensions).toEqual(['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    expect(c.extensions.jaeger_query.http.endpoint).toBe('0.0.0.0:16686');
    expect(c.exporters.jaeger_storage_exporter.trace_storage).toBe('main');
    expect(one(dev.objects, 'Deployment', 'observability-jaeger', NS).spec.replicas).toBe(1);
    expect(one(prod.objects, 'Deployment', 'observability-jaeger', NS).spec.replicas).toBe(2);
    const container = one(prod.objects, 'Deployment', 'observability-jaeger', NS).spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet).toEqual({ path: '/status', port: 13133, scheme: 'HTTP' });
    expect(one(prod.objects, 'Service', 'observability-jaeger', NS).spec.ports.map((p: any) => p.port)).toEqual([4317, 16686]);
  });

  test('Zipkin: STORAGE_TYPE mem or elasticsearch with ES_HOSTS', () => {
    const dev = envOf(one(build(arch.Profile.DEVELOPMENT, arch.Tracing.zipkin()).out.objects, 'Deployment', 'observability-zipkin', NS));
    expect(dev.STORAGE_TYPE).toBe('mem');
    expect(dev.ES_HOSTS).toBeUndefined();
    const prodOut = build(arch.Profile.PRODUCTION, arch.Tracing.zipkin()).out;
    const prod = envOf(one(prodOut.objects, 'Deployment', 'observability-zipkin', NS));
    expect(prod.STORAGE_TYPE).toBe('elasticsearch');
    expect(prod.ES_HOSTS).toBe('http://observability-elasticsearch.observability.svc.cluster.local:9200');
    const c = one(prodOut.objects, 'Deployment', 'observability-zipkin', NS).spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 9411, scheme: 'HTTP' });
  });

  test('SkyWalking: OTLP traces handler, BanyanDB (emptyDir) in development, BanyanDB on a volume in production, UI wired to the OAP', () => {
    const devOut = build(arch.Profile.DEVELOPMENT, arch.Tracing.skywalking()).out;
    const dev = envOf(one(devOut.objects, 'Deployment', 'observability-skywalking-oap', NS));
    expect(dev.SW_OTEL_RECEIVER_ENABLED_HANDLERS).toContain('otlp-traces');
    expect(dev.SW_RECEIVER_ZIPKIN).toBe('default');
    expect(dev.SW_QUERY_ZIPKIN).toBe('default');
    expect(dev.SW_STORAGE).toBe('banyandb');
    expect(dev.SW_STORAGE_BANYANDB_TARGETS).toBe('observability-banyandb.observability.svc.cluster.local:17912');
    expect(peerPorts(policy(devOut, 'observability-skywalking-oap', NS), 'egress', 'observability-banyandb')).toEqual([17912]);
    const bydb = one(devOut.objects, 'Deployment', 'observability-banyandb', NS).spec.template.spec;
    expect(bydb.containers[0].args).toEqual(['standalone']);
    expect(bydb.volumes.find((v: any) => v.name === 'writable-tmp').emptyDir).toBeDefined();

    expect(dev.SW_CORE_RECORD_DATA_TTL).toBe('7');
    expect(dev.SW_CORE_METRICS_DATA_TTL).toBe('7');

    const prodOut = build(arch.Profile.PRODUCTION, arch.Tracing.skywalking()).out;
    const prod = envOf(one(prodOut.objects, 'Deployment', 'observability-skywalking-oap', NS));
    expect(prod.SW_STORAGE).toBe('banyandb');
    expect(prod.SW_STORAGE_BANYANDB_TARGETS).toBe('observability-banyandb.observability.svc.cluster.local:17912');
    expect(find(prodOut.objects, 'Deployment', 'observability-banyandb')).toHaveLength(0);
    expect(find(prodOut.objects, 'StatefulSet', 'observability-elasticsearch')).toHaveLength(0);
    const sts = one(prodOut.objects, 'StatefulSet', 'observability-banyandb', NS);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/tmp' }]);
    expect(sts.spec.template.spec.containers[0].args).toEqual(['standalone']);
    expect(peerPorts(policy(prodOut, 'observability-skywalking-oap', NS), 'egress', 'observability-banyandb')).toEqual([17912]);
    // the UI is stateless: two in production
    expect(one(prodOut.objects, 'Deployment', 'observability-skywalking-ui', NS).spec.replicas).toBe(2);
    const ui = envOf(one(prodOut.objects, 'Deployment', 'observability-skywalking-ui', NS));
    expect(ui.SW_OAP_ADDRESS).toBe('http://observability-skywalking-oap.observability.svc.cluster.local:12800');
    expect(peerPorts(policy(prodOut, 'observability-skywalking-ui', NS), 'egress', 'observability-skywalking-oap')).toEqual([9412, 12800]);
    expect(one(prodOut.objects, 'Service', 'observability-skywalking-oap', NS).spec.ports.map((p: any) => p.port)).toEqual([11800, 12800, 9412]);
  });

  test('sampling and storage overrides', () => {
    const tracing = arch.Tracing.jaeger({ sampling: 0.25, storage: arch.TracingStorage.MEMORY, collectorReplicas: 3 });
    const out = build(arch.Profile.PRODUCTION, tracing).out;
    expect(envOf(one(out.objects, 'Deployment', 'orders', 'ordering')).OTEL_TRACES_SAMPLER_ARG).toBe('0.25');
    expect(one(out.objects, 'Deployment', 'observability-jaeger', NS).spec.replicas).toBe(1);
    expect(one(out.objects, 'Deployment', 'observability-otel-collector', NS).spec.replicas).toBe(3);
    expect(checkAll(out.objects)).toEqual([]);
  });
});

describe('renderCollectorConfig', () => {
  test('is pure YAML the collector reads', () => {
    const cfg = yaml.load(renderCollectorConfig({ memoryLimitMebibytes: 1000, exporter: { kind: 'zipkin', endpoint: 'http://z:9411/api/v2/spans' } })) as any;
    expect(cfg.processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 800, spike_limit_mib: 200 });
    expect(cfg.exporters.zipkin.endpoint).toBe('http://z:9411/api/v2/spans');
  });
});

describe('tracingEnv', () => {
  test('percent-encodes resource attribute values', () => {
    const target = { serviceName: 's', context: 'a b', team: 'x,y=z', version: '1.0', workload: { namespace: 'ns' } } as any;
    const env = Object.fromEntries(tracingEnv(target, 'c', 0.5, arch.Profile.DEVELOPMENT).map((v) => [v.name, (v.value as any)._toKube(v.name).value]));
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe('service.namespace=a%20b,service.version=1.0,deployment.environment=development,k8s.namespace.name=ns,team=x%2Cy%3Dz');
    expect(env.OTEL_TRACES_SAMPLER_ARG).toBe('0.5');
  });
});

describe('validation', () => {

  const attempt = (profile: arch.Profile, tracing: arch.ITracingBackend) => () => build(profile, tracing);
  const D = arch.Profile.DEVELOPMENT;

  test.each([1.5, -0.1, Number.NaN])('sampling %p', (sampling) => {
    expect(attempt(D, arch.Tracing.jaeger({ sampling }))).toThrow(/\[shop\/observability\] tracing sampling .* is not a ratio from 0 to 1\. Fix:/);
  });

  test('storage that is not a TracingStorage', () => {
    expect(attempt(D, arch.Tracing.zipkin({ storage: 'cassandra' as arch.TracingStorage }))).toThrow(/tracing storage "cassandra" is not supported\. Fix:/);
  });

  test('collectorReplicas', () => {
    expect(attempt(D, arch.Tracing.jaeger({ collectorReplicas: 0 }))).toThrow(/\[shop\/observability\] tracing collectorReplicas 0 is out of range.*Fix:/);
  });

  test('collector image not pinned', () => {
    expect(attempt(D, arch.Tracing.jaeger({ collectorImage: 'otel/opentelemetry-collector-contrib:latest' }))).toThrow(/uses the mutable tag "latest"\. Fix:/);
  });

  test('backend images not pinned', () => {
    expect(attempt(D, arch.Tracing.jaeger({ image: 'jaegertracing/jaeger' }))).toThrow(/image "jaegertracing\/jaeger" has no tag or digest.*Fix:/);
    expect(attempt(D, arch.Tracing.zipkin({ image: 'openzipkin/zipkin:latest' }))).toThrow(/"latest"\. Fix:/);
    expect(attempt(D, arch.Tracing.skywalking({ uiImage: 'apache/skywalking-ui' }))).toThrow(/has no tag or digest/);
    expect(attempt(D, arch.Tracing.skywalking({ banyanDbImage: 'apache/skywalking-banyandb' }))).toThrow(/has no tag or digest/);
    expect(attempt(D, arch.Tracing.skywalking({ oapImage: 'apache/skywalking-oap-server' }))).toThrow(/has no tag or digest/);
  });

  test('several backend replicas with memory storage', () => {
    expect(attempt(D, arch.Tracing.jaeger({ backendReplicas: 2 }))).toThrow(/backendReplicas 2 with TracingStorage\.MEMORY would split the traces.*Fix: use 1 replica/);
  });

  test('SkyWalking OAP 10.x on Elasticsearch 9 is refused at synth, an 8.x Elasticsearch or OAP 11 is accepted', () => {
    const P = arch.Profile.PRODUCTION;
    expect(attempt(P, arch.Tracing.skywalking({ storage: arch.TracingStorage.ELASTICSEARCH })))
      .toThrow(/\[shop\/observability\] tracing storage "elasticsearch" pairs the SkyWalking OAP "apache\/skywalking-oap-server:10\.3\.0" with Elasticsearch 9, .*Unsupported version.*Fix: use TracingStorage\.BANYANDB/);
    const on = (tracing: arch.ITracingBackend, image?: string) => {
      const app = newTestApp();
      const shop = new arch.BackendArchitecture(app, 'shop', { profile: P });
      new arch.ObservabilityStack(shop, 'observability', {
        tracing,
        logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch({ image }), kibanaImage: image?.replace('elasticsearch/elasticsearch', 'kibana/kibana') }),
      });
      return synthApp(app);
    };
    const es8 = on(arch.Tracing.skywalking({ storage: arch.TracingStorage.ELASTICSEARCH }), 'docker.elastic.co/elasticsearch/elasticsearch:8.19.20');
    const env = envOf(one(es8.objects, 'Deployment', 'observability-skywalking-oap', NS));
    expect(env.SW_STORAGE).toBe('elasticsearch');
    expect(env.SW_STORAGE_ES_CLUSTER_NODES).toBe('observability-elasticsearch.observability.svc.cluster.local:9200');
    expect(env.SW_ES_PASSWORD).toEqual({ secretKeyRef: { name: 'observability-elasticsearch', key: 'password' } });
    expect(peerPorts(policy(es8, 'observability-skywalking-oap', NS), 'egress', 'observability-elasticsearch')).toEqual([9200]);
    expect(() => on(arch.Tracing.skywalking({ storage: arch.TracingStorage.ELASTICSEARCH, oapImage: 'apache/skywalking-oap-server:11.0.0' }))).not.toThrow();
  });

  test('BanyanDB is SkyWalking\'s only', () => {
    expect(attempt(D, arch.Tracing.jaeger({ storage: arch.TracingStorage.BANYANDB }))).toThrow(/tracing storage "banyandb" is SkyWalking's own database.*Fix:/);
  });

  test('retentionDays', () => {
    expect(attempt(D, arch.Tracing.jaeger({ retentionDays: 0 }))).toThrow(/tracing retentionDays 0 is out of range.*Fix:/);
  });

  test('several SkyWalking OAP replicas', () => {
    expect(attempt(arch.Profile.PRODUCTION, arch.Tracing.skywalking({ backendReplicas: 2 }))).toThrow(/SkyWalking OAP runs one replica.*Fix:/);
  });

  test('resources', () => {
    expect(attempt(D, arch.Tracing.zipkin({ resources: { cpuRequestMillis: 2000, cpuLimitMillis: 1000 } }))).toThrow(/cpuRequestMillis 2000 exceeds cpuLimitMillis 1000.*Fix:/);
    expect(attempt(D, arch.Tracing.jaeger({ collectorResources: { memoryLimitMebibytes: 0 } }))).toThrow(/memoryLimitMebibytes 0 is out of range/);
  });
});
