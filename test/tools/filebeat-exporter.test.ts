import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { Lab } from './lab';
import { firingAlert, goModuleBinary, parseExposition, releaseAfterAll, requireProgram, Running, waitFor } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp, SynthResult } from '../harness/synth';

/**
 * Filebeat's metrics as a cluster would get them: prometheus-community's json_exporter v0.7.0 (the
 * pinned image's version, built from the module the Go proxy serves, cached in
 * ~/.cache/cdk8s-architect), started as the image's ENTRYPOINT with the sidecar's own args, its
 * user (65534) and read-only root, and its configuration file from the ConfigMap volume as the
 * kubelet writes it (the items and mode of the volume), in the agent pod's network namespace
 * (test/tools/lab.ts); Prometheus's request is the one its scrape job makes (the job's path,
 * parameters and port, read from the synthesized prometheus.yml), from another namespace.
 *
 * Filebeat itself cannot run here (no package, no registry): a small HTTP server in the agent
 * pod, on the host and port of the generated filebeat.yml, answers `/stats` with a document in
 * Filebeat 9's shape (the registries of libbeat/outputs/metrics.go, libbeat/publisher/pipeline,
 * the memory queue's observer, the harvester and registrar, as elastic/beats registers them).
 *
 * Verified: every metric of the exporter's configuration comes out (json_exporter drops a metric
 * whose path is missing, silently for the scrape), with the served value; the metrics the Filebeat
 * alert rules read are among them; promtool accepts the exposition; the synthesized rules, run by
 * `promtool test rules` on the scraped samples labelled as the scrape job labels them, fire
 * exactly the alert the served state calls for (a queue 95 % full) and no other.
 */
jest.setTimeout(900_000);

const VERSION = 'v0.7.0';
const MODULE = 'github.com/prometheus-community/json_exporter';
const CACHE = path.join(os.homedir(), '.cache', 'cdk8s-architect', `json_exporter-${VERSION}`);
const NS = 'observability-agents';

let lab: Lab | undefined;
let tmp: string;
const running: Running[] = [];
releaseAfterAll(running, () => lab, () => tmp);

function build(): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(shop, 'observability', {
    logging: arch.Logging.filebeat(),
    metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
  });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  return synthApp(app);
}

/** Filebeat 9's /stats: events flowing, a few failures retried, none dropped, the memory queue 95 % full. */
const STATS = {
  beat: { info: { uptime: { ms: 195547 } }, memstats: { gc_next: 17855152, memory_alloc: 9433384, memory_total: 492478864, rss: 50405376 } },
  filebeat: { events: { active: 3040, added: 52310, done: 49270 }, harvester: { closed: 2, open_files: 17, running: 17, started: 19 } },
  libbeat: {
    output: {
      type: 'elasticsearch',
      events: { acked: 48810, active: 50, batches: 980, dropped: 0, duplicates: 0, failed: 410, toomany: 0, total: 49270 },
      write: { bytes: 26923411, errors: 3 },
    },
    pipeline: {
      clients: 1,
      events: { active: 3040, dropped: 0, failed: 0, filtered: 12, published: 52298, retry: 410, total: 52310 },
      queue: { max_events: 3200, filled: { events: 3040, bytes: 0, pct: 0.95 }, added: { events: 52310 }, removed: { events: 49270 }, acked: 48810 },
    },
  },
  registrar: { states: { current: 17, update: 49270, cleanup: 0 }, writes: { success: 980, total: 980, fail: 0 } },
};

test('json_exporter runs from the Filebeat DaemonSet\'s sidecar and serves every metric its configuration and the Filebeat alerts read', async () => {
  const curl = requireProgram(['curl'], 'curl');
  const promtool = requireProgram(['promtool', '/usr/bin/promtool'], 'prometheus');
  const binary = goModuleBinary(MODULE, VERSION, CACHE, 'json_exporter');
  const out = build();
  const ds = one(out.objects, 'DaemonSet', 'observability-filebeat', NS);
  const podSpec = ds.spec.template.spec;
  const exporter = podSpec.containers.find((c: any) => c.name === 'metrics');
  expect(exporter).toBeDefined();
  const configMap = (name: string) => one(out.objects, 'ConfigMap', name, NS).data;
  const filebeatYml = JSON.parse(configMap('observability-filebeat-config')['filebeat.yml']);
  const promData = one(out.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data;
  const job = (yaml.load(promData['prometheus.yml']) as any).scrape_configs.find((j: any) => j.job_name === `${NS}/observability-filebeat`);
  expect(job).toBeDefined();
  const port = Number(/:(\d+)$/.exec(job.relabel_configs.find((r: any) => r.target_label === '__address__').replacement)![1]);
  const query = Object.entries(job.params as Record<string, string[]>).map(([k, [v]]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const jobLabels = Object.fromEntries(job.relabel_configs.filter((r: any) => r.replacement !== undefined && !r.source_labels)
    .map((r: any) => [r.target_label, r.replacement]));
  expect(jobLabels).toEqual({ job: 'observability-filebeat', kind: 'filebeat' });

  lab = Lab.create([{ name: 'observability-filebeat-x8k2d', hostnames: [] }, { name: 'prometheus', hostnames: [] }]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'filebeat-exporter-'));

  // Filebeat's HTTP endpoint where filebeat.yml puts it
  const stub = path.join(tmp, 'stub.js');
  fs.writeFileSync(stub, `
const http = require('http');
const stats = ${JSON.stringify(STATS)};
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (req.url === '/stats') return res.end(JSON.stringify(stats));
  if (req.url === '/') return res.end(JSON.stringify({ beat: 'filebeat', name: 'node-1', version: '9.5.2' }));
  res.statusCode = 404;
  res.end('{}');
}).listen(${filebeatYml['http.port']}, ${JSON.stringify(filebeatYml['http.host'])});
`);
  const agentNs = lab.pods.get('observability-filebeat-x8k2d')!.namespace;
  const filebeat = spawn('ip', ['netns', 'exec', agentNs, process.execPath, stub], { stdio: 'ignore' });
  running.push({ process: filebeat, output: () => '', stop: () => new Promise((resolve) => { filebeat.once('exit', () => resolve()); filebeat.kill('SIGKILL'); }) });

  // the sidecar: the image's ENTRYPOINT with the container's args, the ConfigMap volume as the kubelet writes it
  const volumes = lab.podVolumes('observability-filebeat-x8k2d', podSpec, configMap);
  const exporterRun = lab.run('observability-filebeat-x8k2d', { container: exporter, podSpec, volumes, entrypoint: ['/bin/json_exporter'], programs: { '/bin/json_exporter': binary } });
  running.push(exporterRun);

  const address = lab.pods.get('observability-filebeat-x8k2d')!.address;
  const scrape = () => {
    const r = lab!.exec('prometheus', [curl, '-sS', '-m', '10', '-o', '-', '-w', '\n%{http_code}', `http://${address}:${port}${job.metrics_path}?${query}`]);
    if (r.status !== 0) return undefined;
    const i = r.stdout.lastIndexOf('\n');
    return { code: r.stdout.slice(i + 1), body: r.stdout.slice(0, i) };
  };
  const first = await waitFor('the exporter to serve Filebeat\'s stats', async () => {
    const r = scrape();
    return r?.code === '200' && r.body.includes('filebeat_') ? r : undefined;
  }, 60_000, () => exporterRun.output());

  // every metric of the configuration, with the served value
  const samples = parseExposition(first.body);
  const value = (name: string) => samples.filter((s) => s.name === name).map((s) => Number(s.value));
  const config = yaml.load(configMap('observability-filebeat-config')['json-exporter.yml']) as any;
  const byPath = (p: string) => p.replace(/^\{ \.|\s*\}$/g, '').split('.').reduce((o: any, k) => o?.[k], STATS);
  const metrics = config.modules.filebeat.metrics as Array<{ name: string; path: string; valuetype: string }>;
  expect(metrics.length).toBeGreaterThanOrEqual(10);
  for (const m of metrics) expect({ metric: m.name, values: value(m.name) }).toEqual({ metric: m.name, values: [byPath(m.path)] });
  // the exporter's own type for each (a counter Prometheus can rate)
  for (const m of metrics) expect(first.body).toContain(`# TYPE ${m.name} ${m.valuetype}`);

  // the Filebeat alert rules read only metrics the exporter serves
  const rules = (yaml.load(promData['alerts.yml']) as any).groups.flatMap((g: any) => g.rules).filter((r: any) => /kind="filebeat"/.test(r.expr ?? ''));
  expect(rules.map((r: any) => r.alert).sort()).toEqual(['FilebeatDroppingEvents', 'FilebeatOutputErrors', 'FilebeatQueueFull']);
  for (const r of rules) {
    for (const name of (r.expr as string).match(/filebeat_[a-z_]+/g) ?? []) expect({ alert: r.alert, metric: name, served: value(name).length }).toEqual({ alert: r.alert, metric: name, served: 1 });
  }

  // promtool accepts the exposition
  const check = spawnSync(promtool, ['check', 'metrics'], { input: first.body, encoding: 'utf8' });
  expect({ status: check.status, out: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, out: '' });

  // the rules on these samples (as the scrape job labels them; counters advance as the served ones would over time):
  // the 95 % full queue fires FilebeatQueueFull; with no dropped events nothing else fires on drops
  const labels = `namespace="${NS}", pod="observability-filebeat-x8k2d", job="${jobLabels.job}", kind="${jobLabels.kind}"`;
  const series = metrics.map((m) => ({
    series: `${m.name}{${labels}}`,
    values: m.valuetype === 'counter' ? `${value(m.name)[0]}+${m.name.includes('dropped') ? 0 : 5}x30` : `${value(m.name)[0]}x30`,
  }));
  const rulesFile = path.join(tmp, 'alerts.yml');
  fs.writeFileSync(rulesFile, promData['alerts.yml']);
  const at: Record<string, string> = { namespace: NS, pod: 'observability-filebeat-x8k2d', job: jobLabels.job };
  /** The alert as the rule would raise it here, `$value` rendered as promtool renders it. */
  const firing = (alert: string, rendered: string) => {
    const rule = rules.find((x: any) => x.alert === alert);
    expect(rule).toBeDefined();
    return firingAlert(rule, at, rendered);
  };
  const tests = {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: series,
      alert_rule_test: [
        firing('FilebeatQueueFull', '95%'),
        // the output's failures keep rising (5 a minute): retried writes for 15 minutes
        firing('FilebeatOutputErrors', '0.08333333333333334'),
        { eval_time: '20m', alertname: 'FilebeatDroppingEvents', exp_alerts: [] },
      ],
    }],
  };
  const testFile = path.join(tmp, 'filebeat.test.yml');
  fs.writeFileSync(testFile, yaml.dump(tests, { lineWidth: -1 }));
  const r = spawnSync(promtool, ['test', 'rules', testFile], { encoding: 'utf8', cwd: tmp });
  expect({ status: r.status, out: r.status === 0 ? '' : `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
});
