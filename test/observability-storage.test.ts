import { spawnSync } from 'child_process';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { KAFKA_LOG4J2_YAML } from '../src/messaging/kafka';
import { ES_GC_LOG_FILE_MIB, ES_GC_LOG_FILES, ES_LOGS_MAX_MIB, retentionScript } from '../src/observability/elasticsearch';
import { AGENT_RETRY_LIMIT, FILEBEAT_LOGS_MAX_MIB } from '../src/observability/log-agents';

/**
 * Storage that survives the first week and logs that arrive once: the retention of every kind of
 * data in Elasticsearch (ILM policies, the log index template, the provisioning Job and the
 * retention CronJob), volumes sized from what each process writes, and the delivery semantics of
 * the log pipelines (bounded retries, idempotent writes, event time, CRI partial lines, dedot).
 */

type Agent = 'fluentBit' | 'fluentd' | 'filebeat';
const KIND: Record<Agent, string> = { fluentBit: 'fluent-bit', fluentd: 'fluentd', filebeat: 'filebeat' };

function build(profile: arch.Profile, props: arch.ObservabilityStackProps): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  new arch.ObservabilityStack(shop, 'obs', props);
  return synthApp(app);
}

function provisionScript(out: SynthResult): string {
  const jobs = find(out.objects, 'Job').filter((j) => j.metadata.name.startsWith('obs-elasticsearch-provision-'));
  expect(jobs).toHaveLength(1);
  return jobs[0].spec.template.spec.containers[0].command[2];
}

/** Index pattern -> ILM policy set on it by the script. */
function policies(script: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const m of script.matchAll(/call -X PUT "\$es\/([^"/]+)\/_settings\?[^"]*" -d '\{"index\.lifecycle\.name":"([^"]+)"\}'/g)) {
    for (const pattern of m[1].split(',')) result.set(pattern, m[2]);
  }
  return result;
}

/** JSON bodies of the script's PUTs to a path prefix. */
function bodies(script: string, path: string): Map<string, any> {
  const result = new Map<string, any>();
  for (const m of script.matchAll(/call -X PUT "\$es\/([^"]+)" -d '(.*)'$/gm)) {
    if (m[1].startsWith(path)) result.set(m[1].slice(path.length), JSON.parse(m[2]));
  }
  return result;
}

/** Does an index name match an Elasticsearch wildcard pattern? */
function matches(pattern: string, index: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(index);
}

function sizeLimitMib(volume: any): number {
  const q: string = volume.emptyDir.sizeLimit;
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

describe('Elasticsearch retention', () => {
  const P = arch.Profile.PRODUCTION;

  test.each([
    ['Jaeger', arch.Tracing.jaeger(), ['jaeger-jaeger-span-2026-09-01', 'jaeger-jaeger-service-2026-09-01', 'jaeger-jaeger-dependencies-2026-09-01'], 'jaeger'],
    ['Zipkin', arch.Tracing.zipkin(), ['zipkin-span-2026-09-01', 'zipkin-dependency-2026-09-01'], 'zipkin'],
  ])('every index the components write has a policy (logs + %s)', (_name, tracing, traceIndices, tracePolicy) => {
    const out = build(P, { tracing, logging: arch.Logging.fluentBit() });
    expect(checkAll(out.objects)).toEqual([]);
    const script = provisionScript(out);
    const set = policies(script);
    // the indices the writers create (Logstash_Format / logstash_format / the Filebeat and Logstash index setting; the backends' daily indices)
    const written: Array<[string, string]> = [['k8s-logs-2026.09.01', 'k8s-logs'], ...traceIndices.map((i) => [i, tracePolicy] as [string, string])];
    for (const [index, policy] of written) {
      const covering = [...set.entries()].filter(([pattern]) => matches(pattern, index)).map(([, p]) => p);
      expect({ index, covering }).toEqual({ index, covering: [policy] });
    }
    // each policy exists and deletes
    const ilm = bodies(script, '_ilm/policy/');
    expect([...ilm.keys()].sort()).toEqual(['k8s-logs', tracePolicy].sort());
    expect(ilm.get('k8s-logs').policy.phases.delete).toEqual({ min_age: '14d', actions: { delete: {} } });
    expect(ilm.get(tracePolicy).policy.phases.delete).toEqual({ min_age: '7d', actions: { delete: {} } });
    // the log template: the policy, the application fields as one flattened field
    const templates = bodies(script, '_index_template/');
    expect([...templates.keys()]).toEqual(['k8s-logs']);
    const t = templates.get('k8s-logs');
    expect(t.index_patterns).toEqual(['k8s-logs-*']);
    expect(t.priority).toBe(200);
    expect(t.template.settings).toEqual({ 'index.lifecycle.name': 'k8s-logs', 'index.number_of_shards': 1, 'index.number_of_replicas': 1 });
    expect(t.template.mappings.properties.app).toEqual({ type: 'flattened' });
    expect(t.template.mappings.properties.kubernetes.properties.labels).toEqual({ type: 'flattened' });
    // no template competes with the backends' own (Elasticsearch applies only the highest-priority one)
    expect(t.index_patterns.some((p: string) => traceIndices.some((i) => matches(p, i)))).toBe(false);
  });

  test('the CronJob re-applies the retention part only, with the elastic password', () => {
    const out = build(P, { tracing: arch.Tracing.jaeger({ retentionDays: 3 }), logging: arch.Logging.fluentd({ retentionDays: 30 }) });
    const cron = one(out.objects, 'CronJob', 'obs-elasticsearch-retention', 'obs');
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0];
    const script: string = c.command[2];
    expect(script).toContain('_ilm/policy/jaeger');
    expect(script).not.toContain('_security');
    expect(bodies(script, '_ilm/policy/').get('jaeger').policy.phases.delete.min_age).toBe('3d');
    expect(bodies(script, '_ilm/policy/').get('k8s-logs').policy.phases.delete.min_age).toBe('30d');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(c.env.find((e: any) => e.name === 'ELASTIC_PASSWORD').valueFrom)
      .toEqual({ secretKeyRef: { name: 'obs-elasticsearch', key: 'password' } });
    // the same statements in the Job
    expect(provisionScript(out)).toContain(retentionScript([]).join('\n'));
    for (const line of script.split('\n').filter((l) => l.startsWith('call -X PUT'))) expect(provisionScript(out)).toContain(line);
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('the Job name follows its content (a Job template is immutable)', () => {
    const a = build(P, { logging: arch.Logging.fluentBit({ retentionDays: 10 }) });
    const b = build(P, { logging: arch.Logging.fluentBit({ retentionDays: 11 }) });
    const name = (out: SynthResult) => find(out.objects, 'Job').find((j) => j.metadata.name.startsWith('obs-elasticsearch-provision-'))!.metadata.name;
    expect(name(a)).not.toBe(name(b));
    expect(name(build(P, { logging: arch.Logging.fluentBit({ retentionDays: 10 }) }))).toBe(name(a));
  });

  test('retentionDays is validated', () => {
    expect(() => build(P, { logging: arch.Logging.fluentBit({ retentionDays: 0 }) })).toThrow(/retentionDays 0 is out of range.*Fix:/);
  });

  test('the script is valid sh and its JSON bodies parse', () => {
    const script = provisionScript(build(P, { tracing: arch.Tracing.zipkin(), logging: arch.Logging.filebeat() }));
    for (const m of script.matchAll(/ -d '(.*)'$/gm)) expect(() => JSON.parse(m[1])).not.toThrow();
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });
});

describe('volumes sized from what each process writes', () => {
  test('Elasticsearch: the GC log is bounded below the logs emptyDir', () => {
    const out = build(arch.Profile.PRODUCTION, { logging: arch.Logging.fluentBit() });
    const spec = one(out.objects, 'StatefulSet', 'obs-elasticsearch', 'obs').spec.template.spec;
    const opts: string = envOf(one(out.objects, 'StatefulSet', 'obs-elasticsearch', 'obs')).ES_JAVA_OPTS;
    // the image's own jvm.options rotation (32 x 64 MiB = 2 GiB) is cleared first
    expect(opts).toMatch(/-Xlog:disable .*-Xlog:gc\*[^ ]*:file=logs\/gc\.log:[^ ]*:filecount=(\d+),filesize=(\d+)m$/);
    const [, count, size] = /filecount=(\d+),filesize=(\d+)m$/.exec(opts)!;
    expect(Number(count) * Number(size)).toBe(ES_GC_LOG_FILES * ES_GC_LOG_FILE_MIB);
    expect(sizeLimitMib(spec.volumes.find((v: any) => v.name === 'logs'))).toBeGreaterThanOrEqual(2 * ES_LOGS_MAX_MIB);
  });

  test('Filebeat: the event-data files go to a bounded emptyDir, not below the read-only root', () => {
    const out = build(arch.Profile.PRODUCTION, { logging: arch.Logging.filebeat() });
    const ds = one(out.objects, 'DaemonSet', 'obs-filebeat', 'obs-agents');
    const fb = yaml.load(one(out.objects, 'ConfigMap', 'obs-filebeat-config', 'obs-agents').data['filebeat.yml']) as any;
    expect(fb['path.logs']).toBe('/usr/share/filebeat/logs');
    expect(fb['logging.event_data.files']).toEqual({ path: '/usr/share/filebeat/logs', rotateeverybytes: 5242880, keepfiles: 2 });
    const c = ds.spec.template.spec.containers[0];
    expect(c.volumeMounts).toContainEqual({ name: 'logs', mountPath: '/usr/share/filebeat/logs' });
    expect(sizeLimitMib(ds.spec.template.spec.volumes.find((v: any) => v.name === 'logs'))).toBeGreaterThanOrEqual(2 * FILEBEAT_LOGS_MAX_MIB);
  });

  test('Kafka writes no log files (console-only log4j2, no GC log)', () => {
    expect(KAFKA_LOG4J2_YAML).not.toMatch(/RollingFile|File:/);
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka() });
    const out = synthApp(app);
    const nodes = find(out.objects, 'StatefulSet').filter((sts) => envOf(sts).KAFKA_LOG4J_OPTS !== undefined);
    expect(nodes.length).toBeGreaterThan(0);
    for (const sts of nodes) {
      const env = envOf(sts);
      expect(env.EXTRA_ARGS).toBe('-name kafkaServer');
      expect(env.EXTRA_ARGS).not.toContain('-loggc');
    }
  });

  test('SkyWalking OAP and Logstash log to the console only (their images\' log4j2 configurations)', () => {
    // documented maxima: docker/oap/log4j2.xml and docker/data/logstash/config/log4j2.properties have
    // console appenders only, Logstash's jvm.options has GC logging commented out; their emptyDirs
    // hold temporary files only
    const out = build(arch.Profile.PRODUCTION, { tracing: arch.Tracing.skywalking(), logging: arch.Logging.fluentd({ logstash: true }) });
    expect(envOf(one(out.objects, 'Deployment', 'obs-logstash', 'obs')).LS_JAVA_OPTS).not.toMatch(/Xlog|loggc/);
    expect(envOf(one(out.objects, 'Deployment', 'obs-skywalking-oap', 'obs')).JAVA_OPTS).not.toMatch(/Xlog|loggc/);
    expect(checkAll(out.objects)).toEqual([]);
  });
});

describe('logs that arrive once, with the right time', () => {
  const conf = (agent: Agent, logstash: boolean): Record<string, string> =>
    one(build(arch.Profile.PRODUCTION, { logging: arch.Logging[agent]({ logstash }) }).objects, 'ConfigMap', `obs-${KIND[agent]}-config`, 'obs-agents').data;

  test('Fluent Bit: application fields under a key, bounded retries, idempotent writes', () => {
    const direct = conf('fluentBit', false)['fluent-bit.conf'];
    expect(direct).toMatch(/Merge_Log On\n {4}Merge_Log_Key app\n/);
    expect(direct).toContain('Generate_ID On');
    expect(direct).toContain(`Retry_Limit ${AGENT_RETRY_LIMIT}`);
    expect(direct).not.toContain('Retry_Limit False');
    expect(conf('fluentBit', true)['fluent-bit.conf']).toContain(`Retry_Limit ${AGENT_RETRY_LIMIT}`);
    expect(conf('fluentBit', false)['severity.lua']).toContain('local fields = record["app"]');
  });

  test('Fluentd: CRI partials joined, dedot, ids generated once, 429 retried, event time sent to Logstash', () => {
    const direct = conf('fluentd', false)['fluent.conf'];
    const viaLogstash = conf('fluentd', true)['fluent.conf'];
    for (const c of [direct, viaLogstash]) {
      expect(c).toMatch(/@type concat\n.*\n {2}key log\n {2}use_partial_cri_logtag true\n {2}partial_cri_logtag_key logtag\n {2}partial_cri_stream_key stream\n/);
      expect(c).toMatch(/@type dedot\n.*\n {2}de_dot true\n {2}de_dot_separator _\n {2}de_dot_nested true\n/);
      expect(c).toContain('hash_value_field app');
      // order: join partials, add metadata, drop opted-out pods (the annotation still has its dot), parse, dedot
      const at = (s: string) => c.indexOf(s);
      expect(at('@type concat')).toBeLessThan(at('@type kubernetes_metadata'));
      expect(at('filter_opted_out')).toBeLessThan(at('@type dedot'));
      expect(at('@type parser')).toBeLessThan(at('@type dedot'));
    }
    expect(direct).toMatch(/@type elasticsearch_genid\n.*\n {2}hash_id_key _hash\n/);
    expect(direct).toContain('id_key _hash');
    expect(direct).toContain('write_operation create');
    expect(viaLogstash).toContain('retryable_response_codes [429, 502, 503, 504]');
    expect(viaLogstash).toContain('@timestamp ${Time.at(time.to_r).utc.iso8601(9)}');
    expect(viaLogstash).not.toContain('elasticsearch_genid');
  });

  test('Logstash: a fingerprint as the document id, written with "create"', () => {
    const out = build(arch.Profile.PRODUCTION, { logging: arch.Logging.filebeat({ logstash: true }) });
    const pipeline = one(out.objects, 'ConfigMap', 'obs-logstash-config', 'obs').data['logstash.conf'];
    expect(pipeline).toMatch(/fingerprint \{\n {4}concatenate_all_fields => true\n {4}method => "SHA256"\n {4}target => "\[@metadata\]\[id\]"/);
    expect(pipeline).toContain('document_id => "%{[@metadata][id]}"');
    expect(pipeline).toContain('action => "create"');
  });

  test('Filebeat: application fields under "app", the level decoded into ECS log.level', () => {
    const c = conf('filebeat', false);
    const fb = yaml.load(c['filebeat.yml']) as any;
    expect(fb['filebeat.inputs'][0].processors[1].decode_json_fields.target).toBe('app');
    expect(c['severity.js']).toContain('event.Put("log.level", raw);');
  });
});
