import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { Lab } from './lab';
import { goModuleBinary, parseExposition, releaseAfterAll, requireProgram, Running, waitFor } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp, SynthResult } from '../harness/synth';

/**
 * The Elasticsearch exporter of a production observability stack, run as a cluster would run it:
 * prometheus-community's elasticsearch_exporter v1.11.0 (the pinned image's version, built from the
 * module the Go proxy serves, cached in ~/.cache/cdk8s-architect), started as the image's
 * ENTRYPOINT with the Deployment's own args and env (the password from its Secret), its user and
 * read-only root, in its own network namespace (test/tools/lab.ts), reaching Elasticsearch by the
 * client Service's DNS name from `--es.uri`.
 *
 * Elasticsearch itself cannot run here (no package, no registry): a small HTTP server in the
 * Elasticsearch pod's namespace answers the three requests the exporter makes (`GET /`,
 * `/_cluster/health`, `/_nodes/stats`) with responses in Elasticsearch 9's shape, and only to the
 * `metrics-exporter` user with the Secret's password, as the provisioning Job creates it.
 *
 * Verified: the probe path answers on the probe's port; Prometheus's scrape (the annotations' port
 * and path, from another namespace) returns every metric each Elasticsearch alert rule reads, with
 * the label values the rules match and the labels their annotations print; the synthesized rules,
 * run by `promtool test rules` on the scraped samples (labelled as the scrape job labels them),
 * fire exactly the alert the served state calls for (a yellow cluster) and no other; with a wrong
 * password the exporter reports `elasticsearch_clusterinfo_up 0`, which fires
 * ElasticsearchExporterCannotReachCluster.
 */
jest.setTimeout(600_000);

const VERSION = 'v1.11.0';
const MODULE = 'github.com/prometheus-community/elasticsearch_exporter';
const CACHE = path.join(os.homedir(), '.cache', 'cdk8s-architect', `elasticsearch_exporter-${VERSION}`);
const NS = 'observability';
const PASSWORD = 'exp-Secret-9f2';

let lab: Lab | undefined;
let tmp: string;
const running: Running[] = [];
releaseAfterAll(running, () => lab, () => tmp);

/** The exporter binary: built once from the Go module proxy's source of the pinned release. */
function exporterBinary(): string {
  return goModuleBinary(MODULE, VERSION, CACHE, 'elasticsearch_exporter');
}

function build(): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(shop, 'observability', {
    namespace: NS,
    logging: arch.Logging.fluentBit(),
    metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
  });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  return synthApp(app);
}

/** Elasticsearch 9's answers for a 3-node cluster: yellow (a replica unassigned), disks 40 % full, heaps half used. */
function stubProgram(user: string, password: string, log: string): string {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < 3; i++) {
    nodes[`node${i}id`] = {
      timestamp: 1764979200000,
      name: `observability-elasticsearch-${i}`,
      transport_address: `10.1.0.${i + 10}:9300`,
      host: `10.1.0.${i + 10}`,
      ip: `10.1.0.${i + 10}:9300`,
      roles: ['data', 'ingest', 'master', 'remote_cluster_client'],
      jvm: {
        timestamp: 1764979200000,
        uptime_in_millis: 3600000,
        mem: {
          heap_used_in_bytes: 1073741824,
          heap_used_percent: 50,
          heap_committed_in_bytes: 2147483648,
          heap_max_in_bytes: 2147483648,
          non_heap_used_in_bytes: 200000000,
          non_heap_committed_in_bytes: 210000000,
          pools: {},
        },
        threads: { count: 90, peak_count: 95 },
        gc: {
          collectors: {
            young: { collection_count: 10, collection_time_in_millis: 100 },
            old: { collection_count: 0, collection_time_in_millis: 0 },
          },
        },
      },
      fs: {
        timestamp: 1764979200000,
        total: { total_in_bytes: 107374182400, free_in_bytes: 42949672960, available_in_bytes: 42949672960 },
        data: [{
          path: '/usr/share/elasticsearch/data',
          mount: '/usr/share/elasticsearch/data (/dev/sdb)',
          type: 'ext4',
          total_in_bytes: 107374182400,
          free_in_bytes: 64424509440,
          available_in_bytes: 64424509440,
        }],
      },
    };
  }
  const responses = {
    '/': {
      name: 'observability-elasticsearch-0',
      cluster_name: 'observability-elasticsearch',
      cluster_uuid: 'Ao5u2w2bS9mX3i3R0xk9Yg',
      version: {
        number: '9.5.2',
        build_flavor: 'default',
        build_type: 'docker',
        build_hash: '0000000',
        build_date: '2026-11-20T00:00:00Z',
        build_snapshot: false,
        lucene_version: '10.3.1',
        minimum_wire_compatibility_version: '8.19.0',
        minimum_index_compatibility_version: '8.0.0',
      },
      tagline: 'You Know, for Search',
    },
    '/_cluster/health': {
      cluster_name: 'observability-elasticsearch',
      status: 'yellow',
      timed_out: false,
      number_of_nodes: 3,
      number_of_data_nodes: 3,
      active_primary_shards: 12,
      active_shards: 23,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: 1,
      unassigned_primary_shards: 0,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
      active_shards_percent_as_number: 95.83,
    },
    '/_nodes/stats': { _nodes: { total: 3, successful: 3, failed: 0 }, cluster_name: 'observability-elasticsearch', nodes },
  };
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return `
const http = require('http');
const fs = require('fs');
const responses = ${JSON.stringify(responses)};
http.createServer((req, res) => {
  const p = new URL(req.url, 'http://x').pathname;
  const ok = req.headers.authorization === ${JSON.stringify(expected)};
  fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ method: req.method, path: p, authorized: ok }) + '\\n');
  res.setHeader('content-type', 'application/json');
  if (!ok) {
    res.statusCode = 401;
    res.setHeader('www-authenticate', 'Basic realm="security", charset="UTF-8"');
    return res.end(JSON.stringify({ error: { type: 'security_exception', reason: 'unable to authenticate user' }, status: 401 }));
  }
  const body = responses[p];
  if (!body) { res.statusCode = 404; return res.end('{}'); }
  res.end(JSON.stringify(body));
}).listen(9200, '0.0.0.0');
`;
}

test('elasticsearch_exporter runs from its Deployment, reads the cluster as metrics-exporter, and serves what every Elasticsearch alert reads', async () => {
  const curl = requireProgram(['curl'], 'curl');
  const promtool = requireProgram(['promtool', '/usr/bin/promtool'], 'prometheus');
  const binary = exporterBinary();
  const out = build();
  const deployment = one(out.objects, 'Deployment', 'observability-elasticsearch-exporter', NS);
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const annotations = deployment.spec.template.metadata.annotations;
  const esUri = (container.args as string[]).find((a) => a.startsWith('--es.uri='))!.slice('--es.uri='.length);
  const esHost = new URL(esUri).hostname;
  expect(esHost).toBe(`observability-elasticsearch.${NS}.svc.cluster.local`);

  // the pods: Elasticsearch (answering to the client Service's name), two exporters, Prometheus
  lab = Lab.create([
    { name: 'observability-elasticsearch-0', hostnames: [esHost] },
    { name: 'exporter', hostnames: [] },
    { name: 'exporter-wrong-password', hostnames: [] },
    { name: 'prometheus', hostnames: [] },
  ]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'es-exporter-'));
  const requests = path.join(tmp, 'requests.log');
  const stub = path.join(tmp, 'stub.js');
  fs.writeFileSync(stub, stubProgram('metrics-exporter', PASSWORD, requests));
  const es = spawn('ip', ['netns', 'exec', lab.pods.get('observability-elasticsearch-0')!.namespace, process.execPath, stub], { stdio: 'ignore' });
  running.push({ process: es, output: () => '', stop: () => new Promise((resolve) => { es.once('exit', () => resolve()); es.kill('SIGKILL'); }) });

  const esAddress = lab.pods.get('observability-elasticsearch-0')!.address;
  await waitFor('the Elasticsearch stand-in', async () => (lab!.exec('prometheus', [curl, '-s', '-o', '/dev/null', `http://${esAddress}:9200/`]).status === 0 ? true : undefined));

  // the image's ENTRYPOINT, the container's args; ES_PASSWORD from the Secret the env names
  const passwordRef = container.env.find((e: any) => e.name === 'ES_PASSWORD').valueFrom.secretKeyRef;
  expect(passwordRef).toEqual({ name: 'observability-elasticsearch-exporter', key: 'password' });
  const run = (pod: string, password: string) => {
    const r = lab!.run(pod, {
      container,
      podSpec,
      volumes: {},
      entrypoint: ['/bin/elasticsearch_exporter'],
      programs: { '/bin/elasticsearch_exporter': binary },
      secretEnv: { ES_PASSWORD: password },
    });
    running.push(r);
    return r;
  };
  const exporter = run('exporter', PASSWORD);
  const wrong = run('exporter-wrong-password', 'not-the-password');

  const port = Number(annotations['cdk8s-architect.dev/scrape-port']);
  const metricsPath = annotations['cdk8s-architect.dev/scrape-path'];
  const probePort = container.ports.find((p: any) => p.name === container.readinessProbe.httpGet.port).containerPort;
  const get = (pod: string, p: number, urlPath: string) => {
    const r = lab!.exec('prometheus', [curl, '-sS', '-m', '10', '-o', '-', '-w', '\n%{http_code}', `http://${lab!.pods.get(pod)!.address}:${p}${urlPath}`]);
    if (r.status !== 0) return undefined;
    const i = r.stdout.lastIndexOf('\n');
    return { code: r.stdout.slice(i + 1), body: r.stdout.slice(0, i) };
  };

  // the readiness (and liveness, startup) probe
  const probe = await waitFor('the exporter\'s probe', async () => get('exporter', probePort, container.readinessProbe.httpGet.path), 60_000, exporter.output);
  expect(probe.code).toBe('200');

  // Prometheus's scrape, once the first collection has read the cluster
  const metrics = await waitFor('the cluster health in the scrape', async () => {
    const r = get('exporter', port, metricsPath);
    return r?.code === '200' && r.body.includes('elasticsearch_cluster_health_status') && r.body.includes('elasticsearch_filesystem_data_size_bytes') ? r.body : undefined;
  }, 60_000, exporter.output);
  const samples = parseExposition(metrics);
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => Number(s.value));
  expect(value('elasticsearch_clusterinfo_up')).toEqual([1]);
  expect(value('elasticsearch_cluster_health_status', { color: 'yellow', cluster: 'observability-elasticsearch' })).toEqual([1]);
  expect(value('elasticsearch_cluster_health_status', { color: 'red' })).toEqual([0]);
  expect(value('elasticsearch_cluster_health_number_of_nodes')).toEqual([3]);
  // --es.all: every node's stats, not only the one answering
  expect(value('elasticsearch_jvm_memory_max_bytes', { area: 'heap' })).toHaveLength(3);
  expect(value('elasticsearch_filesystem_data_available_bytes', { name: 'observability-elasticsearch-2' })).toEqual([64424509440]);

  // every request carried the exporter's user and the Secret's password; nothing else was asked
  const seen = fs.readFileSync(requests, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const mine = seen.filter((r) => r.authorized);
  expect(new Set(mine.map((r) => r.path))).toEqual(new Set(['/', '/_cluster/health', '/_nodes/stats']));

  // each metric an Elasticsearch rule reads is served, with the label values it matches and the
  // labels its annotations print
  const alerts = yaml.load(one(out.objects, 'ConfigMap', 'observability-prometheus-config', NS).data['alerts.yml']) as any;
  const rules = alerts.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert && r.expr.includes('kind="elasticsearch"'));
  expect(rules.map((r: any) => r.alert).sort()).toEqual(['ElasticsearchClusterRed', 'ElasticsearchClusterYellow', 'ElasticsearchDiskAboveHighWatermark',
    'ElasticsearchDiskFilling', 'ElasticsearchExporterCannotReachCluster', 'ElasticsearchHeapTooHigh', 'ElasticsearchNodeMissing']);
  for (const r of rules) {
    for (const m of (r.expr as string).matchAll(/\b(elasticsearch_[a-z_]+)\{([^}]*)\}/g)) {
      const matchers = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].filter((x) => x[1] !== 'kind').map((x) => [x[1], x[2]]));
      const found = samples.filter((s) => s.name === m[1] && Object.entries(matchers).every(([k, v]) => s.labels[k] === v));
      expect({ alert: r.alert, metric: m[1], matchers, found: found.length > 0 }).toEqual({ alert: r.alert, metric: m[1], matchers, found: true });
      const printed = [...JSON.stringify(r.annotations).matchAll(/\$labels\.(\w+)/g)].map((x) => x[1])
        .filter((l) => !['namespace', 'job', 'pod', 'kind'].includes(l));
      for (const l of printed) {
        const present = found.some((s) => s.labels[l] !== undefined);
        expect({ alert: r.alert, metric: m[1], label: l, present }).toEqual({ alert: r.alert, metric: m[1], label: l, present: true });
      }
    }
  }

  // the rules on what was scraped (as the scrape job labels it): only the yellow cluster alerts
  const target = { kind: 'elasticsearch', namespace: NS, job: 'observability-elasticsearch-exporter', pod: 'observability-elasticsearch-exporter-0' };
  const series = (ss: typeof samples) => ss.filter((s) => s.name.startsWith('elasticsearch_') && Number.isFinite(Number(s.value))).map((s) => ({
    series: `${s.name}{${Object.entries({ ...s.labels, ...target }).map(([k, v]) => `${k}="${v}"`).join(', ')}}`,
    values: `${Number(s.value)}x40`,
  }));
  const rulesFile = path.join(tmp, 'alerts.yml');
  fs.writeFileSync(rulesFile, one(out.objects, 'ConfigMap', 'observability-prometheus-config', NS).data['alerts.yml']);
  const names = rules.map((r: any) => r.alert);
  const check = (name: string, input: any[], firing: string) => {
    const file = path.join(tmp, `${name}.test.yml`);
    const tests = names.map((a: string) => ({ eval_time: '35m', alertname: a, exp_alerts: [] as any[] }));
    fs.writeFileSync(file, yaml.dump({ rule_files: [rulesFile], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: input, alert_rule_test: tests }] }, { lineWidth: -1 }));
    const r = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
    // every alert but the expected one must be silent: promtool reports exactly that one as unexpected
    const report = `${r.stdout}${r.stderr}`;
    const failed = [...report.matchAll(/alertname: (\w+)/g)].map((x) => x[1]);
    expect({ name, failed: [...new Set(failed)] }).toEqual({ name, failed: [firing] });
  };
  check('scraped', series(samples), 'ElasticsearchClusterYellow');

  // a wrong password: the exporter cannot read the cluster, and says so
  const blind = await waitFor('the wrong-password exporter\'s scrape', async () => {
    const r = get('exporter-wrong-password', port, metricsPath);
    return r?.code === '200' && r.body.includes('elasticsearch_clusterinfo_up') ? r.body : undefined;
  }, 60_000, wrong.output);
  const blindSamples = parseExposition(blind);
  expect(blindSamples.filter((s) => s.name === 'elasticsearch_clusterinfo_up').map((s) => s.value)).toEqual(['0']);
  expect(blindSamples.some((s) => s.name === 'elasticsearch_cluster_health_status')).toBe(false);
  check('blind', series(blindSamples), 'ElasticsearchExporterCannotReachCluster');
});
