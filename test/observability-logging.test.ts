import * as vm from 'vm';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { severityAliases, severityKeywords } from '../src/observability/log-agents';

/**
 * The logging pillar: the three agents in both profiles, directly to Elasticsearch and through
 * Logstash; the shared Elasticsearch (single node / 3 nodes) and Kibana; the RFC 5424 mapping
 * rendered from Severities; RBAC, the agents' namespace, edges, opt-out, validation.
 */

type Agent = 'fluentBit' | 'fluentd' | 'filebeat';
const KIND: Record<Agent, string> = { fluentBit: 'fluent-bit', fluentd: 'fluentd', filebeat: 'filebeat' };
const ES = 'http://obs-elasticsearch.obs.svc.cluster.local:9200';

function build(profile: arch.Profile, agent: Agent, options: arch.LoggingPipelineOptions = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  new arch.ObservabilityStack(shop, 'obs', { logging: arch.Logging[agent](options) });
  new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.1', port: 8080, instrumentation: { logs: false } });
  return synthApp(app);
}

function config(out: SynthResult, agent: Agent): Record<string, string> {
  return one(out.objects, 'ConfigMap', `obs-${KIND[agent]}-config`, 'obs-agents').data;
}

/** The provisioning Job (its name carries a hash of what it does). */
function provisionJob(out: SynthResult, stack = 'obs'): any {
  const jobs = find(out.objects, 'Job').filter((j) => j.metadata.name.startsWith(`${stack}-elasticsearch-provision-`));
  expect(jobs).toHaveLength(1);
  expect(jobs[0].metadata.name).toMatch(new RegExp(`^${stack}-elasticsearch-provision-[0-9a-f]{10}$`));
  return jobs[0];
}

function daemonSet(out: SynthResult, agent: Agent): any {
  return one(out.objects, 'DaemonSet', `obs-${KIND[agent]}`, 'obs-agents');
}

/** [policy namespace/name, direction, peer namespace, peer name label, port] tuples. */
function edges(out: SynthResult): string[] {
  const result: string[] = [];
  for (const p of find(out.objects, 'NetworkPolicy')) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const rule of p.spec[dir] ?? []) {
        for (const peer of rule[dir === 'ingress' ? 'from' : 'to'] ?? []) {
          const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? p.metadata.namespace;
          const name = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
          if (!name) continue;
          for (const port of rule.ports ?? []) result.push(`${p.metadata.namespace}/${p.metadata.name} ${dir} ${ns}/${name}:${port.port}`);
        }
      }
    }
  }
  return result;
}

describe.each([arch.Profile.DEVELOPMENT, arch.Profile.PRODUCTION])('%s profile', (profile) => {
  describe.each(['fluentBit', 'fluentd', 'filebeat'] as Agent[])('%s', (agent) => {
    describe.each([false, true])('logstash %s', (logstash) => {
      let out: SynthResult;
      beforeAll(() => { out = build(profile, agent, { logstash, minimumSeverity: arch.LogSeverity.INFORMATIONAL }); });

      test('passes every invariant', () => {
        expect(checkAll(out.objects)).toEqual([]);
      });

      test('DaemonSet: host log paths read-only, uid 0 without capabilities, probes, tolerations', () => {
        const ds = daemonSet(out, agent);
        const spec = ds.spec.template.spec;
        const c = spec.containers[0];
        expect(spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path))
          .toEqual(['/var/log/pods', '/var/log/containers', `/var/lib/obs-${KIND[agent]}`]);
        for (const path of ['/var/log/pods', '/var/log/containers']) {
          expect(c.volumeMounts.find((m: any) => m.mountPath === path).readOnly).toBe(true);
        }
        expect(c.securityContext).toEqual({
          runAsUser: 0,
          runAsGroup: 0,
          runAsNonRoot: false,
          privileged: false,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
        expect(spec.automountServiceAccountToken).toBe(true);
        const port = { fluentBit: 2020, fluentd: 24220, filebeat: 5066 }[agent];
        expect(c.ports[0].containerPort).toBe(port);
        expect(c.readinessProbe.httpGet.path).toBe({ fluentBit: '/api/v1/health', fluentd: '/api/plugins.json', filebeat: '/' }[agent]);
        expect(c.livenessProbe.httpGet).toBeDefined();
        expect(envOf(ds).ELASTICSEARCH_PASSWORD).toEqual(logstash ? undefined : { secretKeyRef: { name: 'obs-log-writer', key: 'password' } });
      });

      test('the agents namespace is privileged with a reason', () => {
        const ns: any = one(out.objects, 'Namespace', 'obs-agents');
        expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
        expect(ns.metadata.annotations['cdk8s-architect.dev/pod-security-reason']).toMatch(/hostPath/);
        expect(one(out.objects, 'Namespace', 'obs').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      });

      test('RBAC: a ClusterRole reading pods and namespaces, bound to the agent', () => {
        const role = one(out.objects, 'ClusterRole', `obs-agents-obs-${KIND[agent]}`);
        expect(role.rules).toEqual([{
          apiGroups: [''],
          resources: agent === 'filebeat' ? ['namespaces', 'nodes', 'pods'] : ['namespaces', 'pods'],
          verbs: ['get', 'list', 'watch'],
        }]);
        const binding = one(out.objects, 'ClusterRoleBinding', `obs-agents-obs-${KIND[agent]}`);
        expect(binding.roleRef.name).toBe(role.metadata.name);
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: `obs-${KIND[agent]}`, namespace: 'obs-agents' }]);
      });

      test('edges: agent -> store (or Logstash -> store), Kibana -> store, the API server', () => {
        const e = edges(out);
        const agentName = `obs-${KIND[agent]}`;
        if (logstash) {
          const port = agent === 'filebeat' ? 5044 : 8080;
          expect(e).toContain(`obs-agents/${agentName} egress obs/obs-logstash:${port}`);
          expect(e).toContain(`obs/obs-logstash ingress obs-agents/${agentName}:${port}`);
          expect(e).toContain('obs/obs-logstash egress obs/obs-elasticsearch:9200');
          expect(e).not.toContain(`obs-agents/${agentName} egress obs/obs-elasticsearch:9200`);
        } else {
          expect(e).toContain(`obs-agents/${agentName} egress obs/obs-elasticsearch:9200`);
          expect(e).toContain(`obs/obs-elasticsearch ingress obs-agents/${agentName}:9200`);
          expect(find(out.objects, 'Deployment', 'obs-logstash')).toHaveLength(0);
        }
        expect(e).toContain('obs/obs-kibana egress obs/obs-elasticsearch:9200');
        const api = one(out.objects, 'NetworkPolicy', `${agentName}-api-server`, 'obs-agents');
        expect(api.spec.egress).toEqual([{ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] }]);
      });

      test('opt-out: annotations on the services', () => {
        const orders = one(out.objects, 'Deployment', 'orders').spec.template.metadata.annotations;
        const payments = one(out.objects, 'Deployment', 'payments').spec.template.metadata.annotations;
        expect(orders['cdk8s-architect.dev/logs']).toBe('true');
        expect(payments['cdk8s-architect.dev/logs']).toBe('false');
        expect(payments['fluentbit.io/exclude']).toBe(agent === 'fluentBit' ? 'true' : undefined);
        expect(orders['fluentbit.io/exclude']).toBeUndefined();
      });

      test('the rendered configuration', () => {
        const files = config(out, agent);
        const dest = logstash ? 'logstash' : 'elasticsearch';
        if (agent === 'fluentBit') {
          const conf = files['fluent-bit.conf'];
          expect(conf).toContain('Path /var/log/containers/*.log');
          expect(conf).toContain('Exclude_Path /var/log/containers/*_obs-agents_*.log');
          expect(conf).toContain('DB /var/lib/obs-fluent-bit/tail.db');
          expect(conf).toMatch(/\[FILTER\]\n {4}Name kubernetes\n/);
          expect(conf).toContain('K8S-Logging.Exclude On');
          expect(conf).toContain('Health_Check On');
          expect(conf).toContain('script /fluent-bit/etc/conf/severity.lua');
          expect(files['severity.lua']).toContain('local MAXIMUM_CODE = 6');
          if (dest === 'elasticsearch') {
            expect(conf).toMatch(/Name es\n {4}Match kube\.\*\n {4}Host obs-elasticsearch\.obs\.svc\.cluster\.local\n {4}Port 9200\n {4}HTTP_User log-writer\n {4}HTTP_Passwd \$\{ELASTICSEARCH_PASSWORD\}/);
            expect(conf).toContain('Logstash_Prefix k8s-logs');
          } else {
            expect(conf).toMatch(/Name http\n {4}Match kube\.\*\n {4}Host obs-logstash\.obs\.svc\.cluster\.local\n {4}Port 8080/);
          }
          // sections are well formed: every line is a [SECTION] header, blank, or "    Key Value"
          for (const line of conf.split('\n')) expect(line).toMatch(/^(\[(SERVICE|INPUT|FILTER|OUTPUT)\]|| {4}[A-Za-z0-9_.-]+ .+)$/);
        } else if (agent === 'fluentd') {
          const conf = files['fluent.conf'];
          expect(conf).toContain('pos_file /var/lib/obs-fluentd/containers.log.pos');
          expect(conf).toContain('@type kubernetes_metadata');
          expect(conf).toContain('port 24220');
          expect(conf).toMatch(/key severity_code\n {4}pattern \/\^\(7\)\$\//);
          // record_transformer placeholders end at the first "}": the expressions contain none
          for (const m of conf.matchAll(/\$\{(.*)\}$/gm)) expect(m[1]).not.toMatch(/[{}]/);
          // tags balance
          const opens = [...conf.matchAll(/^\s*<([a-z_]+)[ >]/gm)].map((m) => m[1]);
          const closes = [...conf.matchAll(/^\s*<\/([a-z_]+)>/gm)].map((m) => m[1]);
          expect(opens.sort()).toEqual(closes.sort());
          if (dest === 'elasticsearch') {
            expect(conf).toContain('@type elasticsearch');
            expect(conf).toContain('host obs-elasticsearch.obs.svc.cluster.local');
            expect(conf).toContain('user log-writer');
            expect(conf).toContain('logstash_prefix k8s-logs');
          } else {
            expect(conf).toContain('endpoint http://obs-logstash.obs.svc.cluster.local:8080/');
          }
        } else {
          const fb = yaml.load(files['filebeat.yml']) as any;
          const input = fb['filebeat.inputs'][0];
          expect(input.type).toBe('filestream');
          expect(input.paths).toEqual(['/var/log/containers/*.log']);
          expect(input.processors[0].add_kubernetes_metadata.include_annotations).toEqual(['cdk8s-architect.dev/logs']);
          expect(input.processors[2].script.file).toBe('/usr/share/filebeat/severity/severity.js');
          expect(fb['path.data']).toBe('/var/lib/obs-filebeat');
          expect(fb['http.port']).toBe(5066);
          if (dest === 'elasticsearch') {
            expect(fb['output.elasticsearch']).toEqual({ hosts: [ES], username: 'log-writer', password: '${ELASTICSEARCH_PASSWORD}', index: 'k8s-logs-%{+yyyy.MM.dd}' });
          } else {
            expect(fb['output.logstash']).toEqual({ hosts: ['obs-logstash.obs.svc.cluster.local:5044'] });
          }
          const mount = daemonSet(out, agent).spec.template.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/etc/filebeat.yml');
          expect(mount.subPath).toBe('filebeat.yml');
        }
        if (logstash) {
          const ls = one(out.objects, 'ConfigMap', 'obs-logstash-config', 'obs').data;
          expect(ls['logstash.conf']).toContain(agent === 'filebeat' ? 'beats {\n    port => 5044' : 'http {\n    port => 8080');
          expect(ls['logstash.conf']).toContain(`hosts => ["${ES}"]`);
          expect(ls['logstash.conf']).toContain('password => "${ELASTICSEARCH_PASSWORD}"');
          expect(ls['logstash.yml']).toContain('api.http.host: "0.0.0.0"');
          const dep = one(out.objects, 'Deployment', 'obs-logstash', 'obs');
          expect(dep.spec.replicas).toBe(profile === arch.Profile.PRODUCTION ? 2 : 1);
          expect(envOf(dep).LS_JAVA_OPTS).toBe(profile === arch.Profile.PRODUCTION ? '-Xms1024m -Xmx1024m' : '-Xms512m -Xmx512m');
        }
      });
    });
  });

  describe('Elasticsearch and Kibana', () => {
    let out: SynthResult;
    beforeAll(() => { out = build(profile, 'fluentBit'); });
    const production = profile === arch.Profile.PRODUCTION;

    test('nodes, discovery and security settings', () => {
      const sts = one(out.objects, 'StatefulSet', 'obs-elasticsearch', 'obs');
      const env = envOf(sts);
      expect(sts.spec.replicas).toBe(production ? 3 : 1);
      expect(sts.spec.template.spec.containers[0].image).toBe('docker.elastic.co/elasticsearch/elasticsearch:9.5.2');
      expect(env['xpack.security.enabled']).toBe('true');
      expect(env['node.store.allow_mmap']).toBe('false');
      expect(env.ELASTIC_PASSWORD).toEqual({ secretKeyRef: { name: 'obs-elasticsearch', key: 'password' } });
      expect(env.ES_JAVA_OPTS).toBe(`${production ? '-Xms2048m -Xmx2048m' : '-Xms512m -Xmx512m'} -Xlog:disable -Xlog:all=warning:stderr:utctime,level,tags `
        + '-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,level,pid,tags:filecount=4,filesize=16m');
      if (production) {
        expect(env['discovery.type']).toBeUndefined();
        expect(env['discovery.seed_hosts']).toBe('obs-elasticsearch-headless');
        expect(env['cluster.initial_master_nodes']).toBe('obs-elasticsearch-0,obs-elasticsearch-1,obs-elasticsearch-2');
        expect(env['xpack.security.transport.ssl.enabled']).toBe('true');
        expect(env['xpack.security.transport.ssl.certificate_authorities']).toBe('certs/ca.crt');
        expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'transport-tls').secret.secretName).toBe('obs-elasticsearch-transport');
        expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('obs-elasticsearch,obs-elasticsearch-transport');
        expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('30Gi');
        expect(one(out.objects, 'PodDisruptionBudget', 'obs-elasticsearch', 'obs').spec.minAvailable).toBe(2);
      } else {
        expect(env['discovery.type']).toBe('single-node');
        expect(env['cluster.initial_master_nodes']).toBeUndefined();
        expect(env['xpack.security.transport.ssl.enabled']).toBe('false');
        expect(sts.spec.volumeClaimTemplates).toBeUndefined();
      }
    });

    test('read-only root: config copied into an emptyDir, probes with credentials', () => {
      const spec = one(out.objects, 'StatefulSet', 'obs-elasticsearch', 'obs').spec.template.spec;
      expect(spec.initContainers[0].command[2]).toBe('cp -R /usr/share/elasticsearch/config/. /config-rw/');
      const c = spec.containers[0];
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining([
        '/usr/share/elasticsearch/config', '/usr/share/elasticsearch/data', '/usr/share/elasticsearch/logs', '/tmp',
      ]));
      expect(c.readinessProbe.exec.command[2]).toContain('-u "elastic:$ELASTIC_PASSWORD" \'http://127.0.0.1:9200/_cluster/health?local=true\'');
      expect(spec.securityContext.runAsUser).toBe(1000);
    });

    test('Kibana: kibana_system from a Secret, encryption key, /api/status', () => {
      const kibana = one(out.objects, 'Deployment', 'obs-kibana', 'obs');
      const env = envOf(kibana);
      expect(kibana.spec.replicas).toBe(production ? 2 : 1);
      expect(env.ELASTICSEARCH_HOSTS).toBe(ES);
      expect(env.ELASTICSEARCH_USERNAME).toBe('kibana_system');
      expect(env.ELASTICSEARCH_PASSWORD).toEqual({ secretKeyRef: { name: 'obs-kibana', key: 'kibana-system-password' } });
      expect(env.XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY).toEqual({ secretKeyRef: { name: 'obs-kibana', key: 'encryption-key' } });
      // replicas share the session-cookie key (else a request on the other replica logs the user out) and the reporting key
      expect(env.XPACK_SECURITY_ENCRYPTIONKEY).toEqual({ secretKeyRef: { name: 'obs-kibana', key: 'security-encryption-key' } });
      expect(env.XPACK_REPORTING_ENCRYPTIONKEY).toEqual({ secretKeyRef: { name: 'obs-kibana', key: 'reporting-encryption-key' } });
      expect(kibana.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/api/status');
      expect(one(out.objects, 'Service', 'obs-kibana', 'obs').spec.ports[0].port).toBe(5601);
    });

    test('the provisioning Job sets the kibana_system password and creates the log writer', () => {
      const job = provisionJob(out);
      const script: string = job.spec.template.spec.containers[0].command[2];
      expect(script).toContain('_security/role/log-writer');
      expect(script).toContain('"names":["k8s-logs-*"]');
      expect(script).toContain('_security/user/log-writer');
      expect(script).toContain('_security/user/kibana_system/_password');
      expect(envOf(job).LOG_WRITER_PASSWORD).toEqual({ secretKeyRef: { name: 'obs-log-writer', key: 'password' } });
    });
  });
});

describe('RFC 5424 mapping', () => {
  test('the alias table is generated from Severities', () => {
    const table = severityAliases();
    for (const s of arch.Severities.all()) {
      const info = arch.Severities.info(s);
      expect(table[s]).toBe(info.code);
      expect(table[info.keyword]).toBe(info.code);
      expect(arch.Severities.info(arch.Severities.all()[table[info.libraryLevel]]).libraryLevel).toBe(info.libraryLevel);
    }
    expect(table).toMatchObject({ fatal: 2, error: 3, warn: 4, info: 6, debug: 7, trace: 7, panic: 0 });
    expect(severityKeywords()).toEqual(arch.Severities.all().map((s) => arch.Severities.info(s).keyword));
  });

  test('every agent renders the same table', () => {
    const table = severityAliases();
    const fb = config(build(arch.Profile.DEVELOPMENT, 'fluentBit'), 'fluentBit')['severity.lua'];
    const fd = config(build(arch.Profile.DEVELOPMENT, 'fluentd'), 'fluentd')['fluent.conf'];
    const beat = config(build(arch.Profile.DEVELOPMENT, 'filebeat'), 'filebeat')['severity.js'];
    for (const [name, code] of Object.entries(table)) {
      expect(fb).toContain(`["${name}"] = ${code},`);
      expect(fd).toMatch(new RegExp(`when ("[a-z]+", )*"${name}"(, "[a-z]+")* then ${code} `));
      expect(beat).toContain(`"${name}":${code}`);
    }
    expect(fb).toContain('local MAXIMUM_CODE = 7');
    expect(fd).not.toContain('filter_minimum_severity');
    expect(fd).toContain(`%w(${severityKeywords().join(' ')})`);
  });

  test('the Filebeat script maps, drops below the minimum and drops opted-out pods', () => {
    const script = config(build(arch.Profile.DEVELOPMENT, 'filebeat', { minimumSeverity: arch.LogSeverity.WARNING }), 'filebeat')['severity.js'];
    const sandbox: any = {};
    vm.runInNewContext(script, sandbox);
    const run = (fields: Record<string, unknown>) => {
      const f: Record<string, unknown> = { ...fields };
      let cancelled = false;
      sandbox.process({
        Get: (k: string) => (k in f ? f[k] : null),
        Put: (k: string, v: unknown) => { f[k] = v; },
        Cancel: () => { cancelled = true; },
      });
      return cancelled ? 'dropped' : f;
    };
    // the application's JSON fields are decoded under "app"; the level is also written as ECS log.level
    expect(run({ 'app.level': 'ERROR' })).toMatchObject({ 'severity': 'err', 'severity_code': 3, 'log.level': 'ERROR' });
    expect(run({ 'app.severity': 'Fatal' })).toMatchObject({ 'severity': 'crit', 'severity_code': 2, 'log.level': 'Fatal' });
    expect(run({ 'app.log.level': 'warn' })).toMatchObject({ 'severity': 'warning', 'severity_code': 4, 'log.level': 'warn' });
    expect(run({ 'app.level': 'info' })).toBe('dropped');
    expect(run({ 'app.level': 'trace' })).toBe('dropped');
    expect(run({ 'app.level': 'whatever', 'message': 'x' })).toEqual({ 'app.level': 'whatever', 'message': 'x', 'log.level': 'whatever' });
    expect(run({ message: 'plain text' })).toEqual({ message: 'plain text' });
    expect(run({ 'app.level': 'error', 'kubernetes.annotations.cdk8s-architect_dev/logs': 'false' })).toBe('dropped');
  });
});

describe('options', () => {
  test('Kibana off, store options, images', () => {
    const out = build(arch.Profile.PRODUCTION, 'fluentd', {
      kibana: false,
      store: arch.LogStore.elasticsearch({ nodes: 5, storageGibibytes: 100, passwordSecret: { secretName: 'es-admin', key: 'pw' } }),
      image: 'fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-elasticsearch9-1.1',
    });
    expect(checkAll(out.objects)).toEqual([]);
    expect(find(out.objects, 'Deployment', 'obs-kibana')).toHaveLength(0);
    const sts = one(out.objects, 'StatefulSet', 'obs-elasticsearch', 'obs');
    expect(sts.spec.replicas).toBe(5);
    expect(envOf(sts).ELASTIC_PASSWORD).toEqual({ secretKeyRef: { name: 'es-admin', key: 'pw' } });
    expect(provisionJob(out).spec.template.spec.containers[0].command[2]).not.toContain('kibana_system');
    expect(daemonSet(out, 'fluentd').spec.template.spec.containers[0].image).toBe('fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-elasticsearch9-1.1');
  });

  test('logstashOptions implies Logstash', () => {
    const out = build(arch.Profile.DEVELOPMENT, 'filebeat', { logstashOptions: { replicas: 3 } });
    expect(checkAll(out.objects)).toEqual([]);
    expect(one(out.objects, 'Deployment', 'obs-logstash', 'obs').spec.replicas).toBe(3);
  });
});

describe('validation', () => {
  const expectError = (options: arch.LoggingPipelineOptions, pattern: RegExp, agent: Agent = 'fluentBit') => {
    expect(() => build(arch.Profile.PRODUCTION, agent, options)).toThrow(pattern);
  };
  test('unpinned agent image', () => expectError({ image: 'fluent/fluent-bit' }, /\[shop\/obs\] image "fluent\/fluent-bit" has no tag.*Fix:/));
  test('unpinned Logstash image', () => expectError({ logstash: true, logstashOptions: { image: 'logstash:latest' } }, /\[shop\/obs\] image "logstash:latest" uses the mutable tag.*Fix:/));
  test('even Elasticsearch node count', () => expectError({ store: arch.LogStore.elasticsearch({ nodes: 2 }) }, /\[shop\/obs\] elasticsearch nodes 2 is even.*Fix: use an odd number/));
  test('Elasticsearch memory too small', () => expectError({ store: arch.LogStore.elasticsearch({ resources: { memoryLimitMebibytes: 512, memoryRequestMebibytes: 512 } }) },
    /\[shop\/obs\] elasticsearch resources.memoryLimitMebibytes 512 is too small.*Fix:/));
  test('Elasticsearch storage', () => expectError({ store: arch.LogStore.elasticsearch({ storageGibibytes: 0 }) }, /\[shop\/obs\] elasticsearch storageGibibytes 0 is out of range.*Fix:/));
  test('StorageClass name', () => expectError({ store: arch.LogStore.elasticsearch({ storageClassName: 'Fast_SSD' }) }, /\[shop\/obs\] elasticsearch storageClassName "Fast_SSD".*Fix:/));
  test('password Secret key', () => expectError({ store: arch.LogStore.elasticsearch({ passwordSecret: { secretName: 'es', key: 'a b' } }) },
    /\[shop\/obs\] elasticsearch passwordSecret.key "a b" is not a valid Secret key.*Fix:/));
  test('transport TLS Secret name', () => expectError({ store: arch.LogStore.elasticsearch({ transportTlsSecretName: 'TLS' }) },
    /\[shop\/obs\] elasticsearch transportTlsSecretName "TLS" is not a valid DNS-1123 label.*Fix:/));
  test('Kibana version mismatch', () => expectError({ kibanaImage: 'docker.elastic.co/kibana/kibana:9.4.5' }, /\[shop\/obs\] kibanaImage ".*9.4.5" does not match the Elasticsearch version "9.5.2".*Fix:/));
  test('kibanaImage without Kibana', () => expectError({ kibana: false, kibanaImage: 'docker.elastic.co/kibana/kibana:9.5.2' }, /\[shop\/obs\] kibanaImage .* is set but kibana is false.*Fix:/));
  test('logstashOptions with logstash false', () => expectError({ logstash: false, logstashOptions: {} }, /\[shop\/obs\] logstashOptions are set but logstash is false.*Fix:/));
  test('Logstash replicas', () => expectError({ logstashOptions: { replicas: 0 } }, /\[shop\/obs\] logstash replicas 0 is out of range.*Fix:/));
  test('Logstash memory', () => expectError({ logstashOptions: { resources: { memoryLimitMebibytes: 512, memoryRequestMebibytes: 256 } } },
    /\[shop\/obs\] logstash resources.memoryLimitMebibytes 512 is too small.*Fix:/));
  test('minimum severity', () => expectError({ minimumSeverity: 'loud' as arch.LogSeverity }, /\[shop\/obs\] minimumSeverity "loud" is not an RFC 5424 severity.*Fix:/));
  test('agent resources', () => expectError({ resources: { cpuRequestMillis: 900, cpuLimitMillis: 100 } }, /\[shop\/obs\] resources.cpuRequestMillis 900 exceeds.*Fix:/));
  test('a foreign store', () => expectError({ store: { kind: 'loki' as arch.LogStoreKind } }, /\[shop\/obs\] log store "loki" is not one of the library's stores.*Fix:/));
});

describe('shared Elasticsearch', () => {
  test('tracing asks first: one cluster, created with the logging store options', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    const stack = new arch.ObservabilityStack(shop, 'obs', {
      tracing: arch.Tracing.jaeger(),
      logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch({ nodes: 5 }) }),
    });
    expect(stack._elasticsearch()).toBe(stack._elasticsearch());
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
    const out = synthApp(app);
    expect(checkAll(out.objects)).toEqual([]);
    const clusters = find(out.objects, 'StatefulSet', 'obs-elasticsearch');
    expect(clusters).toHaveLength(1);
    expect(clusters[0].spec.replicas).toBe(5);
  });
});

describe('the agents\' own metrics', () => {
  function withPrometheus(agent: Agent): SynthResult {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
    new arch.ObservabilityStack(shop, 'obs', {
      logging: arch.Logging[agent](),
      metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
    });
    return synthApp(app);
  }

  test('Fluent Bit is scraped on its HTTP server\'s Prometheus endpoint, admitted from Prometheus only on 2020', () => {
    const out = withPrometheus('fluentBit');
    const annotations = daemonSet(out, 'fluentBit').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({
      'cdk8s-architect.dev/scrape': 'true',
      'cdk8s-architect.dev/scrape-port': '2020',
      'cdk8s-architect.dev/scrape-path': '/api/v1/metrics/prometheus',
      'cdk8s-architect.dev/scrape-kind': 'fluent-bit',
    });
    expect(edges(out)).toEqual(expect.arrayContaining([
      'obs-agents/obs-fluent-bit ingress obs/obs-prometheus:2020',
      'obs/obs-prometheus egress obs-agents/obs-fluent-bit:2020',
    ]));
    const rules = (one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml'] as string);
    expect(rules).toContain('alert: FluentBitDroppingRecords');
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('Fluentd is scraped on fluent-plugin-prometheus\'s endpoint (24231), with every output\'s status, admitted from Prometheus only there', () => {
    const out = withPrometheus('fluentd');
    const ds = daemonSet(out, 'fluentd');
    expect(ds.spec.template.metadata.annotations).toMatchObject({
      'cdk8s-architect.dev/scrape': 'true',
      'cdk8s-architect.dev/scrape-port': '24231',
      'cdk8s-architect.dev/scrape-path': '/metrics',
      'cdk8s-architect.dev/scrape-kind': 'fluentd',
    });
    // the container declares the port; the probes stay on monitor_agent (24220)
    const c = ds.spec.template.spec.containers[0];
    expect(c.ports).toEqual([
      { name: 'monitor', containerPort: 24220, protocol: 'TCP' },
      { name: 'metrics', containerPort: 24231, protocol: 'TCP' },
    ]);
    expect(c.readinessProbe.httpGet.port).toBe('monitor');
    // the configuration serves what the annotations claim: the prometheus input on that port and
    // path, the output monitor with counters as counters, and every output has a stable @id
    // (without one, plugin_id is an object id that changes on every restart)
    const conf = config(out, 'fluentd')['fluent.conf'];
    expect(conf).toMatch(/<source>\n {2}@type prometheus\n {2}@id in_prometheus\n {2}bind 0\.0\.0\.0\n {2}port 24231\n {2}metrics_path \/metrics\n<\/source>/);
    expect(conf).toMatch(/<source>\n {2}@type prometheus_output_monitor\n {2}@id in_prometheus_output_monitor\n {2}gauge_all false\n<\/source>/);
    const matches = conf.split('<match ').slice(1);
    expect(matches.length).toBeGreaterThan(0);
    for (const m of matches) expect(m).toMatch(/^[^\n]+>\n {2}@type \w+\n {2}@id out_\w+\n/);
    expect(edges(out)).toEqual(expect.arrayContaining([
      'obs-agents/obs-fluentd ingress obs/obs-prometheus:24231',
      'obs/obs-prometheus egress obs-agents/obs-fluentd:24231',
    ]));
    expect(edges(out).filter((e) => e.startsWith('obs-agents/obs-fluentd ingress'))).toEqual(['obs-agents/obs-fluentd ingress obs/obs-prometheus:24231']);
    const rules = (one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml'] as string);
    expect(rules).toContain('alert: FluentdBufferNearlyFull');
    expect(rules).toContain('alert: FluentdOutputErrors');
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('Elasticsearch is watched through elasticsearch_exporter: its own monitor-only user, credentials from the environment, scraped and admitted both ways', () => {
    const out = withPrometheus('fluentBit');
    const d = one(out.objects, 'Deployment', 'obs-elasticsearch-exporter', 'obs');
    expect(d.spec.replicas).toBe(1);
    const pod = d.spec.template;
    expect(pod.metadata.annotations).toMatchObject({
      'cdk8s-architect.dev/scrape': 'true',
      'cdk8s-architect.dev/scrape-port': '9114',
      'cdk8s-architect.dev/scrape-path': '/metrics',
      'cdk8s-architect.dev/scrape-kind': 'elasticsearch',
      'cdk8s-architect.dev/external-secrets': 'obs-elasticsearch-exporter',
    });
    const c = pod.spec.containers[0];
    expect(c.image).toBe('quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0');
    // the image's entrypoint runs the exporter: flags only, no password among them
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual([`--es.uri=${ES}`, '--es.all', '--es.timeout=20s', '--es.clusterinfo.interval=1m', '--web.listen-address=:9114']);
    expect(JSON.stringify(c.args)).not.toMatch(/password|@/i);
    expect(envOf(d)).toEqual({ ES_USERNAME: 'metrics-exporter', ES_PASSWORD: { secretKeyRef: { name: 'obs-elasticsearch-exporter', key: 'password' } } });
    expect(c.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: 9114 })]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.spec.securityContext.runAsUser).toBe(65534);
    // the provisioning Job creates the user with the cluster privilege `monitor` only, from the same Secret
    const job = provisionJob(out);
    const script = job.spec.template.spec.containers[0].command[2] as string;
    expect(script).toContain('call -X PUT "$es/_security/role/metrics-exporter" -d \'{"cluster":["monitor"]}\'');
    expect(script).toContain('call -X PUT "$es/_security/user/metrics-exporter" -d "{\\"password\\":\\"$(esc "$EXPORTER_PASSWORD")\\",\\"roles\\":[\\"metrics-exporter\\"]}"');
    expect(envOf(job).EXPORTER_PASSWORD).toEqual({ secretKeyRef: { name: 'obs-elasticsearch-exporter', key: 'password' } });
    // both sides, by the exporter's own instance label (the Elasticsearch pods share its name label)
    const exporterPeer = (p: any, dir: 'ingress' | 'egress') => (p.spec[dir] ?? []).filter((r: any) => (r[dir === 'ingress' ? 'from' : 'to'] ?? [])
      .some((peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/instance'] === 'shop-obs-elasticsearch-exporter'))
      .flatMap((r: any) => r.ports.map((x: any) => x.port));
    const policies = find(out.objects, 'NetworkPolicy');
    expect(policies.filter((p) => p.metadata.name === 'obs-elasticsearch').flatMap((p) => exporterPeer(p, 'ingress'))).toEqual([9200]);
    expect(policies.filter((p) => p.metadata.name === 'obs-prometheus').flatMap((p) => exporterPeer(p, 'egress'))).toEqual([9114]);
    const own = policies.filter((p) => p.metadata.name === 'obs-elasticsearch-exporter');
    expect(own).toHaveLength(1);
    expect(own[0].spec.ingress.flatMap((r: any) => r.ports.map((x: any) => x.port))).toEqual([9114]);
    expect(own[0].spec.egress.flatMap((r: any) => (r.ports ?? []).map((x: any) => x.port))).toEqual(expect.arrayContaining([9200]));
    const rules = (one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml'] as string);
    for (const a of ['ElasticsearchClusterRed', 'ElasticsearchClusterYellow', 'ElasticsearchNodeMissing', 'ElasticsearchDiskFilling',
      'ElasticsearchDiskAboveHighWatermark', 'ElasticsearchHeapTooHigh', 'ElasticsearchExporterCannotReachCluster']) {
      expect(rules).toContain(`alert: ${a}`);
    }
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('no exporter without a Prometheus, or when turned off; exporterImage without the exporter is refused', () => {
    const noMetrics = build(arch.Profile.PRODUCTION, 'fluentBit');
    expect(find(noMetrics.objects, 'Deployment').filter((d) => d.metadata.name === 'obs-elasticsearch-exporter')).toEqual([]);
    expect(provisionJob(noMetrics).spec.template.spec.containers[0].command[2]).not.toContain('metrics-exporter');
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    new arch.ObservabilityStack(shop, 'obs', {
      logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch({ exporter: false }) }),
      metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
    });
    const off = synthApp(app);
    expect(find(off.objects, 'Deployment').filter((d) => d.metadata.name === 'obs-elasticsearch-exporter')).toEqual([]);
    expect(one(off.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml']).not.toContain('ElasticsearchClusterRed');
    const app2 = newTestApp();
    const shop2 = new arch.BackendArchitecture(app2, 'shop', { profile: arch.Profile.DEVELOPMENT });
    expect(() => new arch.ObservabilityStack(shop2, 'obs', {
      logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch({ exporter: false, exporterImage: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0' }) }),
      metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
    })).toThrow(/\[shop\/obs\] elasticsearch exporterImage is set but exporter is false.*Fix: remove exporterImage/);
    // asked for explicitly where no Prometheus scrapes it: an error, not silently left out
    for (const store of [{ exporter: true }, { exporterImage: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0' }]) {
      const app3 = newTestApp();
      const shop3 = new arch.BackendArchitecture(app3, 'shop', { profile: arch.Profile.DEVELOPMENT });
      expect(() => new arch.ObservabilityStack(shop3, 'obs', { logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch(store) }) }))
        .toThrow(/\[shop\/obs\] elasticsearch (exporter is true|exporterImage is set) but the stack's metrics pillar is "none".*Fix: use Metrics\.prometheus\(\)/);
    }
  });

  test('Filebeat is scraped through a json_exporter sidecar reading its /stats on localhost, by a job of its own, admitted from Prometheus only on 7979', () => {
    const out = withPrometheus('filebeat');
    const spec = daemonSet(out, 'filebeat').spec.template.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['filebeat', 'metrics']);
    const sidecar = spec.containers[1];
    expect(sidecar).toMatchObject({
      image: 'quay.io/prometheuscommunity/json-exporter:v0.7.0',
      args: ['--config.file=/etc/json-exporter/config.yml', '--web.listen-address=:7979'],
      ports: [{ name: 'metrics', containerPort: 7979, protocol: 'TCP' }],
      // "restricted" for the sidecar, unlike the agent (which reads root's log files)
      securityContext: { runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'exporter-config', mountPath: '/etc/json-exporter', readOnly: true }],
    });
    // its file is world-readable (the agent's stay 0440: Beats' strict.perms)
    expect(spec.volumes.find((v: any) => v.name === 'exporter-config').configMap).toEqual({
      name: 'obs-filebeat-config', items: [{ key: 'json-exporter.yml', path: 'config.yml' }], defaultMode: 0o444,
    });
    expect(spec.volumes.find((v: any) => v.name === 'config').configMap.defaultMode).toBe(0o440);
    // the exporter reads what filebeat.yml serves: its HTTP endpoint on 5066
    const files = one(out.objects, 'ConfigMap', 'obs-filebeat-config', 'obs-agents').data;
    expect(JSON.parse(files['filebeat.yml'])).toMatchObject({ 'http.enabled': true, 'http.port': 5066 });
    const promYml = yaml.load(one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['prometheus.yml']) as any;
    const job = promYml.scrape_configs.find((j: any) => j.job_name === 'obs-agents/obs-filebeat');
    expect(job).toMatchObject({ metrics_path: '/probe', params: { module: ['filebeat'], target: ['http://localhost:5066/stats'] } });
    // not annotated: the parameters need the job of its own, which the annotations' job would scrape without them
    expect(daemonSet(out, 'filebeat').spec.template.metadata.annotations?.['cdk8s-architect.dev/scrape']).toBeUndefined();
    expect(edges(out)).toEqual(expect.arrayContaining([
      'obs-agents/obs-filebeat ingress obs/obs-prometheus:7979',
      'obs/obs-prometheus egress obs-agents/obs-filebeat:7979',
    ]));
    const rules = one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml'] as string;
    for (const a of ['FilebeatDroppingEvents', 'FilebeatOutputErrors', 'FilebeatQueueFull']) expect(rules).toContain(`alert: ${a}`);
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('without Prometheus, Filebeat runs no sidecar; the exporter image is validated and belongs to Filebeat with Prometheus', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    new arch.ObservabilityStack(shop, 'obs', { logging: arch.Logging.filebeat() });
    expect(daemonSet(synthApp(app), 'filebeat').spec.template.spec.containers).toHaveLength(1);
    const attempt = (logging: arch.ILoggingPipeline, prometheus: boolean) => () => {
      const a = newTestApp();
      const s = new arch.BackendArchitecture(a, 'shop', { profile: arch.Profile.DEVELOPMENT });
      new arch.ObservabilityStack(s, 'obs', { logging, ...(prometheus ? { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) } : {}) });
      synthApp(a);
    };
    expect(attempt(arch.Logging.fluentBit({ filebeatExporterImage: 'quay.io/prometheuscommunity/json-exporter:v0.7.0' }), true))
      .toThrow(/filebeatExporterImage is set for the fluent-bit pipeline/);
    expect(attempt(arch.Logging.filebeat({ filebeatExporterImage: 'quay.io/prometheuscommunity/json-exporter:v0.7.0' }), false))
      .toThrow(/filebeatExporterImage is set but the metrics pillar is not Metrics.prometheus\(\)/);
    expect(attempt(arch.Logging.filebeat({ filebeatExporterImage: 'quay.io/prometheuscommunity/json-exporter' }), true)).toThrow(/has no tag/);
    const custom = newTestApp();
    const c = new arch.BackendArchitecture(custom, 'shop', { profile: arch.Profile.DEVELOPMENT });
    new arch.ObservabilityStack(c, 'obs', {
      logging: arch.Logging.filebeat({ filebeatExporterImage: 'registry.example.com/json-exporter:v0.7.0' }),
      metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }),
    });
    expect(daemonSet(synthApp(custom), 'filebeat').spec.template.spec.containers[1].image).toBe('registry.example.com/json-exporter:v0.7.0');
  });
});
