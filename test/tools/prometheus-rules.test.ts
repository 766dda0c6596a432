import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { expandAnnotations, firingAlert, requireProgram } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp, SynthResult } from '../harness/synth';

/**
 * The RED rules and the metrics contract, run by the real tools (Debian packages `prometheus` and
 * `prometheus-alertmanager`) on the synthesized files:
 * - `promtool check rules` and `promtool check config` (the OTLP job's metric relabeling included);
 * - `promtool test rules`: synthetic series that must fire each per-service alert and series that
 *   must not (gRPC client errors are not server errors, a service with traffic is not "absent");
 * - `amtool config routes test`: each per-service alert reaches its team's receiver.
 *
 * The only substitutions are those of prometheus.test.ts (Debian's 2.42 has no Kubernetes service
 * discovery: a static target instead; Alertmanager 0.25 has no `url_file`: a literal URL).
 */
jest.setTimeout(60_000);

let out: SynthResult;
let tmp: string;
let rulesFile: string;
/** A second architecture: Fluentd into a 3-node Elasticsearch watched by its exporter, Nacos and Consul (their own alert rules). */
let logsOut: SynthResult;
let logsRulesFile: string;
/** A third architecture: etcd, ZooKeeper, RabbitMQ, Redis and Pulsar, each scraped (their own alert rules). */
let platformOut: SynthResult;
let platformRulesFile: string;
/** A fourth architecture: RocketMQ with its controllers, scraped on their own endpoints. */
let rocketOut: SynthResult;
let rocketRulesFile: string;

beforeAll(() => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(shop, 'observability', {
    tracing: arch.Tracing.jaeger({ storage: arch.TracingStorage.MEMORY, backendReplicas: 1 }),
    logging: arch.Logging.fluentBit(),
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}, { team: 'checkout' }] } }),
  });
  // scraped (HTTP), pushing (gRPC: the default), and a service that never reports
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering', team: 'checkout' });
  new arch.Microservice(shop, 'payments', {
    image: 'ghcr.io/acme/payments:2.0.1', context: 'payments', team: 'checkout', protocol: arch.AppProtocol.GRPC, port: 9090,
  });
  new arch.Microservice(shop, 'catalog', { image: 'ghcr.io/acme/catalog:5.1.0', context: 'catalog' });
  // Kafka, watched through its kafka_exporter
  new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(), topics: [{ name: 'orders' }] });
  out = synthApp(app);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-rules-'));
  rulesFile = path.join(tmp, 'alerts.yml');
  fs.writeFileSync(rulesFile, data()['alerts.yml']);

  const logsApp = newTestApp();
  const logs = new arch.BackendArchitecture(logsApp, 'logs', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(logs, 'observability', {
    logging: arch.Logging.fluentd(),
    metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
  });
  // Nacos, scraped on its actuator endpoint
  new arch.ConfigCenter(logs, 'config', { engine: arch.ConfigCenterEngine.nacos() });
  // Consul, scraped on every server's /v1/agent/metrics
  new arch.Registry(logs, 'registry', { engine: arch.RegistryEngine.consul() });
  logsOut = synthApp(logsApp);
  logsRulesFile = path.join(tmp, 'logs-alerts.yml');
  fs.writeFileSync(logsRulesFile, logsAlerts());

  const platformApp = newTestApp();
  const platform = new arch.BackendArchitecture(platformApp, 'platform', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(platform, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) });
  new arch.Registry(platform, 'registry', { engine: arch.RegistryEngine.etcd() });
  new arch.Registry(platform, 'zk', { engine: arch.RegistryEngine.zookeeper() });
  new arch.MessageQueue(platform, 'jobs', { engine: arch.MessageQueueEngine.rabbitmq(), topics: [{ name: 'work' }] });
  new arch.MessageQueue(platform, 'cache', { engine: arch.MessageQueueEngine.redis() });
  new arch.MessageQueue(platform, 'stream', { engine: arch.MessageQueueEngine.pulsar(), topics: [{ name: 'clicks' }] });
  platformOut = synthApp(platformApp);
  platformRulesFile = path.join(tmp, 'platform-alerts.yml');
  fs.writeFileSync(platformRulesFile, platformAlerts());

  const rocketApp = newTestApp();
  const rocket = new arch.BackendArchitecture(rocketApp, 'rocket', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(rocket, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) });
  new arch.MessageQueue(rocket, 'events', { engine: arch.MessageQueueEngine.rocketmq(), topics: [{ name: 'orders' }] });
  rocketOut = synthApp(rocketApp);
  rocketRulesFile = path.join(tmp, 'rocket-alerts.yml');
  fs.writeFileSync(rocketRulesFile, one(rocketOut.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data['alerts.yml']);
});

function platformAlerts(): string {
  return one(platformOut.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data['alerts.yml'];
}

function logsAlerts(): string {
  return one(logsOut.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data['alerts.yml'];
}

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function data(): Record<string, string> {
  return one(out.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data;
}

function run(program: string, args: string[], stdoutOnly = false): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 30_000, cwd: tmp });
  if (r.status !== 0) throw new Error(`${path.basename(program)} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return stdoutOnly ? r.stdout : `${r.stdout}${r.stderr}`;
}

const promtool = () => requireProgram(['promtool', '/usr/bin/promtool'], 'prometheus');

/** The synthesized rule of a service's alert. */
function ruleOf(alert: string, job: string): any {
  const groups = (yaml.load(data()['alerts.yml']) as any).groups;
  const found = groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert === alert && r.expr.includes(`job="${job}"`));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The synthesized annotations, with the `$value` the series below produce filled in. */
function annotations(r: any, value: string): Record<string, string> {
  return Object.fromEntries(Object.entries(r.annotations as Record<string, string>)
    .map(([k, v]) => [k, v.replace(/\{\{ \$value \| humanize(Percentage|Duration) \}\}/g, value)]));
}

/** Runs `promtool test rules` on one test group over the synthesized rules. */
function testRules(name: string, group: { input_series: any[]; promql_expr_test?: any[]; alert_rule_test: any[] }, file0 = rulesFile): void {
  const tests = { rule_files: [file0], evaluation_interval: '1m', tests: [{ interval: '1m', ...group }] };
  const file = path.join(tmp, `${name}.test.yml`);
  fs.writeFileSync(file, yaml.dump(tests, { lineWidth: -1 }));
  expect(run(promtool(), ['test', 'rules', file])).toMatch(/SUCCESS/);
}

test('promtool accepts the rules and the configuration with the OTLP metrics job', () => {
  expect(run(promtool(), ['check', 'rules', rulesFile])).toMatch(/SUCCESS: \d+ rules found/);
  const config = yaml.load(data()['prometheus.yml']) as any;
  config.rule_files = [rulesFile];
  const jobs = config.scrape_configs.map((j: any) => j.job_name);
  expect(jobs).toEqual(['prometheus', 'alertmanager', 'architecture-pods', 'otlp-metrics']);
  for (const j of config.scrape_configs) {
    if (!j.kubernetes_sd_configs) continue;
    delete j.kubernetes_sd_configs;
    j.static_configs = [{ targets: ['10.0.0.1:8889'] }];
  }
  const file = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(file, yaml.dump(config));
  expect(run(promtool(), ['check', 'config', file])).toMatch(/SUCCESS/);
});

test('promtool test rules: each RED alert fires on the series that should fire it, and only there', () => {
  const ms = 'kind="microservice"';
  const orders = `${ms}, namespace="ordering", job="orders", team="checkout"`;
  const payments = `${ms}, namespace="payments", job="payments", team="checkout"`;
  testRules('alerts', {
    input_series: [
      // orders: 1 request/s, 10 % of them 5xx, fast
      { series: `http_server_request_duration_seconds_count{${orders}, http_response_status_code="200"}`, values: '0+54x45' },
      { series: `http_server_request_duration_seconds_count{${orders}, http_response_status_code="503"}`, values: '0+6x45' },
      { series: `http_server_request_duration_seconds_bucket{${orders}, le="0.1"}`, values: '0+60x45' },
      { series: `http_server_request_duration_seconds_bucket{${orders}, le="+Inf"}`, values: '0+60x45' },
      { series: `up{${orders}, pod="orders-1"}`, values: '1x45' },
      // orders-2 stops answering Prometheus after 10 minutes
      { series: `up{${orders}, pod="orders-2"}`, values: '1x10 0x35' },
      // payments (pushed over OTLP, relabeled like a scraped service): NOT_FOUND answers only
      // (client errors), but slow: p95 = 100 + 900 * (0.95 * 150 - 100) / 50 = 865 ms
      { series: `rpc_server_duration_milliseconds_count{${payments}, rpc_grpc_status_code="0"}`, values: '0+100x45' },
      { series: `rpc_server_duration_milliseconds_count{${payments}, rpc_grpc_status_code="5"}`, values: '0+50x45' },
      { series: `rpc_server_duration_milliseconds_bucket{${payments}, le="100"}`, values: '0+100x45' },
      { series: `rpc_server_duration_milliseconds_bucket{${payments}, le="1000"}`, values: '0+150x45' },
      { series: `rpc_server_duration_milliseconds_bucket{${payments}, le="+Inf"}`, values: '0+150x45' },
      // catalog: nothing at all
    ],
    promql_expr_test: [
      { expr: 'service:http_requests:rate5m', eval_time: '20m', exp_samples: [{ labels: 'service:http_requests:rate5m{namespace="ordering", job="orders", team="checkout"}', value: 1 }] },
      { expr: 'service:http_request_errors:rate5m', eval_time: '20m', exp_samples: [{ labels: 'service:http_request_errors:rate5m{namespace="ordering", job="orders", team="checkout"}', value: 0.1 }] },
      { expr: 'service:rpc_request_errors:rate5m', eval_time: '20m', exp_samples: [] },
      { expr: 'service:rpc_request_duration_seconds:p95_5m > 0.86 < 0.87', eval_time: '20m', exp_samples: [{ labels: 'service:rpc_request_duration_seconds:p95_5m{namespace="payments", job="payments", team="checkout"}', value: 0.865 }] },
    ],
    alert_rule_test: [
      {
        eval_time: '25m',
        alertname: 'ServiceHighErrorRatio',
        exp_alerts: [{
          exp_labels: { severity: 'warning', team: 'checkout', namespace: 'ordering', job: 'orders' },
          exp_annotations: annotations(ruleOf('ServiceHighErrorRatio', 'orders'), '10%'),
        }],
      },
      {
        eval_time: '25m',
        alertname: 'ServiceHighLatency',
        exp_alerts: [{
          exp_labels: { severity: 'warning', team: 'checkout', namespace: 'payments', job: 'payments' },
          exp_annotations: annotations(ruleOf('ServiceHighLatency', 'payments'), '865ms'),
        }],
      },
      // not yet: absent for 30 minutes
      { eval_time: '25m', alertname: 'ServiceMetricsAbsent', exp_alerts: [] },
      {
        eval_time: '40m',
        alertname: 'ServiceMetricsAbsent',
        exp_alerts: [{
          exp_labels: { severity: 'warning', kind: 'microservice', namespace: 'catalog', job: 'catalog' },
          exp_annotations: annotations(ruleOf('ServiceMetricsAbsent', 'catalog'), ''),
        }],
      },
      // down from 11m, `for` 5m
      { eval_time: '15m', alertname: 'ServiceDown', exp_alerts: [] },
      {
        eval_time: '25m',
        alertname: 'ServiceDown',
        exp_alerts: [{
          exp_labels: { severity: 'critical', kind: 'microservice', namespace: 'ordering', job: 'orders', team: 'checkout', pod: 'orders-2' },
          exp_annotations: serviceDownAnnotations({ namespace: 'ordering', job: 'orders', pod: 'orders-2' }),
        }],
      },
    ],
  });
});

/** ServiceDown's synthesized annotations, with the labels of one pod filled in. */
function serviceDownAnnotations(labels: Record<string, string>): Record<string, string> {
  const r = (yaml.load(data()['alerts.yml']) as any).groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === 'ServiceDown');
  expect(r).toBeDefined();
  return Object.fromEntries(Object.entries(r.annotations as Record<string, string>)
    .map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => labels[l])]));
}

/** An alert of a platform rule at 20m, its annotations expanded from the synthesized templates. */
/** The labels of a series selector's body (`a="x", b="y"`). */
function labelsOf(selector: string): Record<string, string> {
  return Object.fromEntries([...selector.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/** The synthesized static labels of an alert of the second architecture. */
function ruleLabels(alert: string): Record<string, string> {
  const r = (yaml.load(logsAlerts()) as any).groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === alert);
  expect(r).toBeDefined();
  return r.labels;
}

/** The synthesized annotations of an alert of the second architecture, expanded with these labels and value. */
function annotationsOf(alert: string, labels: Record<string, string>, value: string): Record<string, string> {
  const r = (yaml.load(logsAlerts()) as any).groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === alert);
  return expandAnnotations(r.annotations, labels, value);
}

function expected(alert: string, labels: Record<string, string>, value: string, job = 'observability-otel-collector', alerts = data()['alerts.yml']): any {
  const groups = (yaml.load(alerts) as any).groups;
  const r = groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === alert);
  expect(r).toBeDefined();
  return firingAlert(r, { namespace: 'observability', job, ...labels }, value);
}

test('promtool test rules: the collector\'s own alerts fire on failing exports, a full queue, drops and refusals, and only there', () => {
  const oc = 'kind="otel-collector", namespace="observability", job="observability-otel-collector"';
  const exporter = 'exporter="otlp_grpc/jaeger"';
  testRules('collector', {
    input_series: [
      // collector-0: the backend refuses spans, its queue fills up and then overflows
      { series: `otelcol_exporter_send_failed_spans_total{${oc}, pod="c-0", ${exporter}}`, values: '0+60x30' },
      { series: `otelcol_exporter_queue_size{${oc}, pod="c-0", ${exporter}}`, values: '900x30' },
      { series: `otelcol_exporter_queue_capacity{${oc}, pod="c-0", ${exporter}}`, values: '1000x30' },
      { series: `otelcol_exporter_enqueue_failed_spans_total{${oc}, pod="c-0", ${exporter}}`, values: '0+30x30' },
      // collector-1: healthy (counters flat, queue nearly empty), but memory_limiter refuses metric points
      { series: `otelcol_exporter_send_failed_spans_total{${oc}, pod="c-1", ${exporter}}`, values: '5x30' },
      { series: `otelcol_exporter_queue_size{${oc}, pod="c-1", ${exporter}}`, values: '10x30' },
      { series: `otelcol_exporter_queue_capacity{${oc}, pod="c-1", ${exporter}}`, values: '1000x30' },
      { series: `otelcol_exporter_enqueue_failed_spans_total{${oc}, pod="c-1", ${exporter}}`, values: '0x30' },
      { series: `otelcol_receiver_refused_metric_points_total{${oc}, pod="c-1", receiver="otlp", transport="http"}`, values: '0+120x30' },
      { series: `otelcol_receiver_refused_spans_total{${oc}, pod="c-1", receiver="otlp", transport="grpc"}`, values: '0x30' },
    ],
    alert_rule_test: [
      expected('OtelCollectorExportFailing', { pod: 'c-0', exporter: 'otlp_grpc/jaeger' }, '1'),
      expected('OtelCollectorQueueNearlyFull', { pod: 'c-0', exporter: 'otlp_grpc/jaeger' }, '90%'),
      expected('OtelCollectorDroppingData', { pod: 'c-0' }, '0.5'),
      expected('OtelCollectorRefusingData', { pod: 'c-1' }, '2'),
      // not before their `for`
      { eval_time: '4m', alertname: 'OtelCollectorExportFailing', exp_alerts: [] },
    ],
  });
});

test('promtool test rules: Fluent Bit\'s alerts fire on records given up after the retry limit and on lasting output errors', () => {
  const fb = 'kind="fluent-bit", namespace="observability", job="observability-fluent-bit"';
  const job = 'observability-fluent-bit';
  testRules('fluent-bit', {
    input_series: [
      // node a: Elasticsearch refuses chunks, some are given up
      { series: `fluentbit_output_errors_total{${fb}, pod="fb-a", name="es.0"}`, values: '0+30x30' },
      { series: `fluentbit_output_retries_failed_total{${fb}, pod="fb-a", name="es.0"}`, values: '0+6x30' },
      // node b: one error long ago, nothing given up
      { series: `fluentbit_output_errors_total{${fb}, pod="fb-b", name="es.0"}`, values: '1x30' },
      { series: `fluentbit_output_retries_failed_total{${fb}, pod="fb-b", name="es.0"}`, values: '0x30' },
    ],
    alert_rule_test: [
      expected('FluentBitDroppingRecords', { pod: 'fb-a', name: 'es.0' }, '0.1', job),
      expected('FluentBitOutputErrors', { pod: 'fb-a', name: 'es.0' }, '0.5', job),
      // output errors alone are retried: not yet an alert before 15 minutes
      { eval_time: '10m', alertname: 'FluentBitOutputErrors', exp_alerts: [] },
    ],
  });
});

test('promtool test rules: the Kafka alerts fire on under-replicated partitions, a lost broker and a growing lag, and only there', () => {
  const kx = 'kind="kafka", namespace="events", job="events-exporter"';
  const job = 'events-exporter';
  testRules('kafka', {
    input_series: [
      // orders: one of two partitions lost an in-sync replica; payments is fine
      { series: `kafka_topic_partition_under_replicated_partition{${kx}, topic="orders", partition="0"}`, values: '1x30' },
      { series: `kafka_topic_partition_under_replicated_partition{${kx}, topic="orders", partition="1"}`, values: '0x30' },
      { series: `kafka_topic_partition_under_replicated_partition{${kx}, topic="payments", partition="0"}`, values: '0x30' },
      // three brokers, one gone after 10 minutes
      { series: `kafka_brokers{${kx}}`, values: '3x10 2x20' },
      // billing falls further behind; shipping is behind by a constant amount (not growing)
      { series: `kafka_consumergroup_lag{${kx}, consumergroup="billing", topic="orders", partition="0"}`, values: '1200+100x30' },
      { series: `kafka_consumergroup_lag{${kx}, consumergroup="shipping", topic="orders", partition="0"}`, values: '5000x30' },
    ],
    alert_rule_test: [
      expected('KafkaUnderReplicatedPartitions', { namespace: 'events', topic: 'orders' }, '1', job),
      expected('KafkaBrokerMissing', { namespace: 'events', kind: 'kafka' }, '1', job),
      expected('KafkaConsumerGroupLagGrowing', { namespace: 'events', consumergroup: 'billing', topic: 'orders' }, '3200', job),
      // before their `for`: no alert yet
      { eval_time: '9m', alertname: 'KafkaUnderReplicatedPartitions', exp_alerts: [] },
      { eval_time: '12m', alertname: 'KafkaBrokerMissing', exp_alerts: [] },
      { eval_time: '10m', alertname: 'KafkaConsumerGroupLagGrowing', exp_alerts: [] },
    ],
  });
});

test('promtool test rules: Fluentd\'s alerts fire on a nearly full buffer and on lasting output errors, and only there', () => {
  const fd = 'kind="fluentd", namespace="observability-agents", job="observability-fluentd"';
  const job = 'observability-fluentd';
  const at = (alert: string, labels: Record<string, string>, value: string) =>
    expected(alert, { namespace: 'observability-agents', ...labels }, value, job, logsAlerts());
  testRules('fluentd', {
    input_series: [
      // node a: Elasticsearch refuses bulk requests
      { series: `fluentd_output_status_num_errors{${fd}, pod="fd-a", plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '0+30x30' },
      // node b: one error long ago
      { series: `fluentd_output_status_num_errors{${fd}, pod="fd-b", plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '1x30' },
    ],
    alert_rule_test: [
      at('FluentdOutputErrors', { pod: 'fd-a', plugin_id: 'out_elasticsearch' }, '0.5'),
      { eval_time: '10m', alertname: 'FluentdOutputErrors', exp_alerts: [] },
    ],
  }, logsRulesFile);
  testRules('fluentd-buffer', {
    input_series: [
      { series: `fluentd_output_status_buffer_available_space_ratio{${fd}, pod="fd-a", plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '50x5 8x20' },
      { series: `fluentd_output_status_buffer_available_space_ratio{${fd}, pod="fd-b", plugin_id="out_elasticsearch", type="elasticsearch"}`, values: '99.5x25' },
    ],
    alert_rule_test: [
      // node a's buffer has had less than 10 % space left since minute 5; node b's is nearly empty
      at('FluentdBufferNearlyFull', { pod: 'fd-a', plugin_id: 'out_elasticsearch' }, '8'),
      // not before its `for` (5 minutes below 10 %)
      { eval_time: '9m', alertname: 'FluentdBufferNearlyFull', exp_alerts: [] },
    ],
  }, logsRulesFile);
});

test('promtool test rules: the Elasticsearch alerts fire on a red or yellow cluster, a lost node, a filling disk, a full heap and a blind exporter, and only there', () => {
  const es = 'kind="elasticsearch", namespace="observability", job="observability-elasticsearch-exporter", pod="exp-0", cluster="observability-elasticsearch"';
  const node = (n: string) => `${es}, name="observability-elasticsearch-${n}", host="10.0.0.${n}", es_master_node="true", es_data_node="true", es_ingest_node="true", es_client_node="true"`;
  const fs0 = (n: string) => `${node(n)}, mount="/usr/share/elasticsearch/data (/dev/sdb)", path="/usr/share/elasticsearch/data"`;
  const job = 'observability-elasticsearch-exporter';
  const at = (alert: string, labels: Record<string, string>, value: string) =>
    expected(alert, { cluster: 'observability-elasticsearch', ...labels }, value, job, logsAlerts());
  testRules('elasticsearch', {
    input_series: [
      // red from minute 10 (a primary lost), yellow before (a replica unassigned for the whole run)
      { series: `elasticsearch_cluster_health_status{${es}, color="red"}`, values: '0x10 1x20' },
      { series: `elasticsearch_cluster_health_status{${es}, color="yellow"}`, values: '1x10 0x20' },
      { series: `elasticsearch_cluster_health_status{${es}, color="green"}`, values: '0x30' },
      // three nodes, then two
      { series: `elasticsearch_cluster_health_number_of_nodes{${es}}`, values: '3x10 2x20' },
      // node 0: 92 % of 100 GiB used; node 1: 83 %; node 2: 40 %
      { series: `elasticsearch_filesystem_data_size_bytes{${fs0('0')}}`, values: '100x30' },
      { series: `elasticsearch_filesystem_data_available_bytes{${fs0('0')}}`, values: '8x30' },
      { series: `elasticsearch_filesystem_data_size_bytes{${fs0('1')}}`, values: '100x30' },
      { series: `elasticsearch_filesystem_data_available_bytes{${fs0('1')}}`, values: '17x30' },
      { series: `elasticsearch_filesystem_data_size_bytes{${fs0('2')}}`, values: '100x30' },
      { series: `elasticsearch_filesystem_data_available_bytes{${fs0('2')}}`, values: '60x30' },
      // node 1's heap at 95 %, node 2's at 50 % (non-heap is not heap)
      { series: `elasticsearch_jvm_memory_used_bytes{${node('1')}, area="heap"}`, values: '95x30' },
      { series: `elasticsearch_jvm_memory_max_bytes{${node('1')}, area="heap"}`, values: '100x30' },
      { series: `elasticsearch_jvm_memory_used_bytes{${node('1')}, area="non-heap"}`, values: '300x30' },
      { series: `elasticsearch_jvm_memory_used_bytes{${node('2')}, area="heap"}`, values: '50x30' },
      { series: `elasticsearch_jvm_memory_max_bytes{${node('2')}, area="heap"}`, values: '100x30' },
      // the exporter lost the cluster from minute 12
      { series: `elasticsearch_clusterinfo_up{${es}, url="http://observability-elasticsearch.observability.svc.cluster.local:9200"}`, values: '1x12 0x18' },
    ],
    alert_rule_test: [
      at('ElasticsearchClusterRed', { namespace: 'observability' }, '1'),
      { eval_time: '8m', alertname: 'ElasticsearchClusterRed', exp_alerts: [] },
      // yellow for the first 10 minutes only: shorter than its 30 minutes
      { eval_time: '20m', alertname: 'ElasticsearchClusterYellow', exp_alerts: [] },
      {
        eval_time: '20m',
        alertname: 'ElasticsearchNodeMissing',
        exp_alerts: [{
          exp_labels: { ...ruleLabels('ElasticsearchNodeMissing'), kind: 'elasticsearch', namespace: 'observability', job, pod: 'exp-0', cluster: 'observability-elasticsearch' },
          exp_annotations: annotationsOf('ElasticsearchNodeMissing', { namespace: 'observability', job, cluster: 'observability-elasticsearch' }, '1'),
        }],
      },
      diskAlert('ElasticsearchDiskFilling', ['0', '1'], { 0: '92%', 1: '83%' }),
      diskAlert('ElasticsearchDiskAboveHighWatermark', ['0'], { 0: '92%' }),
      {
        eval_time: '20m',
        alertname: 'ElasticsearchHeapTooHigh',
        exp_alerts: [{
          exp_labels: { ...ruleLabels('ElasticsearchHeapTooHigh'), ...labelsOf(node('1')), area: 'heap' },
          exp_annotations: annotationsOf('ElasticsearchHeapTooHigh', { ...labelsOf(node('1')) }, '95%'),
        }],
      },
      at('ElasticsearchExporterCannotReachCluster', { namespace: 'observability', pod: 'exp-0', kind: 'elasticsearch', url: 'http://observability-elasticsearch.observability.svc.cluster.local:9200' }, '0'),
    ],
  }, logsRulesFile);

  function diskAlert(alert: string, nodes: string[], values: Record<string, string>): any {
    return {
      eval_time: '20m',
      alertname: alert,
      exp_alerts: nodes.map((n) => ({
        exp_labels: { ...ruleLabels(alert), ...labelsOf(fs0(n)) },
        exp_annotations: annotationsOf(alert, labelsOf(fs0(n)), values[n]),
      })),
    };
  }
});

test('promtool test rules: the Nacos alerts fire on database errors and failing notifications between members, and only there', () => {
  const nx = (pod: string) => `kind="nacos", namespace="config", job="config", pod="${pod}", module="config"`;
  const at = (alert: string, pod: string, value: string) => expected(alert, { namespace: 'config', pod }, value, 'config', logsAlerts());
  testRules('nacos', {
    input_series: [
      // config-0 loses its database; config-1 cannot notify; config-2 counted one error long ago
      { series: `nacos_exception_total{${nx('config-0')}, name="db"}`, values: '0+12x30' },
      { series: `nacos_exception_total{${nx('config-1')}, name="configNotify"}`, values: '0+60x30' },
      { series: `nacos_exception_total{${nx('config-2')}, name="db"}`, values: '1x30' },
      // client mistakes are not server trouble
      { series: `nacos_exception_total{${nx('config-2')}, name="illegalArgument"}`, values: '0+600x30' },
    ],
    alert_rule_test: [
      at('NacosDatabaseErrors', 'config-0', '0.2'),
      at('NacosConfigNotifyFailing', 'config-1', '1'),
      { eval_time: '12m', alertname: 'NacosConfigNotifyFailing', exp_alerts: [] },
    ],
  }, logsRulesFile);
});

test('promtool test rules: the Consul alerts fire on a lost leader, an unhealthy server and no failure tolerance left, and only there', () => {
  const cx = (ns: string, pod: string) => `kind="consul", namespace="${ns}", job="${ns}", pod="${pod}"`;
  const v = (ns: string) => ({ namespace: ns });
  // what a follower reports for the leader-only gauges (promtool has no `NaNxN` shorthand)
  const nan = Array(31).fill('NaN').join(' ');
  testRules('consul', {
    input_series: [
      // lost: three servers, the leader gone after 5 minutes and no new one
      { series: `consul_server_isLeader{${cx('lost', 'lost-0')}}`, values: '1x4 0x25' },
      { series: `consul_server_isLeader{${cx('lost', 'lost-1')}}`, values: '0x30' },
      { series: `consul_server_isLeader{${cx('lost', 'lost-2')}}`, values: '0x30' },
      { series: `consul_autopilot_healthy{${cx('lost', 'lost-0')}}`, values: '1x4 _x25' },
      // lagging: a leader whose autopilot finds a server unhealthy and no failure tolerance left;
      // the followers report NaN (only the leader sets the autopilot gauges)
      ...['lagging-0', 'lagging-1', 'lagging-2'].flatMap((pod, i) => [
        { series: `consul_server_isLeader{${cx('lagging', pod)}}`, values: i === 0 ? '1x30' : '0x30' },
        { series: `consul_autopilot_healthy{${cx('lagging', pod)}}`, values: i === 0 ? '0x30' : nan },
        { series: `consul_autopilot_failure_tolerance{${cx('lagging', pod)}}`, values: i === 0 ? '0x30' : nan },
      ]),
      // healthy: leader, healthy, tolerates one failure
      ...['healthy-0', 'healthy-1', 'healthy-2'].flatMap((pod, i) => [
        { series: `consul_server_isLeader{${cx('healthy', pod)}}`, values: i === 1 ? '1x30' : '0x30' },
        { series: `consul_autopilot_healthy{${cx('healthy', pod)}}`, values: i === 1 ? '1x30' : nan },
        { series: `consul_autopilot_failure_tolerance{${cx('healthy', pod)}}`, values: i === 1 ? '1x30' : nan },
      ]),
      // a development server alone: it tolerates no failure by design, which is no alert
      { series: `consul_server_isLeader{${cx('dev', 'dev-0')}}`, values: '1x30' },
      { series: `consul_autopilot_healthy{${cx('dev', 'dev-0')}}`, values: '1x30' },
      { series: `consul_autopilot_failure_tolerance{${cx('dev', 'dev-0')}}`, values: '0x30' },
    ],
    alert_rule_test: [
      expected('ConsulNoLeader', v('lost'), '0', 'lost', logsAlerts()),
      expected('ConsulServerUnhealthy', v('lagging'), '0', 'lagging', logsAlerts()),
      expected('ConsulNoFailureTolerance', v('lagging'), '0', 'lagging', logsAlerts()),
      // before their `for`
      { eval_time: '5m', alertname: 'ConsulNoLeader', exp_alerts: [] },
      { eval_time: '9m', alertname: 'ConsulServerUnhealthy', exp_alerts: [] },
      { eval_time: '14m', alertname: 'ConsulNoFailureTolerance', exp_alerts: [] },
    ],
  }, logsRulesFile);
});

test('promtool test rules: the etcd, ZooKeeper, RabbitMQ, Redis and Pulsar alerts and PlatformTargetDown fire on their series, and only there', () => {
  const alerts = platformAlerts();
  // every platform rule of this rules file is tested below
  const tested = ['EtcdNoLeader', 'EtcdFrequentLeaderChanges', 'ZooKeeperOutstandingRequests', 'RabbitMQMemoryAlarm', 'RabbitMQDiskAlarm',
    'RabbitMQUnroutableMessages', 'RabbitMQQueueGrowing', 'RedisDown', 'RedisMemoryNearMaxmemory', 'RedisEvictingKeys', 'RedisReplicaLinkDown',
    'PulsarBacklogGrowing', 'PlatformTargetDown'];
  const platformGroup = (yaml.load(alerts) as any).groups.find((g: any) => g.name === 'platform');
  expect(platformGroup.rules.map((r: any) => r.alert).sort()).toEqual([...tested].sort());
  const at = (kind: string, ns: string, job: string, pod: string) => `kind="${kind}", namespace="${ns}", job="${job}", pod="${pod}"`;
  const e = (alert: string, labels: Record<string, string>, value: string, job: string) => expected(alert, labels, value, job, alerts);
  testRules('platform', {
    input_series: [
      // etcd: registry-1 lost its leader; registry-0 has one but saw a leader change a minute
      { series: `etcd_server_has_leader{${at('etcd', 'registry', 'registry', 'registry-0')}}`, values: '1x30' },
      { series: `etcd_server_has_leader{${at('etcd', 'registry', 'registry', 'registry-1')}}`, values: '0x30' },
      { series: `etcd_server_leader_changes_seen_total{${at('etcd', 'registry', 'registry', 'registry-0')}}`, values: '0+1x30' },
      { series: `etcd_server_leader_changes_seen_total{${at('etcd', 'registry', 'registry', 'registry-1')}}`, values: '2x30' },
      // ZooKeeper: zk-0 queues 25 requests, zk-1 three
      { series: `outstanding_requests{${at('zookeeper', 'zk', 'zk', 'zk-0')}}`, values: '25x30' },
      { series: `outstanding_requests{${at('zookeeper', 'zk', 'zk', 'zk-1')}}`, values: '3x30' },
      // RabbitMQ: jobs-0 in memory alarm, jobs-1 in disk alarm, unroutable messages, a growing queue
      { series: `rabbitmq_alarms_memory_used_watermark{${at('rabbitmq', 'jobs', 'jobs', 'jobs-0')}}`, values: '1x30' },
      { series: `rabbitmq_alarms_memory_used_watermark{${at('rabbitmq', 'jobs', 'jobs', 'jobs-1')}}`, values: '0x30' },
      { series: `rabbitmq_alarms_free_disk_space_watermark{${at('rabbitmq', 'jobs', 'jobs', 'jobs-0')}}`, values: '0x30' },
      { series: `rabbitmq_alarms_free_disk_space_watermark{${at('rabbitmq', 'jobs', 'jobs', 'jobs-1')}}`, values: '1x30' },
      { series: `rabbitmq_channel_messages_unroutable_dropped_total{${at('rabbitmq', 'jobs', 'jobs', 'jobs-0')}}`, values: '0+60x30' },
      { series: `rabbitmq_channel_messages_unroutable_returned_total{${at('rabbitmq', 'jobs', 'jobs', 'jobs-0')}}`, values: '0x30' },
      { series: `rabbitmq_queue_messages_ready{${at('rabbitmq', 'jobs', 'jobs', 'jobs-0')}, queue="work"}`, values: '10000+100x30' },
      // Redis: cache-2 down, cache-0 near maxmemory and evicting, cache-1 a replica without its primary
      { series: `redis_up{${at('redis', 'cache', 'cache', 'cache-0')}}`, values: '1x30' },
      { series: `redis_up{${at('redis', 'cache', 'cache', 'cache-2')}}`, values: '0x30' },
      { series: `redis_memory_used_bytes{${at('redis', 'cache', 'cache', 'cache-0')}}`, values: '950x30' },
      { series: `redis_memory_max_bytes{${at('redis', 'cache', 'cache', 'cache-0')}}`, values: '1000x30' },
      { series: `redis_memory_used_bytes{${at('redis', 'cache', 'cache', 'cache-1')}}`, values: '500x30' },
      { series: `redis_memory_max_bytes{${at('redis', 'cache', 'cache', 'cache-1')}}`, values: '1000x30' },
      { series: `redis_evicted_keys_total{${at('redis', 'cache', 'cache', 'cache-0')}}`, values: '0+30x30' },
      { series: `redis_evicted_keys_total{${at('redis', 'cache', 'cache', 'cache-1')}}`, values: '0x30' },
      { series: `redis_master_link_up{${at('redis', 'cache', 'cache', 'cache-1')}}`, values: '0x30' },
      // Pulsar: a backlog above 10000 that keeps growing
      { series: `pulsar_msg_backlog{${at('pulsar-broker', 'stream', 'stream-broker', 'stream-broker-0')}, topic="clicks"}`, values: '10000+100x30' },
      // a ZooKeeper member Prometheus cannot scrape; the others answer
      { series: `up{${at('zookeeper', 'zk', 'zk', 'zk-2')}}`, values: '0x30' },
      { series: `up{${at('zookeeper', 'zk', 'zk', 'zk-0')}}`, values: '1x30' },
    ],
    alert_rule_test: [
      e('EtcdNoLeader', { kind: 'etcd', namespace: 'registry', pod: 'registry-1' }, '0', 'registry'),
      e('EtcdFrequentLeaderChanges', { kind: 'etcd', namespace: 'registry', pod: 'registry-0' }, '20', 'registry'),
      e('ZooKeeperOutstandingRequests', { kind: 'zookeeper', namespace: 'zk', pod: 'zk-0' }, '25', 'zk'),
      e('RabbitMQMemoryAlarm', { kind: 'rabbitmq', namespace: 'jobs', pod: 'jobs-0' }, '1', 'jobs'),
      e('RabbitMQDiskAlarm', { kind: 'rabbitmq', namespace: 'jobs', pod: 'jobs-1' }, '1', 'jobs'),
      e('RabbitMQUnroutableMessages', { namespace: 'jobs' }, '1', 'jobs'),
      e('RabbitMQQueueGrowing', { namespace: 'jobs' }, '12000', 'jobs'),
      e('RedisDown', { kind: 'redis', namespace: 'cache', pod: 'cache-2' }, '0', 'cache'),
      e('RedisMemoryNearMaxmemory', { kind: 'redis', namespace: 'cache', pod: 'cache-0' }, '95%', 'cache'),
      e('RedisEvictingKeys', { kind: 'redis', namespace: 'cache', pod: 'cache-0' }, '0.5', 'cache'),
      e('RedisReplicaLinkDown', { kind: 'redis', namespace: 'cache', pod: 'cache-1' }, '0', 'cache'),
      e('PulsarBacklogGrowing', { namespace: 'stream' }, '12000', 'stream-broker'),
      e('PlatformTargetDown', { kind: 'zookeeper', namespace: 'zk', pod: 'zk-2' }, '0', 'zk'),
      // before their `for`
      { eval_time: '4m', alertname: 'PlatformTargetDown', exp_alerts: [] },
      { eval_time: '4m', alertname: 'ZooKeeperOutstandingRequests', exp_alerts: [] },
      { eval_time: '14m', alertname: 'RabbitMQQueueGrowing', exp_alerts: [] },
    ],
  }, platformRulesFile);
});

test('amtool: each per-service alert reaches its team\'s receiver, the others the default one', () => {
  const amtool = requireProgram(['amtool', '/usr/bin/amtool'], 'prometheus-alertmanager');
  const config = yaml.load(one(out.objects, 'ConfigMap', 'observability-alertmanager-config', 'observability').data['alertmanager.yml']) as any;
  for (const r of config.receivers) {
    for (const w of r.webhook_configs ?? []) {
      w.url = 'https://hooks.example.com/alerts';
      delete w.url_file;
    }
  }
  const file = path.join(tmp, 'alertmanager.yml');
  fs.writeFileSync(file, yaml.dump(config));
  expect(run(amtool, ['check-config', file])).toMatch(/SUCCESS/);
  const receiverOf = (labels: Record<string, string>) => run(amtool, ['config', 'routes', 'test', `--config.file=${file}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], true).trim();
  const groups = (yaml.load(data()['alerts.yml']) as any).groups;
  const perService = groups.filter((g: any) => g.name.startsWith('service-')).flatMap((g: any) => g.rules);
  expect(perService).toHaveLength(9);
  for (const r of perService) {
    const job = /job="([^"]+)"/.exec(r.expr)![1];
    // the labels an alert of this rule carries: its rule labels, namespace and job
    expect({ job, receiver: receiverOf({ alertname: r.alert, job, ...r.labels }) })
      .toEqual({ job, receiver: job === 'catalog' ? 'default' : 'team-checkout' });
  }
});

test('promtool test rules: the RocketMQ alerts fire on a growing lag, dead letters, queued requests, no controller leader, failed elections and a lost broker, and only there', () => {
  const alerts = fs.readFileSync(rocketRulesFile, 'utf8');
  const platformGroup = (yaml.load(alerts) as any).groups.find((g: any) => g.name === 'platform');
  const tested = ['RocketMQConsumerLagGrowing', 'RocketMQDeadLetters', 'RocketMQRequestQueueBacklog', 'RocketMQControllerNoLeader', 'RocketMQNoMasterElected',
    'RocketMQBrokerInactive', 'PlatformTargetDown'];
  expect(platformGroup.rules.map((r: any) => r.alert).sort()).toEqual([...tested].sort());
  // the labels the scrape jobs add (kind, namespace, job, pod) and those the broker and controller put on every series
  const broker = (group: string, ordinal: number) => `kind="rocketmq-broker", namespace="events", job="events-broker-${group}", pod="events-broker-${group}-${ordinal}", `
    + `cluster="events", node_type="broker", node_id="events-broker-${group}"`;
  const controller = (ordinal: number) => `kind="rocketmq-controller", namespace="events", job="events-controller", pod="events-controller-${ordinal}", `
    + `group="events-controller", peer_id="n${ordinal}"`;
  /** The alert with exactly the labels its expression keeps, the annotations expanded. */
  const exp = (alert: string, labels: Record<string, string>, value: string, evalTime = '20m') => {
    const r = platformGroup.rules.find((x: any) => x.alert === alert);
    const expand = (t: string) => t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k]).replace(/\{\{ \$value \}\}/g, value);
    return {
      eval_time: evalTime,
      alertname: alert,
      exp_alerts: [{
        exp_labels: { ...r.labels, ...labels },
        exp_annotations: Object.fromEntries(Object.entries(r.annotations as Record<string, string>).map(([k, v]) => [k, expand(v)])),
      }],
    };
  };
  const lag = { namespace: 'events', cluster: 'events', consumer_group: 'billing', topic: 'orders' };
  testRules('rocketmq', {
    input_series: [
      // billing falls behind on both groups (a slave reports its master's lag too: counted once); shipping lags by a constant amount
      { series: `rocketmq_consumer_lag_messages{${broker('a', 0)}, consumer_group="billing", topic="orders"}`, values: '600+50x30' },
      { series: `rocketmq_consumer_lag_messages{${broker('a', 1)}, consumer_group="billing", topic="orders"}`, values: '600+50x30' },
      { series: `rocketmq_consumer_lag_messages{${broker('b', 0)}, consumer_group="billing", topic="orders"}`, values: '600+50x30' },
      { series: `rocketmq_consumer_lag_messages{${broker('a', 0)}, consumer_group="shipping", topic="orders"}`, values: '5000x30' },
      // shipping gives messages up to its dead-letter queue; billing never did
      { series: `rocketmq_send_to_dlq_messages_total{${broker('a', 0)}, consumer_group="shipping", topic="orders", is_system="false"}`, values: '0+2x30' },
      { series: `rocketmq_send_to_dlq_messages_total{${broker('a', 0)}, consumer_group="billing", topic="orders", is_system="false"}`, values: '3x30' },
      // broker-b-0 queues sends; its pulls and broker-a's sends are fine
      { series: `rocketmq_processor_watermark{${broker('b', 0)}, processor="send"}`, values: '5000x30' },
      { series: `rocketmq_processor_watermark{${broker('b', 0)}, processor="pull"}`, values: '10x30' },
      { series: `rocketmq_processor_watermark{${broker('a', 0)}, processor="send"}`, values: '20x30' },
      // the controllers lose their leader after 10 minutes (5.3.3's role gauge: leader 1, follower 0, candidate -1)
      { series: `role{${controller(0)}}`, values: '1x10 -1x20' },
      { series: `role{${controller(1)}}`, values: '0x10 -1x20' },
      { series: `role{${controller(2)}}`, values: '0x30' },
      // the group b cannot get a master; group a got one once
      { series: `election_total{${controller(0)}, cluster="events", broker_set="events-broker-b", election_result="no_master_elected"}`, values: '0+1x30' },
      { series: `election_total{${controller(0)}, cluster="events", broker_set="events-broker-a", election_result="new_master_elected"}`, values: '1x30' },
      // group a loses a broker after 10 minutes (both controllers see it); group b keeps its two
      { series: `active_broker_num{${controller(0)}, cluster="events", broker_set="events-broker-a"}`, values: '2x10 1x20' },
      { series: `active_broker_num{${controller(1)}, cluster="events", broker_set="events-broker-a"}`, values: '2x10 1x20' },
      { series: `active_broker_num{${controller(0)}, cluster="events", broker_set="events-broker-b"}`, values: '2x30' },
    ],
    alert_rule_test: [
      exp('RocketMQConsumerLagGrowing', lag, '3200'),
      exp('RocketMQDeadLetters', { namespace: 'events', cluster: 'events', consumer_group: 'shipping', topic: 'orders' }, '0.03333333333333333'),
      exp('RocketMQRequestQueueBacklog', { namespace: 'events', job: 'events-broker-b', pod: 'events-broker-b-0', processor: 'send' }, '5000'),
      exp('RocketMQControllerNoLeader', { namespace: 'events', job: 'events-controller' }, '0'),
      exp('RocketMQNoMasterElected', { namespace: 'events', job: 'events-controller', cluster: 'events', broker_set: 'events-broker-b' }, '0.016666666666666666'),
      exp('RocketMQBrokerInactive', { namespace: 'events', job: 'events-controller', cluster: 'events', broker_set: 'events-broker-a' }, '1'),
      // before their `for`
      { eval_time: '10m', alertname: 'RocketMQConsumerLagGrowing', exp_alerts: [] },
      { eval_time: '11m', alertname: 'RocketMQControllerNoLeader', exp_alerts: [] },
      { eval_time: '13m', alertname: 'RocketMQBrokerInactive', exp_alerts: [] },
    ],
  }, rocketRulesFile);
});
