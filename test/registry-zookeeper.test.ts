import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { renderZooCfg } from '../src/registry/zookeeper';

/** A registry "zookeeper" (namespace "zookeeper") used by the microservice "orders" (namespace "ordering"). */
interface Built {
  readonly out: SynthResult;
  readonly registry: arch.Registry;
}

function build(profile: arch.Profile, options: arch.ZooKeeperOptions = {}): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const registry = new arch.Registry(shop, 'zookeeper', { engine: arch.RegistryEngine.zookeeper(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(registry);
  return { out: synthApp(app), registry };
}

const host = (i: number) => `zookeeper-${i}.zookeeper-headless.zookeeper.svc.cluster.local`;
const sts = (b: Built) => one(b.out.objects, 'StatefulSet', 'zookeeper', 'zookeeper');
const container = (b: Built) => sts(b).spec.template.spec.containers[0];
const zooCfgText = (b: Built): string => one(b.out.objects, 'ConfigMap', 'zookeeper-config', 'zookeeper').data['zoo.cfg'];

/** zoo.cfg as ordered [key, value] pairs (Java properties, no continuation lines). */
function properties(text: string): Array<[string, string]> {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), l.slice(eq + 1)];
  });
}
const cfg = (b: Built) => Object.fromEntries(properties(zooCfgText(b)));

let prod: Built;
let dev: Built;
beforeAll(() => {
  prod = build(arch.Profile.PRODUCTION);
  dev = build(arch.Profile.DEVELOPMENT);
});

test('both profiles pass every invariant', () => {
  expect(checkAll(prod.out.objects)).toEqual([]);
  expect(checkAll(dev.out.objects)).toEqual([]);
});

describe('zoo.cfg', () => {
  test('a ConfigMap in the component chart and namespace, with every key in a fixed order', () => {
    expect([...prod.out.byFile.get('shop-zookeeper.k8s.yaml')!.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)]).toEqual(['zookeeper-config']);
    expect(properties(zooCfgText(prod))).toEqual([
      ['tickTime', '2000'],
      ['initLimit', '10'],
      ['syncLimit', '5'],
      ['dataDir', '/data'],
      ['dataLogDir', '/datalog'],
      ['clientPort', '2181'],
      ['maxClientCnxns', '60'],
      ['autopurge.snapRetainCount', '3'],
      ['autopurge.purgeInterval', '24'],
      ['4lw.commands.whitelist', 'srvr,mntr,ruok'],
      ['admin.enableServer', 'true'],
      ['admin.serverPort', '8080'],
      ['standaloneEnabled', 'false'],
      ['quorumListenOnAllIPs', 'true'],
      ['reconfigEnabled', 'false'],
      ['metricsProvider.className', 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider'],
      ['metricsProvider.httpPort', '7000'],
      ['server.1', `${host(0)}:2888:3888;2181`],
      ['server.2', `${host(1)}:2888:3888;2181`],
      ['server.3', `${host(2)}:2888:3888;2181`],
    ]);
  });

  test('a single development member runs standalone', () => {
    const c = cfg(dev);
    expect(c.standaloneEnabled).toBe('true');
    expect(Object.keys(c).filter((k) => k.startsWith('server.'))).toEqual(['server.1']);
    expect(c['server.1']).toBe(`${host(0)}:2888:3888;2181`);
  });

  test('options reach the file', () => {
    const c = cfg(build(arch.Profile.PRODUCTION, {
      members: 5,
      tickTimeMillis: 3000,
      initLimitTicks: 20,
      syncLimitTicks: 10,
      autopurgeIntervalHours: 0,
      snapRetainCount: 7,
      maxClientConnections: 200,
    }));
    expect(c).toMatchObject({
      'tickTime': '3000', 'initLimit': '20', 'syncLimit': '10', 'autopurge.purgeInterval': '0', 'autopurge.snapRetainCount': '7', 'maxClientCnxns': '200',
    });
    expect(Object.keys(c).filter((k) => k.startsWith('server.'))).toEqual(['server.1', 'server.2', 'server.3', 'server.4', 'server.5']);
    expect(c['server.5']).toBe(`${host(4)}:2888:3888;2181`);
  });

  test('renderZooCfg is pure and is what the ConfigMap holds', () => {
    const settings = {
      tickTimeMillis: 2000,
      initLimitTicks: 10,
      syncLimitTicks: 5,
      maxClientConnections: 60,
      snapRetainCount: 3,
      autopurgeIntervalHours: 24,
      memberHosts: [0, 1, 2].map(host),
    };
    expect(renderZooCfg(settings)).toBe(renderZooCfg({ ...settings }));
    expect(renderZooCfg(settings)).toBe(zooCfgText(prod));
    expect(renderZooCfg(settings).endsWith('\n')).toBe(true);
  });

  test('mounted read-only over the image\'s /conf/zoo.cfg only (its logback.xml stays); a digest on the pod template rolls members', () => {
    const c = container(prod);
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/conf/zoo.cfg', subPath: 'zoo.cfg', readOnly: true });
    expect(sts(prod).spec.template.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'zookeeper-config', items: [{ key: 'zoo.cfg', path: 'zoo.cfg' }] } });
    const digest = createHash('sha256').update(zooCfgText(prod)).digest('hex').slice(0, 16);
    expect(sts(prod).spec.template.metadata.annotations).toMatchObject({ 'cdk8s-architect.dev/config-hash': digest });
    expect(sts(dev).spec.template.metadata.annotations['cdk8s-architect.dev/config-hash']).not.toBe(digest);
  });
});

describe('members', () => {
  test('myid is the ordinal + 1, set through the official entrypoint', () => {
    const [shell, flag, script] = container(prod).command;
    expect([shell, flag]).toEqual(['bash', '-c']);
    expect(script).toContain('export ZOO_MY_ID=$(( ${HOSTNAME##*-} + 1 ))');
    expect(script).toMatch(/&& exec \/docker-entrypoint\.sh zkServer\.sh start-foreground$/);
    expect(container(prod).args).toBeUndefined();
    // run the derivation for real, with the entrypoint replaced by an echo
    const probe = script.replace(/exec \/docker-entrypoint\.sh.*$/, 'echo "$ZOO_MY_ID"');
    for (const [pod, id] of [['zookeeper-0', '1'], ['zookeeper-2', '3'], ['my-zk-cluster-6', '7']]) {
      expect(execFileSync('bash', ['-c', probe], { env: { PATH: process.env.PATH, HOSTNAME: pod }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()).toBe(id);
    }
  });

  test('the entrypoint\'s directories, the heap from the memory limit', () => {
    expect(envOf(sts(prod))).toMatchObject({
      ZOO_CONF_DIR: '/conf', ZOO_DATA_DIR: '/data', ZOO_DATA_LOG_DIR: '/datalog', ZOO_LOG_DIR: '/logs', ZK_SERVER_HEAP: '768', JVMFLAGS: '-Xms768m',
    });
    expect(container(prod).resources).toEqual({ requests: { cpu: '100m', memory: '1024Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
    expect(envOf(sts(dev))).toMatchObject({ ZK_SERVER_HEAP: '384', JVMFLAGS: '-Xms384m' });
    const custom = build(arch.Profile.PRODUCTION, { resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 } });
    expect(envOf(sts(custom))).toMatchObject({ ZK_SERVER_HEAP: '1536' });
  });

  test('probes: liveness and startup on ruok, readiness on srvr reporting a serving mode', () => {
    const c = container(prod);
    const ruok = ['bash', '-c', 'printf ruok | nc -w 2 127.0.0.1 2181 | grep -qE \'^imok$\''];
    const srvr = ['bash', '-c', 'printf srvr | nc -w 2 127.0.0.1 2181 | grep -qE \'^Mode: (leader|follower|standalone)$\''];
    expect(c.livenessProbe.exec.command).toEqual(ruok);
    expect(c.startupProbe.exec.command).toEqual(ruok);
    expect(c.readinessProbe.exec.command).toEqual(srvr);
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) expect(p.timeoutSeconds).toBeGreaterThan(2);
  });

  test('ports: 2181 for clients; quorum, election, admin and metrics between members only', () => {
    expect(container(prod).ports).toEqual([
      { name: 'client', containerPort: 2181 },
      { name: 'quorum', containerPort: 2888 },
      { name: 'election', containerPort: 3888 },
      { name: 'admin', containerPort: 8080 },
      { name: 'metrics', containerPort: 7000 },
    ]);
    expect(one(prod.out.objects, 'Service', 'zookeeper', 'zookeeper').spec.ports.map((p: any) => p.port)).toEqual([2181]);
    const headless = one(prod.out.objects, 'Service', 'zookeeper-headless', 'zookeeper');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual([2181, 2888, 3888, 8080, 7000]);
  });

  test('production: three members on claims, spread, a budget that keeps the majority', () => {
    expect(sts(prod).spec.replicas).toBe(3);
    expect(sts(prod).spec.podManagementPolicy).toBe('Parallel');
    expect(sts(prod).spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['data', '8Gi']]);
    expect(sts(prod).spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(one(prod.out.objects, 'PodDisruptionBudget', 'zookeeper', 'zookeeper').spec.minAvailable).toBe(2);
  });

  test('development: one member on an emptyDir, no budget', () => {
    expect(sts(dev).spec.replicas).toBe(1);
    expect(sts(dev).spec.volumeClaimTemplates).toBeUndefined();
    expect(sts(dev).spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '8Gi' } });
    expect(find(dev.out.objects, 'PodDisruptionBudget', 'zookeeper')).toEqual([]);
  });

  test('restricted: uid/gid 1000, read-only root, writable paths on volumes only', () => {
    for (const b of [prod, dev]) {
      const spec = sts(b).spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
      expect(container(b).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      const mounts = Object.fromEntries(container(b).volumeMounts.map((m: any) => [m.mountPath, m]));
      expect(Object.keys(mounts).sort()).toEqual(['/conf/zoo.cfg', '/data', '/datalog', '/logs', '/tmp']);
      // the transaction log lives on the data volume (a claim in production), never on an emptyDir of its own
      expect(mounts['/datalog']).toEqual({ name: 'data', mountPath: '/datalog', subPath: 'datalog' });
      expect(mounts['/data']).toEqual({ name: 'data', mountPath: '/data' });
      const emptyDirs = spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name);
      expect(emptyDirs).toEqual(expect.arrayContaining([mounts['/logs'].name, mounts['/tmp'].name]));
    }
  });
});

describe('consumers', () => {
  const connect = [0, 1, 2].map((i) => `${host(i)}:2181`).join(',');

  test('get the connect string and what to register', () => {
    expect(prod.registry.address).toBe(connect);
    expect(envOf(one(prod.out.objects, 'Deployment', 'orders', 'ordering'))).toMatchObject({
      SERVICE_REGISTRY_TYPE: 'zookeeper',
      SERVICE_REGISTRY_ADDRESS: connect,
      ZOOKEEPER_CONNECT: connect,
      SERVICE_REGISTRATION_NAME: 'orders',
      SERVICE_REGISTRATION_HOST: { fieldRef: { fieldPath: 'status.podIP' } },
      SERVICE_REGISTRATION_PORT: '8080',
    });
    expect(envOf(one(dev.out.objects, 'Deployment', 'orders', 'ordering')).ZOOKEEPER_CONNECT).toBe(`${host(0)}:2181`);
  });

  test('reach the members on 2181 and nothing else', () => {
    const zk = sts(prod).spec.selector.matchLabels;
    const orders = one(prod.out.objects, 'Deployment', 'orders', 'ordering').spec.selector.matchLabels;
    const ordersPolicy: K8sObject = one(prod.out.objects, 'NetworkPolicy', 'orders', 'ordering');
    expect(ordersPolicy.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'zookeeper' } }, podSelector: { matchLabels: zk } }],
      ports: [{ port: 2181, protocol: 'TCP' }],
    }]);
    const zkPolicy: K8sObject = one(prod.out.objects, 'NetworkPolicy', 'zookeeper', 'zookeeper');
    const fromOrders = zkPolicy.spec.ingress.filter((r: any) => r.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'orders'));
    expect(fromOrders).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ordering' } }, podSelector: { matchLabels: orders } }],
      ports: [{ port: 2181, protocol: 'TCP' }],
    }]);
  });
});

describe('validation', () => {
  function expectError(options: arch.ZooKeeperOptions, value: string, fix: RegExp, profile = arch.Profile.PRODUCTION): void {
    let message = '';
    try {
      build(profile, options);
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toContain('[shop/zookeeper]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  }

  test('an even ensemble', () => expectError({ members: 4 }, 'members 4 is even', /odd number \(3 or 5/));
  test('more than 7 members', () => expectError({ members: 9 }, 'members 9 is out of range', /odd number from 1 to 7/));
  test('no members', () => expectError({ members: 0 }, 'members 0 is out of range', /odd number/));
  test('an unpinned image', () => expectError({ image: 'zookeeper' }, '"zookeeper" has no tag', /pin the image/));
  test('a "latest" image', () => expectError({ image: 'zookeeper:latest' }, '"zookeeper:latest" uses the mutable tag', /pin the image/));
  test('fewer than 3 retained snapshots', () => expectError({ snapRetainCount: 2 }, 'snapRetainCount 2 is out of range', /at least 3 snapshots/));
  test('a negative purge interval', () => expectError({ autopurgeIntervalHours: -1 }, 'autopurgeIntervalHours -1', /or 0 to disable purging/));
  test('a fractional tick', () => expectError({ tickTimeMillis: 1500.5 }, 'tickTimeMillis 1500.5', /whole milliseconds/));
  test('a zero initLimit', () => expectError({ initLimitTicks: 0 }, 'initLimitTicks 0', /whole number of ticks/));
  test('a syncLimit beyond initLimit', () => expectError({ initLimitTicks: 5, syncLimitTicks: 6 }, 'syncLimitTicks 6 exceeds initLimitTicks 5', /raise initLimitTicks/));
  test('no client connections', () => expectError({ maxClientConnections: 0 }, 'maxClientConnections 0', /connections per client address/));
  test('an empty volume', () => expectError({ storageGibibytes: 0 }, 'storageGibibytes 0', /whole number of GiB/));
  test('too little memory for the JVM', () => expectError(
    { resources: { memoryRequestMebibytes: 128, memoryLimitMebibytes: 128 } }, 'memoryLimitMebibytes 128', /at least 256 MiB/, arch.Profile.DEVELOPMENT));
});
