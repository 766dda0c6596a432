import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';

import { PULSAR_DEFAULT_IMAGE, pulsarProvisionScript, pulsarRelativeTime } from '../src/messaging/pulsar';

/** Some rule (rules group the peers that use the same ports) lets `peer` through on exactly `ports`. */
function expectAllows(rules: any[], side: 'from' | 'to', peer: any, ports: any): void {
  const matching = rules.filter((r) => JSON.stringify(r.ports) === JSON.stringify(ports)).flatMap((r) => r[side] ?? []);
  expect(matching).toContainEqual(peer);
}


/**
 * The Pulsar engine in both profiles: ZooKeeper, bookies, brokers, proxies and the two init Jobs
 * (production) and one standalone member (development), with declared topics, one producing and
 * two consuming services. The ZooKeeper start script and the provisioning script are run with sh
 * against stubs.
 */

const NS = 'events';
const DOMAIN = 'cluster.local';
const zkHost = (i: number) => `events-zookeeper-${i}.events-zookeeper-headless.${NS}.svc.${DOMAIN}`;
const ZK_CONNECT = [0, 1, 2].map((i) => `${zkHost(i)}:2181`).join(',');
const BROKER_SVC = `events-broker.${NS}.svc.${DOMAIN}`;
const PROXY_URL = `pulsar://events-proxy.${NS}.svc.${DOMAIN}:6650`;
const DEV_HOST = `events-0.events-headless.${NS}.svc.${DOMAIN}`;
const DEV_URL = `pulsar://events.${NS}.svc.${DOMAIN}:6650`;
/** pulsar-admin's arguments with the admin token the provisioning pod signs. */
const ADMIN_AUTH = '--auth-plugin org.apache.pulsar.client.impl.auth.AuthenticationToken --auth-params file:///pulsar/tokens/admin';

const TOPICS: arch.TopicOptions[] = [
  { name: 'order-created', partitions: 6, retention: Duration.days(3) },
  { name: 'customer-state', cleanupPolicy: arch.CleanupPolicy.COMPACT, replicationFactor: 2, retention: Duration.days(14) },
  { name: 'audit', partitions: 1, retention: Duration.hours(36) },
];

function build(profile: arch.Profile, options: arch.PulsarOptions = {}, topics: arch.TopicOptions[] = TOPICS): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.pulsar(options), topics });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  orders.uses(mq.topic(topics[0].name).producer());
  const billing = new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1', port: 8080 });
  billing.uses(mq.topic(topics[0].name).consumer('billing'));
  const shipping = new arch.Microservice(shop, 'shipping', { image: 'ghcr.io/acme/shipping:3.1.0', port: 8080 });
  shipping.uses(mq.topic(topics[0].name).consumer('shipping'));
  return synthApp(app);
}

function synthError(profile: arch.Profile, options: arch.PulsarOptions, topics: arch.TopicOptions[] = TOPICS): string {
  try {
    build(profile, options, topics);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a synth error');
}

const container = (o: K8sObject, i = 0) => o.spec.template.spec.containers[i];
const initContainer = (o: K8sObject, name: string) => o.spec.template.spec.initContainers.find((c: any) => c.name === name);
const script = (c: any): string => {
  expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
  return c.command[2];
};
const jobs = (out: SynthResult, prefix: string) => find(out.objects, 'Job', undefined, NS).filter((j) => j.metadata.name.startsWith(`${prefix}-`));
const job = (out: SynthResult, prefix: string) => {
  const found = jobs(out, prefix);
  expect(found).toHaveLength(1);
  return found[0];
};
const provisionScriptOf = (j: K8sObject): string => {
  const c = container(j);
  expect(c.command).toEqual(['sh', '-c']);
  return c.args[0];
};
const policy = (out: SynthResult, name: string, ns = NS) => one(out.objects, 'NetworkPolicy', name, ns);
const selectorOf = (out: SynthResult, kind: string, name: string, ns = NS) => one(out.objects, kind, name, ns).spec.selector.matchLabels;
const jobSelector = (j: K8sObject) => {
  const l = j.spec.template.metadata.labels;
  return { 'app.kubernetes.io/name': l['app.kubernetes.io/name'], 'app.kubernetes.io/instance': l['app.kubernetes.io/instance'], 'app.kubernetes.io/component': l['app.kubernetes.io/component'] };
};
/** Ensemble size, write quorum and ack quorum from a broker's or standalone member's env. */
const quorums = (env: Record<string, any>) => ['EnsembleSize', 'WriteQuorum', 'AckQuorum'].map((k) => env[`PULSAR_PREFIX_managedLedgerDefault${k}`]);
const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: 'TCP' }));

/** Runs the provisioning script with a `bin/pulsar-admin` stub (a shell `case` on its arguments) and returns its calls. */
function runProvision(provision: string, stubCases: string): { status: number | null; calls: string[]; stdout: string; stderr: string } {
  const dir = tmpDir('pulsar-provision-');
  const log = path.join(dir, 'calls');
  fs.mkdirSync(path.join(dir, 'bin'));
  // pulsar-admin prints a topic's permissions as a JSON object
  fs.writeFileSync(path.join(dir, 'bin', 'pulsar-admin'), `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in\n${stubCases}\n  *"topics permissions"*) echo '{ }' ;;\n  *) exit 0 ;;\nesac\n`,
    { mode: 0o755 });
  const res = spawnSync('sh', ['-c', provision], {
    cwd: dir, env: { PATH: process.env.PATH, ADMIN_URL: `http://${BROKER_SVC}:8080` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: res.status, calls, stdout: res.stdout, stderr: res.stderr };
}

describe('production: ZooKeeper, bookies, brokers, proxies', () => {
  let out: SynthResult;
  let zookeeper: K8sObject;
  let bookies: K8sObject;
  let brokers: K8sObject;
  let proxies: K8sObject;
  beforeAll(() => {
    out = build(arch.Profile.PRODUCTION);
    zookeeper = one(out.objects, 'StatefulSet', 'events-zookeeper', NS);
    bookies = one(out.objects, 'StatefulSet', 'events-bookie', NS);
    brokers = one(out.objects, 'StatefulSet', 'events-broker', NS);
    proxies = one(out.objects, 'Deployment', 'events-proxy', NS);
  });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('topology: 3 ZooKeeper members, 4 bookies, 3 brokers, 3 proxies, no standalone', () => {
    expect(find(out.objects, 'StatefulSet', undefined, NS).map((s) => s.metadata.name).sort()).toEqual(['events-bookie', 'events-broker', 'events-zookeeper']);
    expect([zookeeper, bookies, brokers, proxies].map((w) => w.spec.replicas)).toEqual([3, 4, 3, 3]);
    for (const w of [zookeeper, bookies, brokers, proxies]) expect(container(w).image).toBe(PULSAR_DEFAULT_IMAGE);
    expect(PULSAR_DEFAULT_IMAGE).toBe('apachepulsar/pulsar:4.0.12');
    expect(one(out.objects, 'Service', 'events-proxy', NS).spec.ports.map((p: any) => [p.name, p.port])).toEqual([['pulsar', 6650], ['http', 8080]]);
    expect(one(out.objects, 'Service', 'events-zookeeper', NS).spec.ports.map((p: any) => p.port)).toEqual([2181]);
    expect(one(out.objects, 'Service', 'events-zookeeper-headless', NS).spec.ports.map((p: any) => p.port)).toEqual([2181, 2888, 3888]);
    expect(one(out.objects, 'Service', 'events-bookie-headless', NS).spec.publishNotReadyAddresses).toBe(true);
  });

  test('ZooKeeper: bin/pulsar zookeeper with the ordinal server list, data on the claim, the chart\'s ruok probe', () => {
    const c = container(zookeeper);
    const s = script(c);
    expect(s).toContain('bin/apply-config-from-env.py conf/zookeeper.conf');
    expect(s).toContain(`printf '%s\\n' ${[0, 1, 2].map((i) => `'server.${i + 1}=${zkHost(i)}:2888:3888'`).join(' ')} >> conf/zookeeper.conf`);
    expect(s).toContain('-Dzookeeper.4lw.commands.whitelist=ruok,srvr,mntr');
    expect(s.trim().endsWith('exec bin/pulsar zookeeper')).toBe(true);
    const env = envOf(zookeeper);
    expect(env.PULSAR_PREFIX_dataDir).toBe('/pulsar/data/zookeeper');
    expect(env.PULSAR_PREFIX_clientPort).toBe('2181');
    expect(env.PULSAR_PREFIX_quorumListenOnAllIPs).toBe('true');
    expect(env.PULSAR_MEM).toBe('-Xms256m -Xmx256m');
    expect(c.livenessProbe.exec.command).toEqual(['timeout', '5', 'sh', '-c', '{ echo ruok; sleep 1; } | nc 127.0.0.1 2181 | grep -qE \'^imok\'']);
    expect(c.readinessProbe.exec.command[4]).toContain('echo srvr');
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/pulsar/data' });
    expect(zookeeper.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['data', '10Gi']]);
    expect(one(out.objects, 'PodDisruptionBudget', 'events-zookeeper', NS).spec.minAvailable).toBe(2);
  });

  test('ZooKeeper start script: idempotent server list, myid from the ordinal, written once', () => {
    const dir = tmpDir('pulsar-zk-');
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(path.join(dir, 'bin', 'apply-config-from-env.py'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin', 'pulsar'), '#!/bin/sh\necho "started $*"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'conf', 'zookeeper.conf'), 'tickTime=2000\nserver.1=old:2888:3888\n');
    const s = script(container(zookeeper)).replace(/\/pulsar\/data/g, `${dir}/data`);
    for (let run = 0; run < 2; run++) {
      const res = spawnSync('sh', ['-c', s], { cwd: dir, env: { PATH: process.env.PATH, HOSTNAME: 'events-zookeeper-2' }, encoding: 'utf8' });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      expect(res.stdout.trim()).toBe('started zookeeper');
    }
    expect(fs.readFileSync(path.join(dir, 'conf', 'zookeeper.conf'), 'utf8'))
      .toBe(`tickTime=2000\n${[0, 1, 2].map((i) => `server.${i + 1}=${zkHost(i)}:2888:3888\n`).join('')}`);
    expect(fs.readFileSync(path.join(dir, 'data', 'zookeeper', 'myid'), 'utf8')).toBe('3\n');
  });

  test('bookies: journal and ledgers in one claim, waiting for the BookKeeper metadata, the chart\'s probes', () => {
    const c = container(bookies);
    expect(script(c)).toBe('set -e\nbin/apply-config-from-env.py conf/bookkeeper.conf\nexport OPTS="${OPTS:-} -Dlog4j2.formatMsgNoLookups=true"\nexec bin/pulsar bookie');
    const env = envOf(bookies);
    expect(env.PULSAR_PREFIX_zkServers).toBe(ZK_CONNECT);
    expect(env.PULSAR_PREFIX_zkLedgersRootPath).toBe('/ledgers');
    expect(env.PULSAR_PREFIX_journalDirectories).toBe('/pulsar/data/bookkeeper/journal');
    expect(env.PULSAR_PREFIX_ledgerDirectories).toBe('/pulsar/data/bookkeeper/ledgers');
    expect(env.PULSAR_PREFIX_useHostNameAsBookieID).toBe('true');
    expect(env.PULSAR_PREFIX_httpServerEnabled).toBe('true');
    expect(env.PULSAR_PREFIX_httpServerPort).toBe('8000');
    expect(env.PULSAR_PREFIX_bookiePort).toBe('3181');
    // 2048 MiB: 768 for the JVM's own memory, 230 for RocksDB (a 102 MiB block cache, 4 memtables of 16 MiB, 64 MiB else)
    expect(env.PULSAR_MEM).toBe('-Xms525m -Xmx525m -XX:MaxDirectMemorySize=525m');
    expect(env.PULSAR_PREFIX_dbStorage_rocksDB_blockCacheSize).toBe(String(102 * 1024 * 1024));
    expect(env.PULSAR_PREFIX_dbStorage_rocksDB_writeBufferSizeMB).toBe('16');
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/pulsar/data/bookkeeper' });
    expect(bookies.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['data', '64Gi']]);
    const wait = initContainer(bookies, 'wait-bookkeeper-init');
    expect(script(wait)).toContain('until timeout 15 bin/bookkeeper shell whatisinstanceid; do');
    expect(Object.fromEntries(wait.env.map((e: any) => [e.name, e.value]))).toMatchObject({ PULSAR_PREFIX_zkServers: ZK_CONNECT, BOOKIE_MEM: '-Xms64m -Xmx128m -XX:MaxDirectMemorySize=64m' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/v1/bookie/is_ready', port: 'http', scheme: 'HTTP' });
    expect(c.startupProbe.httpGet.path).toBe('/api/v1/bookie/is_ready');
    expect(c.livenessProbe.httpGet.path).toBe('/api/v1/bookie/state');
    expect(c.ports).toEqual([{ name: 'bookie', containerPort: 3181 }, { name: 'http', containerPort: 8000 }]);
    expect(one(out.objects, 'PodDisruptionBudget', 'events-bookie', NS).spec.maxUnavailable).toBe(1);
  });

  test('brokers: metadata store, 3/3/2 replication, advertised headless name, wait for the init and the old registration', () => {
    const env = envOf(brokers);
    expect(env.PULSAR_PREFIX_clusterName).toBe('events');
    expect(env.PULSAR_PREFIX_metadataStoreUrl).toBe(`zk:${ZK_CONNECT}`);
    expect(env.PULSAR_PREFIX_configurationMetadataStoreUrl).toBe(`zk:${ZK_CONNECT}`);
    expect(quorums(env))
      .toEqual(['3', '3', '2']);
    expect(env.PULSAR_PREFIX_statusFilePath).toBe('/pulsar/logs/status');
    expect(env.PULSAR_PREFIX_functionsWorkerEnabled).toBe('false');
    expect(env.PULSAR_MEM).toBe('-Xms640m -Xmx640m -XX:MaxDirectMemorySize=640m');
    const s = script(container(brokers));
    expect(s).toContain(`export PULSAR_PREFIX_advertisedAddress="$HOSTNAME.events-broker-headless.${NS}.svc.${DOMAIN}"`);
    expect(s).toContain('echo OK > /pulsar/logs/status');
    expect(s).toContain('get "/loadbalance/brokers/$PULSAR_PREFIX_advertisedAddress:8080"; do');
    expect(s.trim().endsWith('exec bin/pulsar broker')).toBe(true);
    expect(script(initContainer(brokers, 'wait-cluster-init')))
      .toBe(`until timeout 15 bin/pulsar zookeeper-shell -server '${ZK_CONNECT}' get '/admin/clusters/events'; do echo "waiting for the cluster metadata"; sleep 3; done`);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container(brokers)[probe].httpGet).toEqual({ path: '/status.html', port: 'http', scheme: 'HTTP' });
    }
    expect(brokers.spec.volumeClaimTemplates).toBeUndefined();
    expect(one(out.objects, 'PodDisruptionBudget', 'events-broker', NS).spec.maxUnavailable).toBe(1);
  });

  test('proxies: the clients\' entry point, routing to the broker Service', () => {
    const env = envOf(proxies);
    expect(env.PULSAR_PREFIX_brokerServiceURL).toBe(`pulsar://${BROKER_SVC}:6650`);
    expect(env.PULSAR_PREFIX_brokerWebServiceURL).toBe(`http://${BROKER_SVC}:8080`);
    expect(env.PULSAR_PREFIX_servicePort).toBe('6650');
    expect(env.PULSAR_PREFIX_webServicePort).toBe('8080');
    expect(env.PULSAR_PREFIX_statusFilePath).toBe('/pulsar/logs/status');
    expect(env.PULSAR_MEM).toBe('-Xms268m -Xmx268m -XX:MaxDirectMemorySize=268m');
    expect(script(container(proxies)).trim().endsWith('exec bin/pulsar proxy')).toBe(true);
    expect(container(proxies).readinessProbe.httpGet.path).toBe('/status.html');
    expect(one(out.objects, 'PodDisruptionBudget', 'events-proxy', NS).spec.maxUnavailable).toBe(1);
    expect(proxies.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  test('BookKeeper init Job: formats only when no instance id exists, named with a content hash', () => {
    const j = job(out, 'events-bookkeeper-init');
    expect(j.metadata.name).toMatch(/^events-bookkeeper-init-[0-9a-f]{10}$/);
    const s = script(container(j));
    expect(s).toContain(`until timeout 15 bin/pulsar zookeeper-shell -server '${ZK_CONNECT}' ls /; do`);
    expect(s).toContain('if timeout 60 bin/bookkeeper shell whatisinstanceid; then\n  echo "bookkeeper cluster already initialized"\nelse\n  bin/bookkeeper shell initnewcluster\nfi');
    expect(envOf(j).PULSAR_PREFIX_zkServers).toBe(ZK_CONNECT);
    expect(j.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['copy-conf']);
    expect(j.spec.template.spec.restartPolicy).toBe('OnFailure');
  });

  test('cluster metadata Job: waits for BookKeeper, skips an existing cluster, initializes with the broker URLs', () => {
    const j = job(out, 'events-cluster-init');
    expect(j.metadata.name).toMatch(/^events-cluster-init-[0-9a-f]{10}$/);
    const s = script(container(j));
    expect(s.indexOf('whatisinstanceid')).toBeLessThan(s.indexOf('initialize-cluster-metadata'));
    expect(s).toContain(`if timeout 15 bin/pulsar zookeeper-shell -server '${ZK_CONNECT}' get '/admin/clusters/events'; then`);
    expect(s).toContain(`bin/pulsar initialize-cluster-metadata --cluster 'events' --metadata-store 'zk:${ZK_CONNECT}' --configuration-metadata-store 'zk:${ZK_CONNECT}'`);
    expect(s).toContain(`--web-service-url 'http://${BROKER_SVC}:8080/' --broker-service-url 'pulsar://${BROKER_SVC}:6650/'`);
  });

  test('provisioning Job: tenant, namespace retention, partitioned topics, policies and one subscription per group', () => {
    const j = job(out, 'events-provision');
    expect(j.metadata.name).toMatch(/^events-provision-[0-9a-f]{10}$/);
    expect(envOf(j).ADMIN_URL).toBe(`http://${BROKER_SVC}:8080`);
    const s = provisionScriptOf(j);
    const t = (name: string) => `'persistent://shop/events/${name}'`;
    expect(s).toContain('create \'tenant shop\' tenants create \'shop\' --allowed-clusters \'events\'');
    expect(s).toContain('create \'namespace shop/events\' namespaces create \'shop/events\' --clusters \'events\'');
    // the namespace keeps messages as long as its longest-lived topic; shorter topics override it
    expect(s).toContain('admin namespaces set-retention \'shop/events\' --time 14d --size -1');
    expect(s).toContain('admin namespaces set-message-ttl \'shop/events\' --messageTTL 14d');
    expect(s).toContain(`partitioned ${t('order-created')} 6`);
    expect(s).toContain(`admin topics set-retention ${t('order-created')} --time 3d --size -1`);
    expect(s).toContain(`admin topics set-message-ttl ${t('audit')} --ttl 36h`);
    expect(s).not.toContain(`admin topics set-retention ${t('customer-state')}`);
    // production partitions default to 3 for partitioned engines; an explicit 1 is a plain topic
    expect(s).toContain(`partitioned ${t('customer-state')} 3`);
    expect(s).toContain(`create 'topic persistent://shop/events/audit' topics create ${t('audit')}`);
    expect(s).toContain(`admin topics set-persistence ${t('customer-state')} --bookkeeper-ensemble 3 --bookkeeper-write-quorum 2 --bookkeeper-ack-quorum 2`);
    expect(s).toContain(`admin topics set-compaction-threshold ${t('customer-state')} --threshold 100M`);
    expect(s).toContain(`create 'subscription billing of persistent://shop/events/order-created' topics create-subscription ${t('order-created')} --subscription 'billing'`);
    expect(s).toContain(`topics create-subscription ${t('order-created')} --subscription 'shipping'`);
    expect(s.match(/create-subscription/g)).toHaveLength(2);
  });

  test('provisioning script converges: existing objects are fine, partitions grow, other errors fail', () => {
    const s = provisionScriptOf(job(out, 'events-provision'));
    const ok = runProvision(s, [
      '  *"tenants create"*) echo "Conflict: Tenant already exists" >&2; exit 1 ;;',
      '  *"create-subscription"*shipping*) echo "Subscription already exists for topic" >&2; exit 1 ;;',
      '  *"get-partitioned-topic-metadata"*) printf \'{\\n  "partitions" : 3\\n}\\n\' ;;',
    ].join('\n'));
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('pulsar-provision: tenant shop: exists');
    expect(ok.stdout).toContain('pulsar-provision: subscription shipping of persistent://shop/events/order-created: exists');
    expect(ok.calls[0]).toBe(`--admin-url http://${BROKER_SVC}:8080 ${ADMIN_AUTH} clusters get events`);
    expect(ok.calls).toContain(`--admin-url http://${BROKER_SVC}:8080 ${ADMIN_AUTH} topics update-partitioned-topic persistent://shop/events/order-created --partitions 6`);
    expect(ok.calls.filter((c) => c.includes('update-partitioned-topic'))).toHaveLength(1);
    expect(ok.stdout.trim().endsWith('pulsar-provision: done')).toBe(true);

    // permissions of roles that no longer use a topic are revoked; namespace-level ones are reported
    const stale = runProvision(s, [
      '  *"get-partitioned-topic-metadata"*) echo \'{"partitions":6}\' ;;',
      '  *"topics permissions persistent://shop/events/order-created"*) printf \'{\\n  "shop.billing" : [ "consume" ],\\n  "shop.retired" : [ "produce" ],\\n  "ops.reader" : [ "consume" ],\\n  "*" : [ "consume" ]\\n}\\n\' ;;',
      '  *"revoke-permission"*"ops.reader"*) echo "Permissions are not set at the topic level" >&2; exit 1 ;;',
    ].join('\n'));
    expect(stale.stderr).toBe('');
    expect(stale.status).toBe(0);
    const revokes = stale.calls.filter((c) => c.includes('revoke-permission')).map((c) => c.replace(`--admin-url http://${BROKER_SVC}:8080 ${ADMIN_AUTH} `, ''));
    // "*" is revoked as a name, not expanded as a file pattern
    expect(revokes).toEqual([
      'topics revoke-permission persistent://shop/events/order-created --role *',
      'topics revoke-permission persistent://shop/events/order-created --role ops.reader',
      'topics revoke-permission persistent://shop/events/order-created --role shop.retired',
    ]);
    expect(stale.stdout).toContain('pulsar-provision: shop.retired: permissions on persistent://shop/events/order-created revoked');
    expect(stale.stdout).toContain('pulsar-provision: ops.reader keeps what the namespace grants on persistent://shop/events/order-created (Permissions are not set at the topic level)');
    // every declared topic is checked, also those no service uses any more
    expect(stale.calls.filter((c) => c.includes('topics permissions')).map((c) => c.split(' ').pop()))
      .toEqual(['persistent://shop/events/order-created', 'persistent://shop/events/customer-state', 'persistent://shop/events/audit']);

    // an answer that is not a permissions object stops the run
    const garbled = runProvision(s, '  *"get-partitioned-topic-metadata"*) echo \'{"partitions":6}\' ;;\n  *"topics permissions"*) echo "Unauthorized" ;;');
    expect(garbled.status).not.toBe(0);
    expect(garbled.calls.some((c) => c.includes('revoke-permission'))).toBe(false);

    const denied = runProvision(s, '  *"namespaces create"*) echo "HTTP 401 Unauthorized" >&2; exit 1 ;;');
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('Unauthorized');
    expect(denied.calls.some((c) => c.includes('topics'))).toBe(false);

    const clash = runProvision(s, '  *"get-partitioned-topic-metadata"*) echo \'{"partitions":0}\' ;;');
    expect(clash.status).toBe(1);
    expect(clash.stdout).toContain('exists as a non-partitioned topic');
  });

  test('consumers: the proxy\'s service URL, full topic names, the subscription', () => {
    const orders = envOf(one(out.objects, 'Deployment', 'orders', 'shop'));
    expect(orders.EVENTS_TYPE).toBe('pulsar');
    expect(orders.EVENTS_ADDRESS).toBe(PROXY_URL);
    expect(orders.EVENTS_SERVICE_URL).toBe(PROXY_URL);
    expect(orders.EVENTS_ORDER_CREATED_TOPIC).toBe('persistent://shop/events/order-created');
    expect(orders.EVENTS_ORDER_CREATED_GROUP).toBeUndefined();
    const billing = envOf(one(out.objects, 'Deployment', 'billing', 'shop'));
    expect(billing.EVENTS_ORDER_CREATED_TOPIC).toBe('persistent://shop/events/order-created');
    expect(billing.EVENTS_ORDER_CREATED_GROUP).toBe('billing');
    expect(billing.EVENTS_ORDER_CREATED_SUBSCRIPTION).toBe('billing');
    expect(envOf(one(out.objects, 'Deployment', 'shipping', 'shop')).EVENTS_ORDER_CREATED_SUBSCRIPTION).toBe('shipping');
    expect(Object.keys(billing).filter((k) => k.startsWith('EVENTS_')).sort())
      .toEqual(['EVENTS_ADDRESS', 'EVENTS_AUTH_PARAMS', 'EVENTS_AUTH_PLUGIN', 'EVENTS_ORDER_CREATED_GROUP', 'EVENTS_ORDER_CREATED_SUBSCRIPTION',
        'EVENTS_ORDER_CREATED_TOPIC', 'EVENTS_ROLE', 'EVENTS_SERVICE_URL', 'EVENTS_TOKEN_FILE', 'EVENTS_TYPE']);
  });

  test('network: services reach only the proxies\' 6650; every internal edge is wired both ways', () => {
    const proxySel = selectorOf(out, 'Deployment', 'events-proxy');
    const brokerSel = selectorOf(out, 'StatefulSet', 'events-broker');
    const bookieSel = selectorOf(out, 'StatefulSet', 'events-bookie');
    const nsPeer = (sel: any) => ({ podSelector: { matchLabels: sel } });
    const ordersEgress = policy(out, 'orders', 'shop').spec.egress;
    const toEvents = ordersEgress.filter((r: any) => r.to?.some((p: any) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === NS));
    expect(toEvents).toHaveLength(1);
    expect(toEvents[0].to[0].podSelector.matchLabels).toEqual(proxySel);
    expect(toEvents[0].ports).toEqual(tcp(6650));

    expectAllows(policy(out, 'events-proxy').spec.egress, 'to', nsPeer(brokerSel), tcp(6650, 8080));
    const brokerIngress = policy(out, 'events-broker').spec.ingress;
    expectAllows(brokerIngress, 'from', nsPeer(proxySel), tcp(6650, 8080));
    expectAllows(brokerIngress, 'from', nsPeer(jobSelector(job(out, 'events-provision'))), tcp(8080));
    expectAllows(policy(out, 'events-broker').spec.egress, 'to', nsPeer(bookieSel), tcp(3181));
    expectAllows(policy(out, 'events-bookie').spec.ingress, 'from', nsPeer(brokerSel), tcp(3181));
    const zkIngress = policy(out, 'events-zookeeper').spec.ingress;
    for (const sel of [bookieSel, brokerSel, jobSelector(job(out, 'events-bookkeeper-init')), jobSelector(job(out, 'events-cluster-init'))]) {
      expectAllows(zkIngress, 'from', nsPeer(sel), tcp(2181));
    }
    // the proxies find brokers through the broker Service, not through ZooKeeper
    expect(zkIngress.some((r: any) => r.from.some((f: any) => JSON.stringify(f) === JSON.stringify(nsPeer(proxySel))))).toBe(false);
    expectAllows(policy(out, 'events-provision').spec.egress, 'to', nsPeer(brokerSel), tcp(8080));
  });

  test('restricted: uid and gid 10000, read-only root, conf copied into an emptyDir, logs and /tmp writable', () => {
    for (const w of [zookeeper, bookies, brokers, proxies, ...find(out.objects, 'Job', undefined, NS)]) {
      const spec = w.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10000, runAsGroup: 10000, fsGroup: 10000 });
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      expect(spec.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['logs', 'tmp']));
    }
    const copy = initContainer(brokers, 'copy-conf');
    expect(copy.command).toEqual(['sh', '-c', 'cp -R /pulsar/conf/. /conf-rw/']);
    expect(copy.volumeMounts).toEqual([{ name: 'conf', mountPath: '/conf-rw' }]);
    expect(container(brokers).volumeMounts).toEqual([
      { name: 'conf', mountPath: '/pulsar/conf' },
      { name: 'logs', mountPath: '/pulsar/logs' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'home', mountPath: '/pulsar/data' },
      { name: 'token-key', mountPath: '/pulsar/token-key', readOnly: true },
      { name: 'tokens', mountPath: '/pulsar/tokens' },
    ]);
    expect(brokers.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['copy-conf', 'wait-cluster-init']);
    expect(bookies.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['copy-conf', 'wait-bookkeeper-init']);
  });
});

describe('production options', () => {
  test('tenant, namespace, cluster name, sizes and replication are configurable', () => {
    const out = build(arch.Profile.PRODUCTION, {
      tenant: 'acme',
      namespace: 'orders.v1',
      clusterName: 'eu-1',
      zookeeper: { members: 5, storageGibibytes: 20 },
      bookkeeper: { bookies: 5, storageGibibytes: 200, resources: { memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 } },
      brokers: { replicas: 2 },
      proxies: { replicas: 2 },
      ensembleSize: 4,
      writeQuorum: 3,
      ackQuorum: 2,
      compactionThresholdMebibytes: 512,
      storageClassName: 'fast-ssd',
    });
    expect(checkAll(out.objects)).toEqual([]);
    expect(envOf(one(out.objects, 'Deployment', 'orders', 'shop')).EVENTS_ORDER_CREATED_TOPIC).toBe('persistent://acme/orders.v1/order-created');
    const brokers = one(out.objects, 'StatefulSet', 'events-broker', NS);
    expect(brokers.spec.replicas).toBe(2);
    expect(envOf(brokers).PULSAR_PREFIX_clusterName).toBe('eu-1');
    expect(envOf(brokers).PULSAR_PREFIX_managedLedgerDefaultEnsembleSize).toBe('4');
    expect(one(out.objects, 'StatefulSet', 'events-zookeeper', NS).spec.replicas).toBe(5);
    expect(one(out.objects, 'PodDisruptionBudget', 'events-zookeeper', NS).spec.minAvailable).toBe(3);
    const bookies = one(out.objects, 'StatefulSet', 'events-bookie', NS);
    expect(bookies.spec.replicas).toBe(5);
    expect(bookies.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '200Gi' } } });
    expect(envOf(bookies).PULSAR_MEM).toBe('-Xms1370m -Xmx1370m -XX:MaxDirectMemorySize=1370m');
    const s = provisionScriptOf(job(out, 'events-provision'));
    expect(s).toContain('tenants create \'acme\' --allowed-clusters \'eu-1\'');
    expect(s).toContain('--threshold 512M');
    expect(s).toContain('--bookkeeper-ensemble 4 --bookkeeper-write-quorum 2 --bookkeeper-ack-quorum 2');
    expect(script(container(job(out, 'events-cluster-init')))).toContain('--cluster \'eu-1\'');
  });

  test('a change of the init commands renames the Jobs; consumer groups rename only the provisioning Job', () => {
    const a = build(arch.Profile.PRODUCTION);
    const b = build(arch.Profile.PRODUCTION, { clusterName: 'eu-1' });
    expect(job(a, 'events-bookkeeper-init').metadata.name).toBe(job(b, 'events-bookkeeper-init').metadata.name);
    expect(job(a, 'events-cluster-init').metadata.name).not.toBe(job(b, 'events-cluster-init').metadata.name);
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.pulsar(), topics: TOPICS });
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 }).uses(mq.topic('order-created').producer());
    const c = synthApp(app);
    expect(job(c, 'events-cluster-init').metadata.name).toBe(job(a, 'events-cluster-init').metadata.name);
    expect(job(c, 'events-provision').metadata.name).not.toBe(job(a, 'events-provision').metadata.name);
    expect(provisionScriptOf(job(c, 'events-provision'))).not.toContain('create-subscription');
  });
});

describe('development: one standalone member', () => {
  let out: SynthResult;
  let standalone: K8sObject;
  beforeAll(() => {
    out = build(arch.Profile.DEVELOPMENT);
    standalone = one(out.objects, 'StatefulSet', 'events', NS);
  });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('pulsar standalone advertising its stable name, 1/1/1 replication, data on an emptyDir', () => {
    expect(find(out.objects, 'StatefulSet', undefined, NS)).toHaveLength(1);
    expect(find(out.objects, 'Deployment', undefined, NS)).toHaveLength(0);
    expect(standalone.spec.replicas).toBe(1);
    const s = script(container(standalone));
    expect(s).toContain('bin/apply-config-from-env.py conf/standalone.conf');
    expect(s).toContain('echo OK > /pulsar/logs/status');
    expect(s.trim().endsWith(`exec bin/pulsar standalone --advertised-address '${DEV_HOST}' --no-functions-worker --no-stream-storage`)).toBe(true);
    const env = envOf(standalone);
    expect(quorums(env))
      .toEqual(['1', '1', '1']);
    expect(env.PULSAR_PREFIX_clusterName).toBe('events');
    expect(env.PULSAR_PREFIX_advertisedAddress).toBe(DEV_HOST);
    expect(env.PULSAR_MEM).toBe('-Xms457m -Xmx457m -XX:MaxDirectMemorySize=457m');
    expect(standalone.spec.volumeClaimTemplates).toBeUndefined();
    expect(standalone.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '8Gi' } });
    expect(container(standalone).volumeMounts).toContainEqual({ name: 'data', mountPath: '/pulsar/data' });
    expect(container(standalone).readinessProbe.httpGet.path).toBe('/status.html');
    expect(container(standalone).livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(find(out.objects, 'PodDisruptionBudget', undefined, NS)).toHaveLength(0);
  });

  test('no init Jobs; the provisioning Job talks to the standalone member', () => {
    expect(find(out.objects, 'Job', undefined, NS).map((j) => j.metadata.name.replace(/-[0-9a-f]{10}$/, ''))).toEqual(['events-provision']);
    const j = job(out, 'events-provision');
    expect(envOf(j).ADMIN_URL).toBe(`http://events.${NS}.svc.${DOMAIN}:8080`);
    const s = provisionScriptOf(j);
    // development topics have one partition unless declared otherwise
    expect(s).toContain('topics create \'persistent://shop/events/customer-state\'');
    expect(s).toContain('partitioned \'persistent://shop/events/order-created\' 6');
    expect(s).not.toContain('set-persistence');
    const sel = selectorOf(out, 'StatefulSet', 'events');
    expect(policy(out, 'events').spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: jobSelector(j) } }], ports: tcp(8080) });
    expect(policy(out, 'events-provision').spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: sel } }], ports: tcp(8080) });
  });

  test('consumers connect to the standalone member on 6650 only', () => {
    const billing = envOf(one(out.objects, 'Deployment', 'billing', 'shop'));
    expect(billing.EVENTS_ADDRESS).toBe(DEV_URL);
    expect(billing.EVENTS_SERVICE_URL).toBe(DEV_URL);
    expect(billing.EVENTS_ORDER_CREATED_SUBSCRIPTION).toBe('billing');
    const ingress = policy(out, 'events').spec.ingress;
    const fromBilling = ingress.filter((r: any) => r.from?.some((p: any) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'shop'
      && p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'billing'));
    expect(fromBilling).toHaveLength(1);
    expect(fromBilling[0].ports).toEqual(tcp(6650));
  });
});

describe('token authentication (the default)', () => {
  let out: SynthResult;
  beforeAll(() => {
    out = build(arch.Profile.PRODUCTION);
  });
  const KEY_VOLUME = { name: 'token-key', secret: { secretName: 'events-token-key', items: [{ key: 'secret.key', path: 'secret.key' }], defaultMode: 0o440 } };
  const TOKEN_VOLUME = { name: 'tokens', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } };
  const annotations = (o: K8sObject) => o.spec.template.metadata.annotations ?? {};
  /** The start script's signing line comes before apply-config-from-env.py and writes the role's token file. */
  const expectSigns = (w: K8sObject, role: string) => {
    const s = script(container(w));
    // the Python program is single-quoted and spans lines
    const m = /^\(umask 077 && python3 -c '([^']*)' '([a-z]+)' > \/pulsar\/tokens\/([a-z]+)\)$/m.exec(s);
    expect(m).not.toBeNull();
    expect([m![2], m![3]]).toEqual([role, role]);
    expect(s.indexOf(m![0])).toBeLessThan(s.indexOf('bin/apply-config-from-env.py'));
    // the key's path, and the refusal of a short key, are in the program
    expect(m![1]).toContain('open("/pulsar/token-key/secret.key", "rb")');
    expect(m![1]).toContain('if len(KEY) < 32:');
  };

  test('brokers verify tokens with the key file, authorize, trust the proxies\' role, and sign their own token', () => {
    const brokers = one(out.objects, 'StatefulSet', 'events-broker', NS);
    const env = envOf(brokers);
    expect(env).toMatchObject({
      PULSAR_PREFIX_authenticationEnabled: 'true',
      PULSAR_PREFIX_authenticationProviders: 'org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
      PULSAR_PREFIX_tokenSecretKey: 'file:///pulsar/token-key/secret.key',
      PULSAR_PREFIX_authorizationEnabled: 'true',
      PULSAR_PREFIX_superUserRoles: 'admin,broker,proxy',
      PULSAR_PREFIX_proxyRoles: 'proxy',
      PULSAR_PREFIX_brokerClientAuthenticationPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
      PULSAR_PREFIX_brokerClientAuthenticationParameters: 'file:///pulsar/tokens/broker',
    });
    expectSigns(brokers, 'broker');
    expect(brokers.spec.template.spec.volumes).toEqual(expect.arrayContaining([KEY_VOLUME, TOKEN_VOLUME]));
    expect(annotations(brokers)['cdk8s-architect.dev/external-secrets']).toBe('events-token-key');
    // /status.html is served without authentication (VipStatus is registered unauthenticated): the probes stay as they are
    expect(container(brokers).readinessProbe.httpGet.path).toBe('/status.html');
  });

  test('proxies authenticate clients and forward their credentials; only the brokers authorize', () => {
    const proxies = one(out.objects, 'Deployment', 'events-proxy', NS);
    const env = envOf(proxies);
    expect(env).toMatchObject({
      PULSAR_PREFIX_authenticationEnabled: 'true',
      PULSAR_PREFIX_authenticationProviders: 'org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
      PULSAR_PREFIX_tokenSecretKey: 'file:///pulsar/token-key/secret.key',
      PULSAR_PREFIX_forwardAuthorizationCredentials: 'true',
      PULSAR_PREFIX_brokerClientAuthenticationPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
      PULSAR_PREFIX_brokerClientAuthenticationParameters: 'file:///pulsar/tokens/proxy',
    });
    expect(env.PULSAR_PREFIX_authorizationEnabled).toBeUndefined();
    expect(env.PULSAR_PREFIX_superUserRoles).toBeUndefined();
    expectSigns(proxies, 'proxy');
    expect(proxies.spec.template.spec.volumes).toEqual(expect.arrayContaining([KEY_VOLUME, TOKEN_VOLUME]));
    expect(annotations(proxies)['cdk8s-architect.dev/external-secrets']).toBe('events-token-key');
  });

  test('ZooKeeper, the bookies and the init Jobs never see the key', () => {
    for (const w of [one(out.objects, 'StatefulSet', 'events-zookeeper', NS), one(out.objects, 'StatefulSet', 'events-bookie', NS),
      job(out, 'events-bookkeeper-init'), job(out, 'events-cluster-init')]) {
      expect(JSON.stringify(w)).not.toContain('token');
    }
  });

  test('the provisioning pod: an init container signs the admin token and writes each service\'s token Secret, and may write only those', () => {
    const j = job(out, 'events-provision');
    const spec = j.spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['tokens']);
    const tokens = spec.initContainers[0];
    expect(tokens.command).toEqual(['python3', '-c']);
    expect(tokens.volumeMounts).toEqual([{ name: 'token-key', mountPath: '/pulsar/token-key', readOnly: true }, { name: 'tokens', mountPath: '/pulsar/tokens' }]);
    // pulsar-admin gets the signed admin token, not the key
    expect(container(j).volumeMounts).toContainEqual({ name: 'tokens', mountPath: '/pulsar/tokens' });
    expect(container(j).volumeMounts.map((m: any) => m.name)).not.toContain('token-key');
    const written = ['billing', 'orders', 'shipping'].map((svc) => `shop/${svc}-events-pulsar`);
    expect(annotations(j)).toEqual({ 'cdk8s-architect.dev/external-secrets': 'events-token-key', 'cdk8s-architect.dev/writes-secrets': written.join(',') });
    const py: string = tokens.args[0];
    expect(py).toContain('SECRETS = [{"namespace":"shop","name":"billing-events-pulsar","role":"shop.billing"},'
      + '{"namespace":"shop","name":"orders-events-pulsar","role":"shop.orders"},{"namespace":"shop","name":"shipping-events-pulsar","role":"shop.shipping"}]');
    // RBAC: create Secrets in the services' namespace, read and update exactly theirs
    const role = one(out.objects, 'Role', 'events-pulsar-tokens', 'shop');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['billing-events-pulsar', 'orders-events-pulsar', 'shipping-events-pulsar'], verbs: ['get', 'update'] },
    ]);
    expect(one(out.objects, 'RoleBinding', 'events-pulsar-tokens', 'shop').subjects).toEqual([{ kind: 'ServiceAccount', name: 'events-provision', namespace: NS }]);
    expect(find(out.objects, 'Role', 'events-pulsar-tokens')).toHaveLength(1);
    const api = one(out.objects, 'NetworkPolicy', 'events-provision-kubernetes-api', NS);
    expect(api.spec.podSelector.matchLabels).toEqual(jobSelector(j));
    expect(api.spec.egress).toEqual([{ ports: tcp(443, 6443) }]);
  });

  test('grants: each role the actions of its bindings on each topic, each subscription only its consumer group\'s roles', () => {
    const s = provisionScriptOf(job(out, 'events-provision'));
    const t = '\'persistent://shop/events/order-created\'';
    const grants = s.split('\n').filter((l) => l.startsWith('admin topics grant-permission'));
    expect(grants).toEqual([
      `admin topics grant-permission ${t} --role 'shop.billing' --actions consume`,
      `admin topics grant-permission ${t} --role 'shop.orders' --actions produce`,
      `admin topics grant-permission ${t} --role 'shop.shipping' --actions consume`,
    ]);
    expect(s.split('\n').filter((l) => l.startsWith('admin namespaces grant-subscription-permission'))).toEqual([
      'admin namespaces grant-subscription-permission \'shop/events\' --subscription \'billing\' --roles \'shop.billing\'',
      'admin namespaces grant-subscription-permission \'shop/events\' --subscription \'shipping\' --roles \'shop.shipping\'',
    ]);
    // grants follow the topics and subscriptions they are about
    expect(s.indexOf('grant-permission')).toBeGreaterThan(s.indexOf('create-subscription'));

    // a service that produces and consumes one topic, in two groups of two services
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.pulsar(), topics: [{ name: 'a' }, { name: 'b' }] });
    const relay = new arch.Microservice(shop, 'relay', { image: 'ghcr.io/acme/relay:1.0.0', port: 8080 });
    for (const role of [mq.topic('a').consumer('relay'), mq.topic('a').producer(), mq.topic('b').producer()]) relay.uses(role);
    const audit = new arch.Microservice(shop, 'audit', { image: 'ghcr.io/acme/audit:1.0.0', port: 8080, context: 'audit' });
    for (const role of [mq.topic('a').consumer('relay'), mq.topic('b').consumer('audit')]) audit.uses(role);
    const two = synthApp(app);
    const s2 = provisionScriptOf(job(two, 'events-provision'));
    expect(s2).toContain('admin topics grant-permission \'persistent://shop/events/a\' --role \'shop.relay\' --actions consume,produce');
    expect(s2).toContain('admin topics grant-permission \'persistent://shop/events/a\' --role \'audit.audit\' --actions consume');
    expect(s2).toContain('admin topics grant-permission \'persistent://shop/events/b\' --role \'shop.relay\' --actions produce');
    expect(s2).toContain('--subscription \'relay\' --roles \'audit.audit,shop.relay\'');
    expect(s2).toContain('--subscription \'audit\' --roles \'audit.audit\'');
    // one Role per namespace the Job writes into
    expect(find(two.objects, 'Role', 'events-pulsar-tokens').map((r) => r.metadata.namespace).sort()).toEqual(['audit', 'shop']);
  });

  test('services mount their own token Secret (a file, never an env var) and get the client settings', () => {
    const billing = one(out.objects, 'Deployment', 'billing', 'shop');
    const env = envOf(billing);
    expect(env).toMatchObject({
      EVENTS_AUTH_PLUGIN: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
      EVENTS_AUTH_PARAMS: 'file:///etc/pulsar-client/events/token',
      EVENTS_TOKEN_FILE: '/etc/pulsar-client/events/token',
      EVENTS_ROLE: 'shop.billing',
    });
    const spec = billing.spec.template.spec;
    const volume = spec.volumes.find((v: any) => v.secret?.secretName === 'billing-events-pulsar');
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: volume.name, mountPath: '/etc/pulsar-client/events', readOnly: true });
    expect(annotations(billing)['cdk8s-architect.dev/provisioned-secrets']).toBe('billing-events-pulsar');
    expect(annotations(billing)['cdk8s-architect.dev/external-secrets']).toBeUndefined();
    expect(JSON.stringify(spec.containers[0].env)).not.toContain('secretKeyRef');
  });

  test('the provisioning reruns hourly as a CronJob with the Job\'s pod; "" for none', () => {
    const cron = one(out.objects, 'CronJob', 'events-provision', NS);
    expect(cron.spec.schedule).toBe('41 * * * *');
    expect(cron.spec.jobTemplate.spec.template).toEqual(job(out, 'events-provision').spec.template);
    expect(find(build(arch.Profile.PRODUCTION, { reprovisionSchedule: '*/30 * * * *' }).objects, 'CronJob', 'events-provision', NS)[0].spec.schedule).toBe('*/30 * * * *');
    expect(find(build(arch.Profile.PRODUCTION, { reprovisionSchedule: '', authentication: false }).objects, 'CronJob', undefined, NS)).toHaveLength(0);
  });

  test('service tokens expire after tokenLifetime and are renewed at half of it by the same script', () => {
    const tokenScript = (o: arch.PulsarOptions = {}) => job(build(arch.Profile.PRODUCTION, o), 'events-provision').spec.template.spec.initContainers[0].args[0];
    expect(tokenScript()).toContain('\nLIFETIME = 604800\n');
    expect(tokenScript()).toContain('sign(s["role"], NOW + LIFETIME)');
    expect(tokenScript()).toContain('if left > LIFETIME // 2 and ');
    expect(tokenScript({ tokenLifetime: Duration.hours(36) })).toContain('\nLIFETIME = 129600\n');
  });

  test('the development standalone member authenticates and authorizes like the brokers', () => {
    const dev = build(arch.Profile.DEVELOPMENT);
    expect(checkAll(dev.objects)).toEqual([]);
    const standalone = one(dev.objects, 'StatefulSet', 'events', NS);
    expect(envOf(standalone)).toMatchObject({
      PULSAR_PREFIX_authenticationEnabled: 'true',
      PULSAR_PREFIX_authorizationEnabled: 'true',
      PULSAR_PREFIX_tokenSecretKey: 'file:///pulsar/token-key/secret.key',
      PULSAR_PREFIX_superUserRoles: 'admin,broker,proxy',
      PULSAR_PREFIX_brokerClientAuthenticationParameters: 'file:///pulsar/tokens/broker',
    });
    expectSigns(standalone, 'broker');
    expect(envOf(one(dev.objects, 'Deployment', 'billing', 'shop')).EVENTS_AUTH_PARAMS).toBe('file:///etc/pulsar-client/events/token');
    expect(provisionScriptOf(job(dev, 'events-provision'))).toContain(ADMIN_AUTH);
  });

  test('authentication: false serves every client without a token: no key, no tokens, no grants', () => {
    const open = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(checkAll(open.objects)).toEqual([]);
    const all = JSON.stringify(open.objects);
    for (const word of ['token-key', 'tokens', 'authenticationEnabled', 'grant-permission', 'AUTH_PARAMS', 'pulsar-tokens', 'kubernetes-api']) expect(all).not.toContain(word);
    expect(job(open, 'events-provision').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('bad inputs fail at synth', () => {
    expect(synthError(arch.Profile.PRODUCTION, { authentication: 'yes' as any })).toMatch(/authentication "yes" is not a boolean/);
    expect(synthError(arch.Profile.PRODUCTION, { authentication: false, tokenKeySecret: 'k' })).toMatch(/tokenKeySecret is set but authentication is false.*remove tokenKeySecret/);
    expect(synthError(arch.Profile.PRODUCTION, { authentication: false, kubernetesApiCidr: '10.0.0.1/32' })).toMatch(/kubernetesApiCidr is set but authentication is false/);
    expect(synthError(arch.Profile.PRODUCTION, { tokenKeySecret: 'Key_Secret' })).toMatch(/shop\/events.*tokenKeySecret "Key_Secret" is not a valid DNS-1123 label/);
    expect(synthError(arch.Profile.PRODUCTION, { kubernetesApiCidr: '10.0.0.300/32' })).toMatch(/kubernetesApiCidr "10.0.0.300\/32" is not an IPv4 CIDR/);
    expect(synthError(arch.Profile.PRODUCTION, { reprovisionSchedule: 'hourly' })).toMatch(/reprovisionSchedule "hourly" is not a 5-field cron expression/);
    // tokens expire: something must renew them
    expect(synthError(arch.Profile.PRODUCTION, { reprovisionSchedule: '' })).toMatch(/reprovisionSchedule "" leaves the services' tokens to expire.*keep a schedule/);
    expect(synthError(arch.Profile.PRODUCTION, { tokenLifetime: Duration.minutes(90) })).toMatch(/tokenLifetime of 5400 s is not a whole number of hours from 1 to 365 days/);
    expect(synthError(arch.Profile.PRODUCTION, { tokenLifetime: Duration.days(400) })).toMatch(/tokenLifetime of 34560000 s/);
    expect(synthError(arch.Profile.PRODUCTION, { tokenLifetime: Duration.seconds(86_401) })).toMatch(/tokenLifetime of 86401 s/);
    expect(synthError(arch.Profile.PRODUCTION, { authentication: false, tokenLifetime: Duration.days(1) })).toMatch(/tokenLifetime is set but authentication is false/);
    // the service's token Secret name must fit
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    const mq = new arch.MessageQueue(shop, 'order-events-stream', { engine: arch.MessageQueueEngine.pulsar(), topics: [{ name: 'a' }] });
    const printer = new arch.Microservice(shop, 'fulfilment-and-shipping-label-printer', { image: 'ghcr.io/acme/x:1.0.0', port: 8080 });
    expect(() => printer.uses(mq.topic('a').producer())).toThrow(
      /shop\/fulfilment-and-shipping-label-printer.*the Pulsar token Secret "fulfilment-and-shipping-label-printer-order-events-stream-pulsar" of .* has 64 characters/);
  });
});

describe('memory: what a 2 GiB container holds besides heap and direct memory', () => {
  /**
   * Read from the manifests and BookKeeper's own defaults (KeyValueStorageRocksDB: 4 memtables of
   * dbStorage_rocksDB_writeBufferSizeMB, default 64; a block cache of dbStorage_rocksDB_blockCacheSize,
   * default 10 % of direct memory; plus the small ledger-metadata index): the JVM's own memory
   * (metaspace, code cache, threads, GC structures, malloc arenas) must keep at least 512 MiB plus 10 %
   * of the limit. The previous split (35 % heap, 35 % direct) left 614 MiB at 2 GiB, and a bookie's
   * default RocksDB then took up to 256 MiB of memtables and 72 MiB of block cache out of it.
   */
  const budget = (sts: any, bookie: boolean) => {
    const c = sts.spec.template.spec.containers[0];
    const limit = Number(/^([0-9]+)Mi$/.exec(c.resources.limits.memory)![1]);
    const env = envOf(sts);
    const mem = /^-Xms([0-9]+)m -Xmx([0-9]+)m -XX:MaxDirectMemorySize=([0-9]+)m$/.exec(env.PULSAR_MEM)!;
    const [heap, direct] = [Number(mem[2]), Number(mem[3])];
    expect(Number(mem[1])).toBe(heap);
    const blockCache = env.PULSAR_PREFIX_dbStorage_rocksDB_blockCacheSize !== undefined
      ? Number(env.PULSAR_PREFIX_dbStorage_rocksDB_blockCacheSize) / 1024 / 1024 : direct / 10;
    const memtables = 4 * Number(env.PULSAR_PREFIX_dbStorage_rocksDB_writeBufferSizeMB ?? 64);
    const rocksDb = bookie ? blockCache + memtables + 64 : 0;
    return { limit, heap, direct, rest: limit - heap - direct - rocksDb };
  };
  const cases: Array<[string, arch.Profile, arch.PulsarOptions, string, boolean]> = [
    ['production bookies', arch.Profile.PRODUCTION, {}, 'events-bookie', true],
    ['production brokers', arch.Profile.PRODUCTION, {}, 'events-broker', false],
    ['development standalone (its bookie on the defaults)', arch.Profile.DEVELOPMENT, {}, 'events', true],
    ['larger bookies', arch.Profile.PRODUCTION, { bookkeeper: { resources: { memoryRequestMebibytes: 8192, memoryLimitMebibytes: 8192 } } }, 'events-bookie', true],
    ['larger brokers', arch.Profile.PRODUCTION, { brokers: { resources: { memoryRequestMebibytes: 6144, memoryLimitMebibytes: 6144 } } }, 'events-broker', false],
    ['the least brokers', arch.Profile.PRODUCTION, { brokers: { resources: { memoryRequestMebibytes: 1280, memoryLimitMebibytes: 1280 } } }, 'events-broker', false],
  ];
  for (const [what, profile, options, name, bookie] of cases) {
    test(what, () => {
      const b = budget(one(build(profile, options).objects, 'StatefulSet', name, NS), bookie);
      expect(b.rest).toBeGreaterThanOrEqual(512 + b.limit / 10);
      expect(b.heap).toBeGreaterThanOrEqual(256);
      expect(b.direct).toBeGreaterThanOrEqual(256);
      if (b.limit === 2048) expect(b.rest).toBeGreaterThanOrEqual(700);
    });
  }
});

describe('helpers', () => {
  test('pulsar-admin durations use the largest exact unit', () => {
    expect(pulsarRelativeTime(7 * 86400_000)).toBe('7d');
    expect(pulsarRelativeTime(36 * 3600_000)).toBe('36h');
    expect(pulsarRelativeTime(90_000)).toBe('90s');
    expect(pulsarRelativeTime(120_000)).toBe('2m');
    expect(pulsarRelativeTime(60_500)).toBe('61s');
  });

  test('names are single-quoted for sh', () => {
    const s = pulsarProvisionScript({ cluster: 'c', tenant: 't', namespace: 'n', retention: '7d', topics: [{ name: 'persistent://t/n/x', partitions: 1, subscriptions: ['it\'s'] }] });
    expect(s).toContain('--subscription \'it\'\\\'\'s\'');
  });
});

describe('validation', () => {
  const P = arch.Profile.PRODUCTION;
  const D = arch.Profile.DEVELOPMENT;
  const expectError = (message: string, ...parts: string[]) => {
    expect(message).toContain('[shop/events]');
    expect(message).toContain('Fix:');
    for (const p of parts) expect(message).toContain(p);
  };

  test('an even ZooKeeper ensemble', () => {
    expectError(synthError(P, { zookeeper: { members: 4 } }), 'zookeeper members 4 is even');
  });

  test('ackQuorum above writeQuorum', () => {
    expectError(synthError(P, { writeQuorum: 2, ackQuorum: 3 }), 'ackQuorum 3 exceeds writeQuorum 2');
  });

  test('writeQuorum above ensembleSize', () => {
    expectError(synthError(P, { ensembleSize: 2, writeQuorum: 3 }), 'writeQuorum 3 exceeds ensembleSize 2');
  });

  test('ensembleSize above the bookies', () => {
    expectError(synthError(P, { bookkeeper: { bookies: 3 }, ensembleSize: 4, writeQuorum: 3 }), 'ensembleSize 4 exceeds the 3 bookies', 'raise bookkeeper.bookies');
    // checked against the production topology in development too (the declaration must hold in production)
    expectError(synthError(D, { ensembleSize: 5, writeQuorum: 3 }), 'ensembleSize 5 exceeds the 4 bookies');
  });

  test('smaller defaults follow fewer bookies', () => {
    const out = build(P, { bookkeeper: { bookies: 2 } });
    expect(checkAll(out.objects)).toEqual([]);
    const env = envOf(one(out.objects, 'StatefulSet', 'events-broker', NS));
    expect(quorums(env))
      .toEqual(['2', '2', '2']);
  });

  test('a topic replication factor above the bookies', () => {
    expectError(synthError(P, {}, [{ name: 'orders', replicationFactor: 5 }]), 'topic "orders" replicationFactor 5 exceeds the 4 bookies');
    expectError(synthError(D, { bookkeeper: { bookies: 2 } }, [{ name: 'orders', replicationFactor: 3 }]), 'replicationFactor 3 exceeds the 2 bookies');
  });

  test('tenant, namespace and cluster names', () => {
    expectError(synthError(P, { tenant: 'acme/eu' }), 'tenant "acme/eu" is not a valid Pulsar name');
    expectError(synthError(P, { namespace: 'orders events' }), 'namespace "orders events" is not a valid Pulsar name');
    expectError(synthError(P, { clusterName: 'eu#1' }), 'clusterName "eu#1" is not a valid Pulsar name');
    expectError(synthError(P, { clusterName: 'global' }), 'clusterName "global" is reserved');
  });

  test('topic names', () => {
    expectError(synthError(D, {}, [{ name: 'orders/eu' }]), 'topic "orders/eu" is not a valid Pulsar topic name');
    expectError(synthError(D, {}, [{ name: 'orders-partition-1' }]), 'topic "orders-partition-1" contains "-partition-"');
  });

  test('generated names must stay DNS labels', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: P });
    const long = 'e'.repeat(40);
    const message = (() => {
      try {
        new arch.MessageQueue(shop, long, { engine: arch.MessageQueueEngine.pulsar() });
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected a synth error');
    })();
    expect(message).toContain(`[shop/${long}] generated object name "${long}-bookkeeper-init-xxxxxxxxxx" is not a valid DNS-1123 label`);
    expect(message).toContain('Fix:');
  });

  test('the image must be pinned', () => {
    expectError(synthError(D, { image: 'apachepulsar/pulsar' }), 'image "apachepulsar/pulsar" has no tag');
  });

  test('sizes and resources', () => {
    expectError(synthError(P, { brokers: { replicas: 0 } }), 'brokers.replicas 0 is out of range');
    expectError(synthError(P, { proxies: { replicas: 100 } }), 'proxies.replicas 100 is out of range');
    expectError(synthError(P, { bookkeeper: { bookies: 0 } }), 'bookkeeper.bookies 0 is out of range');
    expectError(synthError(P, { bookkeeper: { storageGibibytes: 0 } }), 'bookkeeper.storageGibibytes 0 is out of range');
    expectError(synthError(P, { brokers: { resources: { memoryRequestMebibytes: 256, memoryLimitMebibytes: 384 } } }), 'brokers.resources.memoryLimitMebibytes 384 is too small');
    expectError(synthError(D, { standalone: { resources: { memoryRequestMebibytes: 512, memoryLimitMebibytes: 768 } } }), 'standalone.resources.memoryLimitMebibytes 768 is too small');
    // the least limits that leave heap and direct memory 256 MiB each after the JVM's own memory (and RocksDB)
    expectError(synthError(P, { brokers: { resources: { memoryRequestMebibytes: 1152, memoryLimitMebibytes: 1152 } } }), 'give it at least 1280 MiB');
    expectError(synthError(P, { bookkeeper: { resources: { memoryRequestMebibytes: 1280, memoryLimitMebibytes: 1280 } } }), 'give it at least 1408 MiB');
    expectError(synthError(D, { standalone: { resources: { memoryRequestMebibytes: 1536, memoryLimitMebibytes: 1536 } } }), 'give it at least 1664 MiB');
    expectError(synthError(P, { compactionThresholdMebibytes: 0 }), 'compactionThresholdMebibytes 0 is out of range');
    expectError(synthError(P, { storageClassName: 'Fast_SSD' }), 'storageClassName "Fast_SSD" is not a valid StorageClass name');
  });
});
