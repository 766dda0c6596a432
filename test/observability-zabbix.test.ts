import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';

/**
 * The Zabbix metrics pillar in both profiles: server, frontend, agents and the generated MySQL,
 * with microservices created before and after the stack (Zabbix instruments none of them).
 */

const NS = 'observability';
const AGENTS_NS = 'observability-zabbix-agents';
const SERVER_HEADLESS = `zabbix-server-headless.${NS}.svc.cluster.local`;

function build(profile: arch.Profile, options: arch.ZabbixOptions = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.zabbix(options) });
  new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.1', port: 8080 });
  return synthApp(app);
}

const server = (out: SynthResult) => one(out.objects, 'StatefulSet', 'zabbix-server', NS);
const web = (out: SynthResult) => one(out.objects, 'Deployment', 'zabbix-web', NS);
const agent = (out: SynthResult) => one(out.objects, 'DaemonSet', 'zabbix-agent', AGENTS_NS);
const mysql = (out: SynthResult) => one(out.objects, 'StatefulSet', 'zabbix-mysql', NS);

function policy(out: SynthResult, name: string, ns: string): K8sObject {
  return one(out.objects, 'NetworkPolicy', name, ns);
}

/** "<namespace>/<component label> <port>" of each rule's peers. */
function peers(p: K8sObject, direction: 'ingress' | 'egress'): string[] {
  return (p.spec[direction] ?? []).flatMap((r: any) => (r[direction === 'ingress' ? 'from' : 'to'] ?? []).flatMap((peer: any) =>
    (r.ports ?? []).map((port: any) => `${peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? p.metadata.namespace}/`
      + `${peer.podSelector?.matchLabels?.['app.kubernetes.io/component']} ${port.port}`))).sort();
}

function expectRestricted(container: any): void {
  expect(container.securityContext).toMatchObject({
    allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true,
  });
  expect(container.securityContext.privileged).toBeUndefined();
}

describe.each([
  [arch.Profile.DEVELOPMENT, 1, false],
  [arch.Profile.PRODUCTION, 2, true],
])('%s profile', (profile, webReplicas, persistent) => {
  let out: SynthResult;
  beforeAll(() => { out = build(profile); });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('writes its own output file', () => {
    expect([...out.files.keys()]).toContain('shop-observability-zabbix.k8s.yaml');
  });

  test('server: one node on the pinned MySQL image, DB from Secrets, no root password', () => {
    const s = server(out);
    expect(s.spec.replicas).toBe(1);
    const c = s.spec.template.spec.containers[0];
    expect(c.image).toBe('zabbix/zabbix-server-mysql:ubuntu-7.0.16');
    expect(c.ports).toEqual([{ name: 'trapper', containerPort: 10051 }]);
    const env = envOf(s);
    expect(env.DB_SERVER_HOST).toBe(`zabbix-mysql.${NS}.svc.cluster.local`);
    expect(env.DB_SERVER_PORT).toBe('3306');
    expect(env.MYSQL_DATABASE).toBe('zabbix');
    expect(env.MYSQL_USER).toBe('zabbix');
    expect(env.MYSQL_PASSWORD).toEqual({ secretKeyRef: { name: 'observability-zabbix-db', key: 'password' } });
    expect(env.MYSQL_ROOT_PASSWORD).toBeUndefined();
    expect(s.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('observability-zabbix-db');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].tcpSocket.port).toBe(10051);
  });

  test('frontend: replicas, server and DB wiring, time zone, /ping probes', () => {
    const d = web(out);
    expect(d.spec.replicas).toBe(webReplicas);
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('zabbix/zabbix-web-nginx-mysql:ubuntu-7.0.16');
    const env = envOf(d);
    expect(env.ZBX_SERVER_HOST).toBe(`zabbix-server.${NS}.svc.cluster.local`);
    expect(env.ZBX_SERVER_PORT).toBe('10051');
    expect(env.PHP_TZ).toBe('UTC');
    expect(env.DB_SERVER_HOST).toBe(`zabbix-mysql.${NS}.svc.cluster.local`);
    expect(env.MYSQL_PASSWORD).toEqual({ secretKeyRef: { name: 'observability-zabbix-db', key: 'password' } });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/ping', port: 'http' });
    expect(c.livenessProbe.httpGet.path).toBe('/ping');
    const svc = one(out.objects, 'Service', 'zabbix-web', NS);
    expect(svc.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'http' });
    expect(find(out.objects, 'PodDisruptionBudget', 'zabbix-web', NS)).toHaveLength(webReplicas > 1 ? 1 : 0);
  });

  test('MySQL: a database with utf8mb4_bin granted to zabbix, triggers allowed, storage by profile', () => {
    const s = mysql(out);
    const c = s.spec.template.spec.containers[0];
    expect(c.args).toContain('--log-bin-trust-function-creators=1');
    expect(envOf(s).MYSQL_ROOT_PASSWORD).toEqual({ secretKeyRef: { name: 'observability-zabbix-db', key: 'root-password' } });
    const init = one(out.objects, 'ConfigMap', 'zabbix-mysql-initdb', NS).data['01-zabbix-database.sql'];
    expect(init).toContain('CREATE DATABASE IF NOT EXISTS `zabbix` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;');
    expect(init).toContain('GRANT ALL PRIVILEGES ON `zabbix`.* TO \'zabbix\'@\'%\';');
    expect(s.spec.volumeClaimTemplates !== undefined).toBe(persistent);
    if (persistent) expect(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
  });

  test('server and frontend are restricted with read-only roots and the image config copied to emptyDirs', () => {
    for (const w of [server(out), web(out)]) {
      const spec = w.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1997, fsGroup: 1997 });
      for (const c of [...spec.initContainers, ...spec.containers]) expectRestricted(c);
      expect(spec.initContainers[0].command[2]).toContain('cp -a /etc/zabbix/. /rw/etc-zabbix/');
      for (const m of spec.containers[0].volumeMounts) {
        expect(spec.volumes.find((v: any) => v.name === m.name).emptyDir).toBeDefined();
      }
    }
    const webMounts = web(out).spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath).sort();
    expect(webMounts).toEqual(['/etc/nginx', '/etc/zabbix', '/tmp', '/var/lib/php/session', '/var/log/nginx']);
    expect(web(out).spec.template.spec.initContainers[0].command[2]).toContain('cp -a /etc/nginx/. /rw/etc-nginx/');
  });

  test('agents: a DaemonSet in the privileged agents namespace, node name as host name, host access', () => {
    const ns = one(out.objects, 'Namespace', AGENTS_NS);
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.annotations!['cdk8s-architect.dev/pod-security-reason']).toMatch(/host network.*PID namespace.*root filesystem read-only/);
    expect(one(out.objects, 'Namespace', NS).metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const d = agent(out);
    const spec = d.spec.template.spec;
    expect(spec).toMatchObject({ hostNetwork: true, hostPID: true, dnsPolicy: 'ClusterFirstWithHostNet', automountServiceAccountToken: false });
    expect(spec.hostIPC).toBeUndefined();
    const c = spec.containers[0];
    expect(c.image).toBe('zabbix/zabbix-agent2:ubuntu-7.0.16');
    expectRestricted(c);
    const env = envOf(d);
    expect(env.ZBX_HOSTNAME).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.ZBX_SERVER_HOST).toBe(SERVER_HEADLESS);
    expect(env.ZBX_SERVER_PORT).toBe('10051');
    expect(c.ports).toEqual([{ name: 'agent', containerPort: 10050 }]);
    expect(c.readinessProbe.tcpSocket.port).toBe(10050);
    expect(c.volumeMounts).toContainEqual({ name: 'host-root', mountPath: '/hostfs/root', readOnly: true, mountPropagation: 'HostToContainer' });
    expect(spec.volumes).toContainEqual({ name: 'host-root', hostPath: { path: '/', type: 'Directory' } });
    // the only hostPath, and nothing privileged
    expect(spec.volumes.filter((v: any) => v.hostPath)).toHaveLength(1);
  });

  test('edges: web -> server/MySQL, server -> MySQL, server <-> agents', () => {
    expect(peers(policy(out, 'zabbix-web', NS), 'egress')).toEqual([`${NS}/mysql 3306`, `${NS}/server 10051`]);
    expect(peers(policy(out, 'zabbix-server', NS), 'egress')).toEqual([`${AGENTS_NS}/agent 10050`, `${NS}/mysql 3306`, `${NS}/server 10051`]);
    expect(peers(policy(out, 'zabbix-server', NS), 'ingress')).toEqual([`${AGENTS_NS}/agent 10051`, `${NS}/server 10051`, `${NS}/web 10051`]);
    expect(peers(policy(out, 'zabbix-mysql', NS), 'ingress')).toEqual([`${NS}/mysql 3306`, ...(persistent ? [`${NS}/mysql-backup 3306`] : []), `${NS}/server 3306`, `${NS}/web 3306`]);
    expect(peers(policy(out, 'zabbix-agent', AGENTS_NS), 'ingress')).toEqual([`${NS}/server 10050`]);
    expect(peers(policy(out, 'zabbix-agent', AGENTS_NS), 'egress')).toEqual([`${NS}/server 10051`]);
    // host-network agents use node addresses: port-only rules on the server
    const nodes = policy(out, 'zabbix-server-node-agents', NS);
    expect(nodes.spec.ingress).toEqual([{ ports: [{ port: 10051, protocol: 'TCP' }] }]);
    expect(nodes.spec.egress).toEqual([{ ports: [{ port: 10050, protocol: 'TCP' }] }]);
  });

  test('microservices before and after the stack are left alone', () => {
    for (const name of ['orders', 'payments']) {
      const d = one(out.objects, 'Deployment', name);
      expect(Object.keys(envOf(d)).filter((k) => k.startsWith('ZBX_') || k.startsWith('OTEL_'))).toEqual([]);
      expect(Object.keys(d.spec.template.metadata.annotations ?? {}).filter((k) => k.includes('scrape'))).toEqual([]);
    }
    const microservicePolicies = find(out.objects, 'NetworkPolicy').filter((p) => ['orders', 'payments'].includes(p.metadata.name));
    for (const p of microservicePolicies) expect(JSON.stringify(p.spec)).not.toContain('zabbix');
  });
});

describe('options', () => {
  test('custom time zone, Secrets, replicas, storage, images; no host monitoring', () => {
    const out = build(arch.Profile.PRODUCTION, {
      timezone: 'Europe/Riga',
      webReplicas: 3,
      databaseRootPasswordSecret: { secretName: 'db-root', key: 'pw' },
      databasePasswordSecret: { secretName: 'db-user', key: 'pw' },
      databaseStorageGibibytes: 100,
      storageClassName: 'gp3',
      serverImage: 'registry.local/zabbix/server-mysql:ubuntu-7.0.25',
      hostMonitoring: false,
    });
    expect(checkAll(out.objects)).toEqual([]);
    expect(envOf(web(out)).PHP_TZ).toBe('Europe/Riga');
    expect(web(out).spec.replicas).toBe(3);
    expect(envOf(server(out)).MYSQL_PASSWORD).toEqual({ secretKeyRef: { name: 'db-user', key: 'pw' } });
    expect(envOf(mysql(out)).MYSQL_ROOT_PASSWORD).toEqual({ secretKeyRef: { name: 'db-root', key: 'pw' } });
    expect(server(out).spec.template.spec.containers[0].image).toBe('registry.local/zabbix/server-mysql:ubuntu-7.0.25');
    expect(mysql(out).spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'gp3', resources: { requests: { storage: '100Gi' } } });
    expect(find(out.objects, 'DaemonSet')).toHaveLength(0);
    expect(find(out.objects, 'Namespace', AGENTS_NS)).toHaveLength(0);
    expect(find(out.objects, 'NetworkPolicy', 'zabbix-server-node-agents')).toHaveLength(0);
  });

  test('the factory reports its kind', () => {
    expect(arch.Metrics.zabbix().kind).toBe(arch.MetricsKind.ZABBIX);
  });
});

describe('validation', () => {
  const bad = (options: arch.ZabbixOptions) => () => build(arch.Profile.DEVELOPMENT, options);
  test.each([
    ['unpinned image', { webImage: 'zabbix/zabbix-web-nginx-mysql:latest' }, /\[shop\/observability\] image "zabbix\/zabbix-web-nginx-mysql:latest" uses the mutable tag "latest"\. Fix: pin/],
    ['time zone', { timezone: 'Mars/Olympus Mons' }, /\[shop\/observability\] timezone "Mars\/Olympus Mons" is not an IANA time zone name\. Fix: use "UTC"/],
    ['web replicas', { webReplicas: 0 }, /\[shop\/observability\] webReplicas 0 is out of range .*Fix: use 1 to 20/],
    ['Secret name', { databasePasswordSecret: { secretName: 'DB_Secret', key: 'password' } }, /\[shop\/observability\] databasePasswordSecret\.secretName "DB_Secret" is not a valid DNS-1123 label\. Fix:/],
    ['Secret key', { databaseRootPasswordSecret: { secretName: 'db', key: 'root password' } }, /\[shop\/observability\] databaseRootPasswordSecret\.key "root password" is not a valid Secret key\. Fix:/],
    ['storage', { databaseStorageGibibytes: 0.5 }, /\[shop\/observability\] databaseStorageGibibytes 0\.5 is out of range .*Fix: use a whole number of GiB/],
    ['StorageClass', { storageClassName: 'Fast SSD' }, /\[shop\/observability\] storageClassName "Fast SSD" is not a valid StorageClass name\. Fix:/],
    ['resources', { serverResources: { cpuRequestMillis: 3000, cpuLimitMillis: 1000 } }, /\[shop\/observability\] resources\.cpuRequestMillis 3000 exceeds cpuLimitMillis 1000.*Fix:/],
  ])('%s', (_what, options, message) => {
    expect(bad(options as arch.ZabbixOptions)).toThrow(message);
  });

  test('agents namespace name too long', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    const ns = 'a'.repeat(50);
    expect(() => new arch.ObservabilityStack(shop, 'observability', { namespace: ns, metrics: arch.Metrics.zabbix() }))
      .toThrow(new RegExp(`\\[shop/observability\\] generated object name "${ns}-zabbix-agents" is not a valid DNS-1123 label\\. Fix:`));
  });
});
