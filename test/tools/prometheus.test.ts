import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { requireProgram } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp, SynthResult } from '../harness/synth';

/**
 * The generated Prometheus configuration, alert rules and Alertmanager configuration, checked by
 * the projects' own tools (Debian packages `prometheus` for promtool and
 * `prometheus-alertmanager` for amtool).
 *
 * Two substitutions, both for Debian's older builds and nothing else:
 * - Debian's Prometheus (2.42) is built without Kubernetes service discovery, so the pod-discovery
 *   job's `kubernetes_sd_configs` is swapped for an equivalent `static_configs` entry (the
 *   relabeling stays as generated and is still checked);
 * - Debian's Alertmanager (0.25) predates `url_file` in webhook_configs (added in 0.26, PR
 *   prometheus/alertmanager#3223; the library's image is 0.34), so `url_file` is swapped for `url`.
 */
jest.setTimeout(60_000);

let out: SynthResult;
let tmp: string;

beforeAll(() => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering', team: 'checkout' });
  new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd() });
  new arch.Registry(shop, 'zk', { engine: arch.RegistryEngine.zookeeper() });
  // Consul (TLS and ACLs): a job of its own over HTTPS with a token file and the CA of a Secret
  new arch.Registry(shop, 'consul', { engine: arch.RegistryEngine.consul() });
  new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.rabbitmq() });
  new arch.MessageQueue(shop, 'stream', { engine: arch.MessageQueueEngine.pulsar() });
  new arch.ObservabilityStack(shop, 'observability', {
    metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}, { team: 'checkout' }] } }),
  });
  new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.0', context: 'billing', team: 'payments' });
  out = synthApp(app);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-check-'));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(program: string, args: string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${path.basename(program)} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

test('promtool accepts the Prometheus configuration and the alert rules', () => {
  const promtool = requireProgram(['promtool', '/usr/bin/promtool'], 'prometheus');
  const data = one(out.objects, 'ConfigMap', 'observability-prometheus-config', 'observability').data;
  const rulesFile = path.join(tmp, 'alerts.yml');
  fs.writeFileSync(rulesFile, data['alerts.yml']);
  expect(run(promtool, ['check', 'rules', rulesFile])).toMatch(/SUCCESS: \d+ rules found/);

  const config = yaml.load(data['prometheus.yml']) as any;
  config.rule_files = [rulesFile];
  const pods = config.scrape_configs.find((j: any) => j.job_name === 'architecture-pods');
  expect(pods.kubernetes_sd_configs[0].namespaces.names).toEqual(['billing', 'consul', 'events', 'ordering', 'registry', 'stream', 'zk']);
  const consul = config.scrape_configs.find((j: any) => j.job_name === 'consul/consul');
  expect(consul).toMatchObject({ scheme: 'https', params: { format: ['prometheus'] } });
  // Debian's promtool has no Kubernetes SD: the same jobs with a static target instead
  for (const job of config.scrape_configs.filter((j: any) => j.kubernetes_sd_configs)) {
    delete job.kubernetes_sd_configs;
    job.static_configs = [{ targets: ['10.0.0.1:8080'] }];
  }
  const configFile = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(configFile, yaml.dump(config));
  // promtool opens the CA and token files the Consul job names, at the paths where the Prometheus
  // pod mounts its Secret: a tmpfs over /etc in a mount namespace of its own holds them there
  const secretFiles = [consul.tls_config.ca_file, consul.authorization.credentials_file];
  const prom = one(out.objects, 'StatefulSet', 'observability-prometheus', 'observability');
  const mount = prom.spec.template.spec.containers[0].volumeMounts.find((m: any) => consul.tls_config.ca_file.startsWith(`${m.mountPath}/`));
  expect(mount).toBeDefined();
  expect(secretFiles.map((f) => path.dirname(f))).toEqual([mount.mountPath, mount.mountPath]);
  const ca = path.join(tmp, 'ca.crt');
  run(requireProgram(['openssl'], 'openssl'), ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=Consul CA', '-keyout', path.join(tmp, 'ca.key'), '-out', ca]);
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs /etc',
    `mkdir -p '${mount.mountPath}'`,
    `cp '${ca}' '${secretFiles[0]}'`,
    `echo 5d3b2c1a-0000-4000-8000-000000000001 > '${secretFiles[1]}'`,
    `exec '${promtool}' check config '${configFile}'`,
  ].join('\n');
  expect(run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script])).toMatch(/SUCCESS/);
});

test('amtool accepts the Alertmanager configuration', () => {
  const amtool = requireProgram(['amtool', '/usr/bin/amtool'], 'prometheus-alertmanager');
  const text = one(out.objects, 'ConfigMap', 'observability-alertmanager-config', 'observability').data['alertmanager.yml'];
  const config = yaml.load(text) as any;
  // team payments has no webhook of its own: its alerts take the default route (no route ends nowhere)
  expect(config.receivers.map((r: any) => r.name)).toEqual(['default', 'team-checkout']);
  expect(config.receivers.every((r: any) => r.webhook_configs?.length === 1)).toBe(true);
  // Debian's amtool (0.25) predates url_file (0.26): swap it for a literal URL
  for (const r of config.receivers) {
    for (const w of r.webhook_configs ?? []) {
      expect(w.url_file).toMatch(/^\/etc\/alertmanager\/webhooks\//);
      w.url = 'https://hooks.example.com/alerts';
      delete w.url_file;
    }
  }
  const file = path.join(tmp, 'alertmanager.yml');
  fs.writeFileSync(file, yaml.dump(config));
  const report = run(amtool, ['check-config', file]);
  expect(report).toMatch(/SUCCESS/);
  expect(report).toMatch(/2 receivers/);
});
