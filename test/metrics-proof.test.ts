/**
 * Issue 11's proof, over every example: each metric an alert or recording rule reads is produced by
 * something the architecture deploys and Prometheus scrapes, and each port that claims metrics is
 * in a scrape job and admitted by the NetworkPolicies on both sides. Everything is read from the
 * synthesized manifests (Prometheus' own prometheus.yml and alerts.yml from its ConfigMap, the
 * pods' annotations, ports, images and env, the NetworkPolicies), not from the library's model.
 */
import * as yaml from 'js-yaml';
import { EXAMPLES } from '../examples/synth-all';
import { K8sObject, newTestApp, synthApp } from './harness/synth';

const SCRAPE = 'cdk8s-architect.dev/scrape';
const SCRAPE_PORT = 'cdk8s-architect.dev/scrape-port';
const SCRAPE_KIND = 'cdk8s-architect.dev/scrape-kind';
const SCRAPE_JOB = 'cdk8s-architect.dev/scrape-job';

/**
 * Who produces a metric family, per `kind` label: the metric names the real software exports
 * (upstream docs: etcd's /metrics, ZooKeeper's PrometheusMetricsProvider, rabbitmq_prometheus,
 * oliver006/redis_exporter, danielqsj/kafka_exporter, Pulsar's broker /metrics, RocketMQ's brokers and controllers, the OpenTelemetry Collector's own telemetry, Fluent Bit's HTTP server, Nacos's micrometer registry, prometheus-community/elasticsearch_exporter, Fluentd's fluent-plugin-prometheus, json_exporter's translation of Filebeat's /stats, the OpenTelemetry semantic conventions for
 * HTTP and RPC servers as Prometheus names them) and the image of the container that exports them.
 */
const PRODUCERS: Record<string, { metric: RegExp; image: RegExp }> = {
  'etcd': { metric: /^etcd_/, image: /etcd/ },
  'zookeeper': { metric: /^(outstanding_requests|znode_count|watch_count|num_alive_connections|quorum_size|synced_followers|learners|election_time.*|avg_latency|max_latency)$/, image: /zookeeper/ },
  'rabbitmq': { metric: /^rabbitmq_/, image: /rabbitmq/ },
  'redis': { metric: /^redis_/, image: /redis_exporter/ },
  'kafka': { metric: /^kafka_(brokers|topic_|consumergroup_)/, image: /kafka-exporter/ },
  'pulsar-broker': { metric: /^pulsar_/, image: /pulsar/ },
  // RocketMQ 5's own endpoints (BrokerMetricsConstant, ControllerMetricsConstant; test/tools/rocketmq.test.ts scrapes the real ones)
  'rocketmq-broker': { metric: /^rocketmq_/, image: /rocketmq/ },
  'rocketmq-controller': { metric: /^(role|election_total|active_broker_num)$/, image: /rocketmq/ },
  'otel-collector': { metric: /^otelcol_/, image: /opentelemetry-collector/ },
  'fluent-bit': { metric: /^fluentbit_/, image: /fluent-bit/ },
  'elasticsearch': { metric: /^elasticsearch_(cluster_health_|filesystem_data_|jvm_memory_|clusterinfo_up$)/, image: /elasticsearch-exporter/ },
  'nacos': { metric: /^nacos_exception_total$/, image: /nacos-server/ },
  'fluentd': { metric: /^fluentd_output_status_/, image: /fluentd/ },
  // Filebeat's /stats through json_exporter (its configuration names them; test/tools/filebeat-exporter.test.ts runs it)
  'filebeat': { metric: /^filebeat_(output|pipeline)_/, image: /json-exporter/ },
  // Consul's /v1/agent/metrics: gauges registered in agent/setup.go and agent/consul/autopilot.go
  'consul': { metric: /^consul_(server_isLeader|autopilot_(healthy|failure_tolerance))$/, image: /hashicorp\/consul/ },
  'microservice': { metric: /^(http_server_request_duration_seconds|rpc_server_duration_milliseconds)_(count|bucket|sum)$/, image: /./ },
};

const ISTIO_MERGED_METRICS_PORT = 15020;

/** Whether Istio injects a sidecar into the pod: its namespace names a revision or enables injection. */
function injected(objects: K8sObject[], pod: Pod): boolean {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === pod.namespace);
  const labels = ns?.metadata.labels ?? {};
  return pod.labels['sidecar.istio.io/inject'] !== 'false'
    && (labels['istio.io/rev'] !== undefined || labels['istio-injection'] === 'enabled' || pod.labels['sidecar.istio.io/inject'] === 'true');
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

interface Pod {
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly containers: any[];
}

function pods(objects: K8sObject[]): Pod[] {
  return objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => ({
    owner: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
    namespace: o.metadata.namespace!,
    labels: o.spec.template.metadata?.labels ?? {},
    annotations: o.spec.template.metadata?.annotations ?? {},
    containers: [...(o.spec.template.spec.containers ?? []), ...(o.spec.template.spec.initContainers ?? [])],
  }));
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Whether a NetworkPolicy peer matches a pod (namespace by its name label, pods by matchLabels). */
function peerMatches(peer: any, policyNamespace: string, pod: Pod): boolean {
  if (peer.ipBlock) return false;
  const ns = peer.namespaceSelector
    ? peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']
    : policyNamespace;
  if (ns !== undefined && ns !== pod.namespace) return false;
  if (peer.namespaceSelector && ns === undefined && Object.keys(peer.namespaceSelector).length > 0) return false;
  return peer.podSelector === undefined || Object.keys(peer.podSelector).length === 0 || selects(peer.podSelector.matchLabels, pod.labels);
}

function portMatches(rule: any, port: number): boolean {
  return (rule.ports ?? [undefined]).some((p: any) => p === undefined
    || p.port === undefined
    || (p.port <= port && port <= (p.endPort ?? p.port)));
}

/** Whether the policies let `from` open a connection to `to` on `port` (each side's rules). */
function admitted(objects: K8sObject[], from: Pod, to: Pod, port: number): { egress: boolean; ingress: boolean } {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const side = (pod: Pod, direction: 'ingress' | 'egress', peer: Pod) => {
    const applying = policies.filter((p) => p.metadata.namespace === pod.namespace
      && (p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'])).includes(direction === 'ingress' ? 'Ingress' : 'Egress')
      && (Object.keys(p.spec.podSelector ?? {}).length === 0 || selects(p.spec.podSelector.matchLabels, pod.labels)));
    if (applying.length === 0) return true; // not isolated
    return applying.some((p) => (p.spec[direction] ?? []).some((rule: any) =>
      portMatches(rule, port) && (rule[direction === 'ingress' ? 'from' : 'to'] ?? [{}]).some((peerSpec: any) =>
        Object.keys(peerSpec).length === 0 || peerMatches(peerSpec, p.metadata.namespace!, peer))));
  };
  return { egress: side(from, 'egress', to), ingress: side(to, 'ingress', from) };
}

/** Metric selectors of a PromQL expression: name and the `kind` matcher, if any. */
function selectors(expr: string): Array<{ metric: string; kind?: string }> {
  const out: Array<{ metric: string; kind?: string }> = [];
  const re = /([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) {
    const kind = /(?:^|[\s,])kind="([^"]+)"/.exec(m[2])?.[1];
    out.push({ metric: m[1], kind });
  }
  return out;
}

/**
 * The pods a scrape job of its own keeps (a platform target with HTTPS, a token or parameters):
 * its discovered namespaces, its `keep` rule on pod labels, the port of its address rewrite and the
 * `kind` it sets.
 */
function jobTargets(config: any, all: Pod[]): Array<{ job: string; pod: Pod; port: number; kind: string }> {
  const out: Array<{ job: string; pod: Pod; port: number; kind: string }> = [];
  const meta = (k: string) => `__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  for (const j of config.scrape_configs) {
    if (!j.kubernetes_sd_configs || j.job_name === 'architecture-pods' || j.job_name === 'otlp-metrics') continue;
    const namespaces: string[] = j.kubernetes_sd_configs[0].namespaces.names;
    const keep = j.relabel_configs.find((r: any) => r.action === 'keep');
    const values = String(keep.regex).split(';');
    const port = Number(/:(\d+)$/.exec(j.relabel_configs.find((r: any) => r.target_label === '__address__').replacement)![1]);
    const kind = j.relabel_configs.find((r: any) => r.target_label === 'kind')?.replacement;
    for (const pod of all.filter((p) => namespaces.includes(p.namespace))) {
      const labels = Object.fromEntries(Object.entries(pod.labels).map(([k, v]) => [meta(k), v]));
      if (keep.source_labels.every((l: string, i: number) => labels[l] === values[i])) out.push({ job: j.job_name, pod, port, kind });
    }
  }
  return out;
}

/** A Prometheus the Prometheus Operator runs (kube-prometheus-stack): its namespace and the labels the operator sets. */
const OPERATOR_PROMETHEUS: Pod = {
  owner: 'the operator\'s Prometheus',
  namespace: 'monitoring',
  labels: {
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': 'kube-prometheus-stack-prometheus',
    'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus',
    'operator.prometheus.io/shard': '0',
    'prometheus': 'kube-prometheus-stack-prometheus',
  },
  annotations: {},
  containers: [],
};

interface Architecture {
  readonly name: string;
  readonly prometheus: Pod;
  readonly config: any;
  readonly rules: any;
}

function architectures(objects: K8sObject[]): Architecture[] {
  const out: Architecture[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.data?.['prometheus.yml'] && o.data?.['alerts.yml'])) {
    const config = yaml.load(cm.data['prometheus.yml']) as any;
    const prometheus = pods(objects).find((p) => p.namespace === cm.metadata.namespace
      && p.containers.some((c) => (c.args ?? []).some((a: string) => a.startsWith('--storage.tsdb.path='))));
    expect(prometheus).toBeDefined();
    out.push({ name: config.global.external_labels.architecture, prometheus: prometheus!, config, rules: yaml.load(cm.data['alerts.yml']) });
  }
  return out;
}

const CASES = EXAMPLES.map((name) => {
  const app = newTestApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`../examples/${name}`).build(app);
  return [name, synthApp(app).objects] as [string, K8sObject[]];
});

test('the proof covers architectures with Prometheus', () => {
  const withPrometheus = CASES.filter(([, objects]) => architectures(objects).length > 0).map(([n]) => n);
  expect(withPrometheus).toEqual(expect.arrayContaining(['reference-architecture', 'observability']));
});

describe.each(CASES)('example %s', (_name, objects) => {
  const all = pods(objects);

  test('every pod that claims metrics is in a scrape job, on a port it serves, admitted both ways', () => {
    const problems: string[] = [];
    for (const arch of architectures(objects)) {
      const sd = arch.config.scrape_configs.find((j: any) => j.job_name === 'architecture-pods');
      const namespaces: string[] = sd.kubernetes_sd_configs[0].namespaces.names;
      const keep = sd.relabel_configs.find((r: any) => r.action === 'keep');
      expect(keep.source_labels).toEqual(['__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape']);
      for (const pod of all.filter((p) => p.annotations[SCRAPE] === 'true' && p.labels['app.kubernetes.io/part-of'] === arch.name)) {
        const port = Number(pod.annotations[SCRAPE_PORT]);
        if (!namespaces.includes(pod.namespace)) problems.push(`${pod.owner}: namespace not discovered by ${arch.name}'s Prometheus`);
        const serves = (n: number) => pod.containers.some((c) => (c.ports ?? []).some((p: any) => p.containerPort === n));
        if (pod.annotations['prometheus.istio.io/merge-metrics'] === 'true' && port === ISTIO_MERGED_METRICS_PORT) {
          // Istio's injected sidecar serves the merged metrics on 15020, read from the app's prometheus.io/port
          if (!injected(objects, pod)) problems.push(`${pod.owner}: scraped on Istio's 15020 without a sidecar injected`);
          if (!serves(Number(pod.annotations['prometheus.io/port']))) problems.push(`${pod.owner}: prometheus.io/port is no container port`);
        } else if (!serves(port)) {
          problems.push(`${pod.owner}: scrape port ${port} is no container port`);
        }
        if (!pod.annotations[SCRAPE_KIND] || !pod.annotations[SCRAPE_JOB]) problems.push(`${pod.owner}: scraped without kind and job`);
        const a = admitted(objects, arch.prometheus, pod, port);
        if (!a.egress) problems.push(`${pod.owner}: Prometheus' egress does not reach port ${port}`);
        if (!a.ingress) problems.push(`${pod.owner}: ingress does not admit Prometheus on port ${port}`);
      }
      // a platform target with a job of its own: it keeps pods, on a port they serve, admitted both ways
      for (const t of jobTargets(arch.config, all)) {
        const serves = t.pod.containers.some((c) => (c.ports ?? []).some((p: any) => p.containerPort === t.port));
        if (!serves) problems.push(`${t.pod.owner}: job ${t.job} scrapes port ${t.port}, no container port`);
        if (!t.kind) problems.push(`${t.pod.owner}: job ${t.job} sets no kind`);
        const a = admitted(objects, arch.prometheus, t.pod, t.port);
        if (!a.egress || !a.ingress) problems.push(`${t.pod.owner}: job ${t.job} on port ${t.port} is not admitted (${JSON.stringify(a)})`);
      }
      // with the Prometheus Operator, its Prometheus (pods as the operator labels them, in
      // kube-prometheus-stack's namespace) reaches every pod a PodMonitor selects, on its port
      for (const monitor of objects.filter((o) => o.kind === 'PodMonitor' && o.metadata.labels?.['app.kubernetes.io/part-of'] === arch.name)) {
        const endpoint = monitor.spec.podMetricsEndpoints[0];
        const selected = all.filter((p) => p.namespace === monitor.metadata.namespace && selects(monitor.spec.selector.matchLabels, p.labels));
        if (selected.length === 0) problems.push(`PodMonitor ${monitor.metadata.namespace}/${monitor.metadata.name} selects no pod`);
        // a monitor that follows the scrape annotations scrapes the annotated port (where a mesh may have moved it)
        const follows = (endpoint.relabelings ?? []).some((r: any) => r.targetLabel === '__address__'
          && (r.sourceLabels ?? []).includes('__meta_kubernetes_pod_annotation_cdk8s_architect_dev_scrape_port'));
        for (const pod of selected) {
          const port = follows && pod.annotations[SCRAPE_PORT] ? Number(pod.annotations[SCRAPE_PORT]) : endpoint.portNumber;
          if (!admitted(objects, OPERATOR_PROMETHEUS, pod, port).ingress) {
            problems.push(`${pod.owner}: ingress does not admit the operator's Prometheus on port ${port} (PodMonitor ${monitor.metadata.name})`);
          }
        }
      }
      // a port named for metrics on a pod of this architecture is scraped, by annotation or by a job of its own
      const podJobs = arch.config.scrape_configs.filter((j: any) => j.job_name !== 'architecture-pods' && j.kubernetes_sd_configs);
      for (const pod of all.filter((p) => p.labels['app.kubernetes.io/part-of'] === arch.name)) {
        for (const c of pod.containers) {
          for (const p of (c.ports ?? []).filter((x: any) => /metrics/.test(x.name ?? ''))) {
            const byAnnotation = pod.annotations[SCRAPE] === 'true' && Number(pod.annotations[SCRAPE_PORT]) === p.containerPort;
            const byJob = podJobs.some((j: any) => JSON.stringify(j.relabel_configs).includes(`:${p.containerPort}`)
              && j.relabel_configs.some((r: any) => r.action === 'keep' && typeof r.regex === 'string'
                && r.regex.split(';').includes(pod.labels['app.kubernetes.io/instance'])));
            if (!byAnnotation && !byJob) problems.push(`${pod.owner}: port ${p.name} (${p.containerPort}) claims metrics but no scrape job reads it`);
            if (byJob) {
              const a = admitted(objects, arch.prometheus, pod, p.containerPort);
              if (!a.egress || !a.ingress) problems.push(`${pod.owner}: port ${p.containerPort} is scraped by a job but not admitted (${JSON.stringify(a)})`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('every metric a rule reads is produced by something the architecture deploys and scrapes', () => {
    const problems: string[] = [];
    for (const arch of architectures(objects)) {
      const rules = arch.rules.groups.flatMap((g: any) => g.rules);
      const recorded = new Set(rules.filter((r: any) => r.record).map((r: any) => r.record));
      const scraped = all.filter((p) => p.annotations[SCRAPE] === 'true' && p.labels['app.kubernetes.io/part-of'] === arch.name);
      const staticKinds = new Set(arch.config.scrape_configs.flatMap((j: any) => (j.static_configs ?? []).map((s: any) => s.labels?.kind)));
      const otlpJob = arch.config.scrape_configs.find((j: any) => j.job_name === 'otlp-metrics');
      const pushing = all.filter((p) => p.labels['app.kubernetes.io/part-of'] === arch.name
        && p.containers.some((c) => (c.env ?? []).some((e: any) => e.name === 'OTEL_METRICS_EXPORTER' && e.value === 'otlp')));
      for (const r of rules) {
        const what = r.alert ?? r.record;
        for (const s of selectors(r.expr)) {
          if (recorded.has(s.metric)) continue;
          if (s.metric === 'up') {
            // Prometheus writes `up` for every target; a rule about one kind needs targets of that kind
            if (s.kind && !(scraped.some((p) => p.annotations[SCRAPE_KIND] === s.kind) || staticKinds.has(s.kind))) {
              problems.push(`${arch.name} ${what}: up{kind=${s.kind}} has no scraped target`);
            }
            continue;
          }
          const producer = s.kind ? PRODUCERS[s.kind] : undefined;
          if (!producer) {
            problems.push(`${arch.name} ${what}: ${s.metric} has no known producer (kind ${s.kind})`);
            continue;
          }
          if (!producer.metric.test(s.metric)) problems.push(`${arch.name} ${what}: ${s.kind} does not export ${s.metric}`);
          const byJob = jobTargets(arch.config, all).filter((t) => t.kind === s.kind).map((t) => t.pod);
          const sources = [...scraped.filter((p) => p.annotations[SCRAPE_KIND] === s.kind), ...byJob]
            .filter((p) => p.containers.some((c) => producer.image.test(c.image)));
          const viaCollector = s.kind === 'microservice' && otlpJob !== undefined && pushing.length > 0;
          if (sources.length === 0 && !viaCollector) problems.push(`${arch.name} ${what}: nothing deployed and scraped exports ${s.metric}{kind="${s.kind}"}`);
          // a per-service rule names a service that exists and reports metrics one way or the other
          const job = /job="([^"]+)"/.exec(r.expr)?.[1];
          const ns = /namespace="([^"]+)"/.exec(r.expr)?.[1];
          if (s.kind === 'microservice' && job && ns) {
            const svc = all.find((p) => p.namespace === ns && p.labels['app.kubernetes.io/name'] === job && p.labels['app.kubernetes.io/component'] === 'microservice');
            if (!svc) problems.push(`${arch.name} ${what}: no microservice ${ns}/${job}`);
            else if (svc.annotations[SCRAPE] !== 'true' && !pushing.includes(svc)) problems.push(`${arch.name} ${what}: ${ns}/${job} is neither scraped nor pushes OTLP metrics`);
          }
        }
      }
      // every microservice of the architecture reports its metrics and has an absent() alert
      for (const svc of all.filter((p) => p.labels['app.kubernetes.io/component'] === 'microservice' && p.labels['app.kubernetes.io/part-of'] === arch.name)) {
        const job = svc.labels['app.kubernetes.io/name'];
        const absent = rules.some((r: any) => r.alert === 'ServiceMetricsAbsent' && r.expr.includes(`namespace="${svc.namespace}", job="${job}"`));
        const reports = svc.annotations[SCRAPE] === 'true' || pushing.includes(svc);
        if (reports && !absent) problems.push(`${arch.name}: ${svc.owner} has no ServiceMetricsAbsent alert`);
        if (!reports && absent) problems.push(`${arch.name}: ${svc.owner} reports no metrics but is expected to`);
      }
    }
    expect(problems).toEqual([]);
  });
});
