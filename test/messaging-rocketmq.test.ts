import { execFileSync, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { java8GcLogBytes, logbackBoundBytes, parseLogback, quantityBytes } from './harness/logback';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';
import { renderBrokerConf, renderControllerConf, rocketMqTopicsScript, supervisedScript } from '../src/messaging/rocketmq';

/**
 * RocketMQ 5.x in both profiles: a queue "events" (namespace "events") with topics "orders" and
 * "payments", produced to by "orders" (namespace "ordering") and consumed by "billing" and
 * "shipping" in their own consumer groups. The start and topics scripts are run for real against
 * stand-ins of the image's scripts.
 */

const NS = 'events';
const ns = (i: number) => `events-namesrv-${i}.events-namesrv-headless.events.svc.cluster.local:9876`;

interface Built {
  readonly out: SynthResult;
  readonly mq: arch.MessageQueue;
}

const TOPICS: arch.TopicOptions[] = [
  { name: 'orders' },
  { name: 'payments', partitions: 6, replicationFactor: 1, retention: Duration.days(14) },
];

function build(profile: arch.Profile, options: arch.RocketMqOptions = {}, topics: arch.TopicOptions[] = TOPICS,
  wire: (mq: arch.MessageQueue, shop: arch.BackendArchitecture) => void = defaultWiring): Built {
  const app = newTestApp();
  // the topic "payments" has a single copy to test the setting: the lint's node-loss error is accepted here
  const shop = new arch.BackendArchitecture(app, 'shop', {
    profile,
    lint: {
      suppressions: profile === arch.Profile.PRODUCTION && topics.some((t) => t.replicationFactor === 1)
        ? [{ rule: arch.LintRule.NODE_LOSS, path: 'shop/events', reason: 'the fixture tests a single-copy topic setting' }] : [],
    },
  });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.rocketmq(options), topics });
  wire(mq, shop);
  return { out: synthApp(app), mq };
}

function defaultWiringFor(mq: arch.MessageQueue, shop: arch.BackendArchitecture): void {
  defaultWiring(mq, shop);
}

function defaultWiring(mq: arch.MessageQueue, shop: arch.BackendArchitecture): void {
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(mq.topic('orders').producer());
  const billing = new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.0', context: 'billing' });
  billing.uses(mq.topic('orders').consumer('billing'));
  const shipping = new arch.Microservice(shop, 'shipping', { image: 'ghcr.io/acme/shipping:3.1.0', context: 'shipping' });
  shipping.uses(mq.topic('orders').consumer('shipping'));
}

const sts = (b: Built, n: string) => one(b.out.objects, 'StatefulSet', n, NS);
const controllerConfOf = (b: Built): string => one(b.out.objects, 'ConfigMap', 'events-controller-config', NS).data['controller.conf'];
const container = (b: Built, n: string) => sts(b, n).spec.template.spec.containers[0];
const brokerConf = (b: Built, group: string, ordinal: number): string => one(b.out.objects, 'ConfigMap', `events-broker-${group}-config`, NS).data[`broker-${ordinal}.conf`];
const job = (b: Built): K8sObject => {
  const jobs = find(b.out.objects, 'Job', undefined, NS);
  expect(jobs).toHaveLength(1);
  return jobs[0];
};
const jobScript = (b: Built): string => job(b).spec.template.spec.containers[0].args[0];

/** Java properties as ordered [key, value] pairs (no continuation lines). */
function properties(text: string): Array<[string, string]> {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), l.slice(eq + 1)];
  });
}
const props = (text: string) => Object.fromEntries(properties(text));

function scratchDir(): string {
  return tmpDir('rocketmq-test-');
}

let prod: Built;
let classic: Built;
let dev: Built;
beforeAll(() => {
  prod = build(arch.Profile.PRODUCTION);
  // classic master/slave: ordinal 0 is the master for good
  classic = build(arch.Profile.PRODUCTION, { failover: arch.RocketMqFailover.NONE });
  dev = build(arch.Profile.DEVELOPMENT);
});

test('both profiles pass every invariant', () => {
  expect(checkAll(prod.out.objects)).toEqual([]);
  expect(checkAll(classic.out.objects)).toEqual([]);
  expect(checkAll(dev.out.objects)).toEqual([]);
});

describe('topology', () => {
  test('production: 2 NameServers, 3 controllers and 2 groups of a master and a slave, on claims, with budgets', () => {
    expect(sts(prod, 'events-namesrv').spec.replicas).toBe(2);
    expect(find(prod.out.objects, 'StatefulSet', undefined, NS).map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
      ['events-namesrv', 2], ['events-controller', 3], ['events-broker-a', 2], ['events-broker-b', 2],
    ]);
    for (const g of ['a', 'b']) {
      const s = sts(prod, `events-broker-${g}`);
      expect(s.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['store', '32Gi']]);
      expect(s.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    }
    // not quorums: at most one NameServer, and one broker of each group, down at a time
    for (const n of ['events-namesrv', 'events-broker-a', 'events-broker-b']) {
      const pdb = one(prod.out.objects, 'PodDisruptionBudget', n, NS);
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: sts(prod, n).spec.selector.matchLabels } });
      expect(pdb.spec.minAvailable).toBeUndefined();
    }
    // every group has its own selector (the budget of one group never counts the other's pods)
    expect(sts(prod, 'events-broker-a').spec.selector.matchLabels['app.kubernetes.io/instance']).toBe('shop-events-broker-a');
    expect(sts(prod, 'events-broker-b').spec.selector.matchLabels['app.kubernetes.io/instance']).toBe('shop-events-broker-b');
  });

  test('development: one NameServer and one master on an emptyDir, no budgets', () => {
    expect(find(dev.out.objects, 'StatefulSet', undefined, NS).map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
      ['events-namesrv', 1], ['events-broker-a', 1],
    ]);
    expect(sts(dev, 'events-broker-a').spec.volumeClaimTemplates).toBeUndefined();
    expect(sts(dev, 'events-broker-a').spec.template.spec.volumes).toContainEqual({ name: 'store', emptyDir: { sizeLimit: '4Gi' } });
    expect(find(dev.out.objects, 'PodDisruptionBudget', undefined, NS)).toEqual([]);
  });

  test('options size the cluster', () => {
    const b = build(arch.Profile.PRODUCTION, { nameServers: 3, brokerGroups: 3, replicasPerGroup: 3, storageGibibytes: 100, storageClassName: 'fast-ssd', failover: arch.RocketMqFailover.NONE });
    expect(find(b.out.objects, 'StatefulSet', undefined, NS).map((s) => [s.metadata.name, s.spec.replicas])).toEqual([
      ['events-namesrv', 3], ['events-broker-a', 3], ['events-broker-b', 3], ['events-broker-c', 3],
    ]);
    expect(sts(b, 'events-broker-c').spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '100Gi' } } });
    // the controllers' Raft logs go to the same StorageClass (a cluster without a default one would leave them pending)
    const withControllers = build(arch.Profile.PRODUCTION, { storageClassName: 'fast-ssd' });
    expect(sts(withControllers, 'events-controller').spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '2Gi' } } });
    expect(sts(prod, 'events-controller').spec.volumeClaimTemplates[0].spec.storageClassName).toBeUndefined();
    expect(props(brokerConf(b, 'c', 2))).toMatchObject({ brokerName: 'events-broker-c', brokerId: '2', brokerRole: 'SLAVE', totalReplicas: '3' });
    expect(props(brokerConf(b, 'a', 0)).namesrvAddr).toBe([0, 1, 2].map(ns).join(';'));
  });

  test('ports: 9876 on NameServers; 10911 for clients and 10912 (HA) between the brokers of a group only', () => {
    expect(container(prod, 'events-namesrv').ports).toEqual([{ name: 'remoting', containerPort: 9876 }]);
    expect(container(prod, 'events-broker-a').ports).toEqual([
      { name: 'remoting', containerPort: 10911 }, { name: 'ha', containerPort: 10912 }, { name: 'metrics', containerPort: 5557 },
    ]);
    expect(one(prod.out.objects, 'Service', 'events-broker-a', NS).spec.ports.map((p: any) => p.port)).toEqual([10911]);
    const headless = one(prod.out.objects, 'Service', 'events-namesrv-headless', NS);
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const policy = one(prod.out.objects, 'NetworkPolicy', 'events-broker-a', NS);
    const self = sts(prod, 'events-broker-a').spec.selector.matchLabels;
    const peerPorts = [{ port: 5557, protocol: 'TCP' }, { port: 10911, protocol: 'TCP' }, { port: 10912, protocol: 'TCP' }];
    expect(policy.spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: self } }], ports: peerPorts });
    // brokers reach every NameServer and every controller, and nothing else outside their group
    expect(policy.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: self } }], ports: peerPorts },
      { to: [{ podSelector: { matchLabels: sts(prod, 'events-namesrv').spec.selector.matchLabels } }], ports: [{ port: 9876, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: sts(prod, 'events-controller').spec.selector.matchLabels } }], ports: [{ port: 9878, protocol: 'TCP' }] },
    ]);
  });
});

describe('metrics', () => {
  test('brokers and controllers serve RocketMQ\'s own Prometheus endpoint on 5557, annotated for scraping with their kinds; NameServers have none', () => {
    const annotations = (b: Built, n: string) => sts(b, n).spec.template.metadata.annotations;
    for (const [n, kind] of [['events-broker-a', 'rocketmq-broker'], ['events-broker-b', 'rocketmq-broker'], ['events-controller', 'rocketmq-controller']]) {
      expect(annotations(prod, n)).toMatchObject({
        'cdk8s-architect.dev/scrape': 'true',
        'cdk8s-architect.dev/scrape-job': n,
        'cdk8s-architect.dev/scrape-kind': kind,
        'cdk8s-architect.dev/scrape-path': '/metrics',
        'cdk8s-architect.dev/scrape-port': '5557',
      });
      // not a client port: only the headless Service lists it
      expect(one(prod.out.objects, 'Service', n, NS).spec.ports.map((p: any) => p.port)).not.toContain(5557);
    }
    expect(annotations(prod, 'events-namesrv')['cdk8s-architect.dev/scrape']).toBeUndefined();
    expect(annotations(classic, 'events-broker-a')['cdk8s-architect.dev/scrape-kind']).toBe('rocketmq-broker');
    expect(props(controllerConfOf(prod))).toMatchObject({ metricsExporterType: 'PROM', metricsPromExporterHost: '0.0.0.0', metricsPromExporterPort: '5557' });
    expect(props(brokerConf(classic, 'a', 1))).toMatchObject({ metricsExporterType: 'PROM', metricsPromExporterHost: '0.0.0.0', metricsPromExporterPort: '5557' });
  });

  test('with Prometheus, its scrape jobs cover brokers and controllers, their NetworkPolicies admit it, and the RocketMQ alerts are loaded', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) });
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.rocketmq(), topics: [{ name: 'orders' }] });
    defaultWiringFor(mq, shop);
    const out = synthApp(app);
    const prometheus = find(out.objects, 'StatefulSet').find((o) => o.metadata.name.endsWith('prometheus'))!;
    const promLabels = prometheus.spec.template.metadata.labels;
    for (const n of ['events-broker-a', 'events-broker-b', 'events-controller']) {
      const policy = one(out.objects, 'NetworkPolicy', n, NS);
      const rule = policy.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 5557) && r.from.some((f: any) => f.namespaceSelector));
      expect(rule).toBeDefined();
      expect(rule.from.some((f: any) => Object.entries(f.podSelector?.matchLabels ?? {}).every(([k, v]) => promLabels[k] === v))).toBe(true);
    }
    const alerts = find(out.objects, 'ConfigMap').map((c) => Object.values(c.data ?? {}).join('\n')).join('\n');
    for (const a of ['RocketMQConsumerLagGrowing', 'RocketMQDeadLetters', 'RocketMQRequestQueueBacklog', 'RocketMQControllerNoLeader', 'RocketMQNoMasterElected', 'RocketMQBrokerInactive']) {
      expect(alerts).toContain(`alert: ${a}`);
    }
    // scraped: no unscraped-component finding for the queue
    expect(checkAll(out.objects)).toEqual([]);
  });
});

describe('broker.conf without a controller (RocketMqFailover.NONE)', () => {
  test('the master of a group, every key in a fixed order', () => {
    expect(properties(brokerConf(classic, 'a', 0))).toEqual([
      ['brokerClusterName', 'events'],
      ['brokerName', 'events-broker-a'],
      ['brokerId', '0'],
      ['brokerRole', 'SYNC_MASTER'],
      ['flushDiskType', 'ASYNC_FLUSH'],
      ['namesrvAddr', `${ns(0)};${ns(1)}`],
      ['listenPort', '10911'],
      ['haListenPort', '10912'],
      ['storePathRootDir', '/home/rocketmq/store'],
      ['storePathCommitLog', '/home/rocketmq/store/commitlog'],
      // RocketMQ 5 defaults both to 1, which makes a SYNC_MASTER acknowledge without its slave
      ['totalReplicas', '2'],
      ['inSyncReplicas', '2'],
      ['autoCreateTopicEnable', 'false'],
      ['autoCreateSubscriptionGroup', 'false'],
      // without it a slave refuses every pull, also while its master is down
      ['slaveReadEnable', 'true'],
      ['deleteWhen', '04'],
      // the longest retention (payments: 14 days) in hours
      ['fileReservedTime', '336'],
      // RocketMQ 5's own Prometheus endpoint, on every interface
      ['metricsExporterType', 'PROM'],
      ['metricsPromExporterHost', '0.0.0.0'],
      ['metricsPromExporterPort', '5557'],
      // ACL 2.0 with the local metadata (the metadata providers have no default)
      ['authenticationEnabled', 'true'],
      ['authenticationProvider', 'org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider'],
      ['authenticationMetadataProvider', 'org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider'],
      ['authorizationEnabled', 'true'],
      ['authorizationProvider', 'org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider'],
      ['authorizationMetadataProvider', 'org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider'],
      // no background refresh of the users' and ACLs' caches: a refresh racing a write brings the old value back
      ['userCacheRefreshSecond', '31536000'],
      ['aclCacheRefreshSecond', '31536000'],
    ]);
    expect(props(brokerConf(build(arch.Profile.PRODUCTION, { authentication: false, failover: arch.RocketMqFailover.NONE }), 'a', 0)).authenticationEnabled).toBeUndefined();
  });

  test('slaves: brokerId is the ordinal, role SLAVE; the other group differs only in its name', () => {
    const slave = props(brokerConf(classic, 'a', 1));
    expect(slave).toMatchObject({ brokerName: 'events-broker-a', brokerId: '1', brokerRole: 'SLAVE' });
    expect(props(brokerConf(classic, 'b', 0))).toEqual({ ...props(brokerConf(classic, 'a', 0)), brokerName: 'events-broker-b' });
    expect(props(brokerConf(classic, 'b', 1))).toEqual({ ...slave, brokerName: 'events-broker-b' });
    expect(Object.keys(one(classic.out.objects, 'ConfigMap', 'events-broker-a-config', NS).data)).toEqual(['broker-0.conf', 'broker-1.conf', 'rmq.broker.logback.xml']);
  });

  test('development: a lone ASYNC_MASTER, one NameServer, the default retention without declared ones', () => {
    expect(props(brokerConf(dev, 'a', 0))).toMatchObject({
      brokerRole: 'ASYNC_MASTER', brokerId: '0', totalReplicas: '1', inSyncReplicas: '1', namesrvAddr: ns(0), fileReservedTime: '336',
    });
    const plain = build(arch.Profile.DEVELOPMENT, {}, [], () => undefined);
    expect(props(brokerConf(plain, 'a', 0)).fileReservedTime).toBe('168');
  });

  test('options and topic settings reach the file', () => {
    const b = build(arch.Profile.PRODUCTION, {
      replication: arch.RocketMqReplication.ASYNC,
      flushDiskType: arch.RocketMqFlushDiskType.SYNC_FLUSH,
      deleteHour: 2,
      failover: arch.RocketMqFailover.NONE,
    });
    expect(props(brokerConf(b, 'a', 0))).toMatchObject({ brokerRole: 'ASYNC_MASTER', flushDiskType: 'SYNC_FLUSH', deleteWhen: '02', inSyncReplicas: '1' });
    // every topic asks for one copy: the master acknowledges alone
    const single = build(arch.Profile.PRODUCTION, { failover: arch.RocketMqFailover.NONE }, [{ name: 'orders', replicationFactor: 1, retention: Duration.minutes(90) }]);
    expect(props(brokerConf(single, 'a', 0))).toMatchObject({ brokerRole: 'SYNC_MASTER', inSyncReplicas: '1', totalReplicas: '2', fileReservedTime: '2' });
    const three = build(arch.Profile.PRODUCTION, { replicasPerGroup: 3, failover: arch.RocketMqFailover.NONE }, [{ name: 'orders', replicationFactor: 2 }, { name: 'audit' }]);
    expect(props(brokerConf(three, 'a', 0))).toMatchObject({ inSyncReplicas: '3', totalReplicas: '3' });
  });

  test('renderBrokerConf is pure and is what the ConfigMap holds', () => {
    const settings = {
      clusterName: 'events',
      brokerName: 'events-broker-a',
      brokerId: 0,
      role: 'SYNC_MASTER' as const,
      flushDiskType: arch.RocketMqFlushDiskType.ASYNC_FLUSH,
      namesrvAddr: `${ns(0)};${ns(1)}`,
      totalReplicas: 2,
      inSyncReplicas: 2,
      deleteHour: 4,
      fileReservedHours: 336,
      authentication: true,
    };
    expect(renderBrokerConf(settings)).toBe(renderBrokerConf({ ...settings }));
    expect(renderBrokerConf(settings)).toBe(brokerConf(classic, 'a', 0));
    expect(renderBrokerConf(settings).endsWith('\n')).toBe(true);
  });

  test('mounted read-only; a digest of the group\'s files on the pod template rolls the group', () => {
    const c = container(prod, 'events-broker-a');
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/rocketmq', readOnly: true });
    expect(sts(prod, 'events-broker-a').spec.template.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'events-broker-a-config' } });
    const data = one(prod.out.objects, 'ConfigMap', 'events-broker-a-config', NS).data;
    const digest = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
    expect(sts(prod, 'events-broker-a').spec.template.metadata.annotations).toMatchObject({
      'cdk8s-architect.dev/config-hash': digest,
      'cdk8s-architect.dev/external-secrets': 'events-acl',
    });
    expect(sts(prod, 'events-broker-b').spec.template.metadata.annotations['cdk8s-architect.dev/config-hash']).not.toBe(digest);
  });
});

describe('controller mode (the default for groups with slaves)', () => {
  const controllerConf = (b: Built): string => one(b.out.objects, 'ConfigMap', 'events-controller-config', NS).data['controller.conf'];
  const groupConf = (b: Built, group: string): string => one(b.out.objects, 'ConfigMap', `events-broker-${group}-config`, NS).data['broker.conf'];
  const cs = (i: number) => `events-controller-${i}.events-controller-headless.events.svc.cluster.local:9878`;

  test('three controllers on volumes: a Raft quorum with a majority budget, spread like every member', () => {
    const c = sts(prod, 'events-controller');
    expect(c.spec.replicas).toBe(3);
    expect(c.spec.podManagementPolicy).toBe('Parallel');
    expect(c.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['raft', '2Gi']]);
    expect(c.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(one(prod.out.objects, 'PodDisruptionBudget', 'events-controller', NS).spec.minAvailable).toBe(2);
    expect(container(prod, 'events-controller').volumeMounts).toContainEqual({ name: 'raft', mountPath: '/home/rocketmq/controller' });
    expect(container(prod, 'events-controller').ports).toEqual([{ name: 'controller', containerPort: 9878 }, { name: 'metrics', containerPort: 5557 }]);
    // the heap follows the limit (runserver.sh would take 1 GiB)
    expect(envOf(c).JAVA_OPT_EXT).toMatch(/^-Xms256m -Xmx256m -Xmn128m -Xloggc:\/home\/rocketmq\/logs\/rmq_controller_gc\.log /);
    // classic master/slave and groups of one broker run none
    expect(find(classic.out.objects, 'StatefulSet', 'events-controller', NS)).toEqual([]);
    expect(find(dev.out.objects, 'StatefulSet', 'events-controller', NS)).toEqual([]);
    // development with slaves: one controller on an emptyDir
    const devPair = build(arch.Profile.DEVELOPMENT, { replicasPerGroup: 2 }, [{ name: 'orders' }], () => undefined);
    expect(sts(devPair, 'events-controller').spec.replicas).toBe(1);
    expect(sts(devPair, 'events-controller').spec.template.spec.volumes).toContainEqual({ name: 'raft', emptyDir: { sizeLimit: '2Gi' } });
    expect(checkAll(devPair.out.objects)).toEqual([]);
  });

  test('controller.conf: one DLedger group of the pods\' DNS names, no unclean election, no unsigned push to authenticating brokers', () => {
    expect(properties(controllerConf(prod))).toEqual([
      ['controllerType', 'DLedger'],
      ['controllerDLegerGroup', 'events-controller'],
      ['controllerDLegerPeers', [0, 1, 2].map((i) => `n${i}-${cs(i)}`).join(';')],
      ['controllerStorePath', '/home/rocketmq/controller/store'],
      ['enableElectUncleanMaster', 'false'],
      ['notifyBrokerRoleChanged', 'false'],
      ['metricsExporterType', 'PROM'],
      ['metricsPromExporterHost', '0.0.0.0'],
      ['metricsPromExporterPort', '5557'],
    ]);
    expect(renderControllerConf({ group: 'events-controller', hosts: [0, 1, 2].map((i) => cs(i).replace(':9878', '')), notifyBrokers: false })).toBe(controllerConf(prod));
    expect(props(controllerConf(build(arch.Profile.PRODUCTION, { authentication: false }))).notifyBrokerRoleChanged).toBe('true');
    const five = build(arch.Profile.PRODUCTION, { controllers: 5 });
    expect(props(controllerConf(five)).controllerDLegerPeers.split(';')).toHaveLength(5);
    expect(props(groupConf(five, 'a')).controllerAddr).toBe([0, 1, 2, 3, 4].map(cs).join(';'));
  });

  test('the controller\'s start script adds the pod\'s own peer id and runs what mqcontroller runs', () => {
    const run = (hostname: string) => {
      const dir = scratchDir();
      for (const d of ['etc', 'conf', 'home/bin']) fs.mkdirSync(path.join(dir, d), { recursive: true });
      fs.writeFileSync(path.join(dir, 'etc', 'controller.conf'), controllerConf(prod));
      const runserver = path.join(dir, 'home', 'bin', 'runserver.sh');
      fs.writeFileSync(runserver, `#!/bin/sh\necho "$*" > ${dir}/args\ncp "$4" ${dir}/seen.conf\n`);
      fs.chmodSync(runserver, 0o755);
      const script = container(prod, 'events-controller').command[2].split('/etc/rocketmq/controller.conf').join(`${dir}/etc/controller.conf`)
        .replace('/home/rocketmq/conf', `${dir}/conf`);
      const r = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, HOSTNAME: hostname, ROCKETMQ_HOME: path.join(dir, 'home') }, encoding: 'utf8', timeout: 10_000 });
      const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
      return { status: r.status, stderr: r.stderr, conf: read('seen.conf'), args: read('args').trim() };
    };
    const second = run('events-controller-2');
    expect(second.status).toBe(0);
    expect(second.conf).toBe(`${controllerConf(prod)}controllerDLegerSelfId=n2\n`);
    expect(second.args).toMatch(/^-Drmq\.logback\.configurationFile=\/etc\/rocketmq\/rmq\.controller\.logback\.xml org\.apache\.rocketmq\.controller\.ControllerStartup -c .*\/conf\/controller\.conf$/);
    const outside = run('events-controller-3');
    expect(outside.status).toBe(1);
    expect(outside.stderr).toContain('controller ordinal 3 is not one of the 3 peers');
    expect(run('controller').stderr).toContain('cannot read the ordinal from the host name controller');
  });

  test('broker.conf: one file per group; the controllers assign ids and roles; SYNC waits for every in-sync member', () => {
    expect(Object.keys(one(prod.out.objects, 'ConfigMap', 'events-broker-a-config', NS).data)).toEqual(['broker.conf', 'rmq.broker.logback.xml']);
    expect(properties(groupConf(prod, 'a')).slice(0, 15)).toEqual([
      ['brokerClusterName', 'events'],
      ['brokerName', 'events-broker-a'],
      // every broker starts as a slave until a controller elects it (the configured id is not used)
      ['brokerId', '-1'],
      ['brokerRole', 'SLAVE'],
      ['flushDiskType', 'ASYNC_FLUSH'],
      ['namesrvAddr', `${ns(0)};${ns(1)}`],
      ['enableControllerMode', 'true'],
      ['controllerAddr', [0, 1, 2].map(cs).join(';')],
      ['listenPort', '10911'],
      ['haListenPort', '10912'],
      ['storePathRootDir', '/home/rocketmq/store'],
      ['storePathCommitLog', '/home/rocketmq/store/commitlog'],
      ['totalReplicas', '2'],
      // acknowledged once every in-sync member has it; a topic without a replicationFactor does not hold up a group after a failover
      ['allAckInSyncStateSet', 'true'],
      ['minInSyncReplicas', '1'],
    ]);
    // the rest is what classic brokers have
    expect(properties(groupConf(prod, 'a')).slice(15)).toEqual(properties(brokerConf(classic, 'a', 0)).slice(12));
    expect(props(groupConf(prod, 'a')).inSyncReplicas).toBeUndefined();
    expect(props(groupConf(prod, 'b'))).toEqual({ ...props(groupConf(prod, 'a')), brokerName: 'events-broker-b' });
    expect(props(groupConf(build(arch.Profile.PRODUCTION, { replication: arch.RocketMqReplication.ASYNC }), 'a'))).toMatchObject({ allAckInSyncStateSet: 'false', minInSyncReplicas: '1' });
    // a declared replicationFactor is the least number of in-sync copies a send is accepted with
    const two = build(arch.Profile.PRODUCTION, {}, [{ name: 'orders', replicationFactor: 2 }, { name: 'audit' }]);
    expect(props(groupConf(two, 'a'))).toMatchObject({ allAckInSyncStateSet: 'true', minInSyncReplicas: '2' });
    expect(renderBrokerConf({
      clusterName: 'events',
      brokerName: 'events-broker-a',
      brokerId: -1,
      role: 'SLAVE',
      flushDiskType: arch.RocketMqFlushDiskType.ASYNC_FLUSH,
      namesrvAddr: `${ns(0)};${ns(1)}`,
      totalReplicas: 2,
      inSyncReplicas: 1,
      deleteHour: 4,
      fileReservedHours: 336,
      authentication: true,
      controller: { controllerAddr: [0, 1, 2].map(cs).join(';'), allAckInSyncStateSet: true, minInSyncReplicas: 1 },
    })).toBe(groupConf(prod, 'a'));
  });

  test('every broker of a group starts from the group\'s file, with its pod IP and the super users', () => {
    const dir = scratchDir();
    for (const d of ['etc', 'conf', 'home/bin']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc', 'broker.conf'), groupConf(prod, 'a'));
    const mqbroker = path.join(dir, 'home', 'bin', 'runbroker.sh');
    fs.writeFileSync(mqbroker, `#!/bin/sh\ncp "$4" ${dir}/seen-$HOSTNAME.conf\n`);
    fs.chmodSync(mqbroker, 0o755);
    const script = container(prod, 'events-broker-a').command[2].replace('/etc/rocketmq', `${dir}/etc`).replace('/home/rocketmq/conf', `${dir}/conf`);
    for (const hostname of ['events-broker-a-0', 'events-broker-a-1']) {
      const r = spawnSync('bash', ['-c', script], {
        env: { PATH: process.env.PATH, HOSTNAME: hostname, POD_IP: '10.1.2.3', ROCKETMQ_HOME: path.join(dir, 'home'), ADMIN_PASSWORD: 'admin-secret-1', BROKER_PASSWORD: 'broker-secret-2' },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, `seen-${hostname}.conf`), 'utf8')).toBe(`${groupConf(prod, 'a')}brokerIP1=10.1.2.3\nbrokerIP2=10.1.2.3\n`
        + 'initAuthenticationUser={"username":"admin","password":"admin-secret-1"}\n'
        + 'innerClientAuthenticationCredentials={"accessKey":"broker","secretKey":"broker-secret-2"}\n');
    }
  });

  test('brokers reach every controller on 9878, controllers each other; they call brokers only without authentication', () => {
    const sel = (b: Built, n: string) => ({ podSelector: { matchLabels: sts(b, n).spec.selector.matchLabels } });
    const controller = one(prod.out.objects, 'NetworkPolicy', 'events-controller', NS);
    expect(controller.spec.ingress).toEqual([
      { from: [sel(prod, 'events-controller')], ports: [{ port: 5557, protocol: 'TCP' }, { port: 9878, protocol: 'TCP' }] },
      { from: [sel(prod, 'events-broker-a'), sel(prod, 'events-broker-b')], ports: [{ port: 9878, protocol: 'TCP' }] },
    ]);
    expect(controller.spec.egress).toEqual([{ to: [sel(prod, 'events-controller')], ports: [{ port: 5557, protocol: 'TCP' }, { port: 9878, protocol: 'TCP' }] }]);
    expect(one(prod.out.objects, 'NetworkPolicy', 'events-broker-a', NS).spec.egress).toContainEqual({ to: [sel(prod, 'events-controller')], ports: [{ port: 9878, protocol: 'TCP' }] });
    const plain = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(one(plain.out.objects, 'NetworkPolicy', 'events-controller', NS).spec.egress).toContainEqual({
      to: [sel(plain, 'events-broker-a'), sel(plain, 'events-broker-b')], ports: [{ port: 10911, protocol: 'TCP' }],
    });
    const remoting = one(plain.out.objects, 'NetworkPolicy', 'events-broker-a', NS).spec.ingress.find((r: any) => JSON.stringify(r.ports) === '[{"port":10911,"protocol":"TCP"}]');
    expect(remoting.from).toContainEqual(sel(plain, 'events-controller'));
    const signed = one(prod.out.objects, 'NetworkPolicy', 'events-broker-a', NS).spec.ingress.find((r: any) => JSON.stringify(r.ports) === '[{"port":10911,"protocol":"TCP"}]');
    expect(signed.from).not.toContainEqual(sel(prod, 'events-controller'));
  });
});

describe('start scripts', () => {
  /** The broker script with the ConfigMap and config directories moved to temporary ones. */
  function runBrokerScript(hostname: string, adminPassword = 'admin-secret-1', brokerPassword = 'broker-secret-2'):
  { status: number | null; stderr: string; conf: string; args: string; mode: number } {
    const dir = scratchDir();
    for (const d of ['etc', 'conf', 'home/bin']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc', 'broker-0.conf'), brokerConf(classic, 'a', 0));
    fs.writeFileSync(path.join(dir, 'etc', 'broker-1.conf'), brokerConf(classic, 'a', 1));
    // a stand-in for the image's runbroker.sh (what mqbroker runs): records its arguments and the file it was given
    const mqbroker = path.join(dir, 'home', 'bin', 'runbroker.sh');
    fs.writeFileSync(mqbroker, `#!/bin/sh\necho "$*" > ${dir}/args\ncp "$4" ${dir}/seen.conf\n`);
    fs.chmodSync(mqbroker, 0o755);
    const script = container(classic, 'events-broker-a').command[2].replace('/etc/rocketmq', `${dir}/etc`).replace('/home/rocketmq/conf', `${dir}/conf`);
    const r = spawnSync('bash', ['-c', script], {
      env: { PATH: process.env.PATH, HOSTNAME: hostname, POD_IP: '10.1.2.3', ROCKETMQ_HOME: path.join(dir, 'home'), ADMIN_PASSWORD: adminPassword, BROKER_PASSWORD: brokerPassword },
      encoding: 'utf8',
      timeout: 10_000,
    });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
    const conf = path.join(dir, 'conf', 'broker.conf');
    return { status: r.status, stderr: r.stderr, conf: read('seen.conf'), args: read('args').trim(), mode: fs.existsSync(conf) ? fs.statSync(conf).mode : 0 };
  }

  test('the broker picks its ordinal\'s file, adds the pod IP and starts mqbroker with it', () => {
    expect(container(prod, 'events-broker-a').command.slice(0, 2)).toEqual(['bash', '-c']);
    const slave = runBrokerScript('events-broker-a-1');
    expect(slave.status).toBe(0);
    // the rendered file holds the passwords: the broker's only
    expect(slave.mode % 0o1000).toBe(0o600);
    expect(slave.conf).toBe(`${brokerConf(classic, 'a', 1)}brokerIP1=10.1.2.3\nbrokerIP2=10.1.2.3\n`
      + 'initAuthenticationUser={"username":"admin","password":"admin-secret-1"}\n'
      + 'innerClientAuthenticationCredentials={"accessKey":"broker","secretKey":"broker-secret-2"}\n');
    // mqbroker's own command line (5.3.3) with the generated logback configuration
    expect(slave.args).toMatch(/^-Drmq\.logback\.configurationFile=\/etc\/rocketmq\/rmq\.broker\.logback\.xml org\.apache\.rocketmq\.broker\.BrokerStartup -c .*\/conf\/broker\.conf$/);
    expect(props(runBrokerScript('events-broker-a-0').conf)).toMatchObject({ brokerId: '0', brokerRole: 'SYNC_MASTER', brokerIP1: '10.1.2.3' });
    const missing = runBrokerScript('events-broker-a-7');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no broker configuration for ordinal 7');
    // the passwords go into JSON values: a quote, a backslash or a short one stops the broker
    const quote = runBrokerScript('events-broker-a-0', 'pass"word-1');
    expect(quote.status).toBe(1);
    expect(quote.stderr).toContain('the RocketMQ password admin-password has characters other than A-Za-z0-9._~+/=-');
    const short = runBrokerScript('events-broker-a-0', 'admin-secret-1', 'short');
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('the RocketMQ password broker-password has 5 characters: use 8 to 128');
  });

  test('with authentication the passwords come from the cluster\'s Secret, and the rendered file is the broker\'s only', () => {
    const env = envOf(sts(prod, 'events-broker-a'));
    expect(env.ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: 'events-acl', key: 'admin-password' } });
    expect(env.BROKER_PASSWORD).toEqual({ secretKeyRef: { name: 'events-acl', key: 'broker-password' } });
    expect(container(prod, 'events-broker-a').command[2]).toContain(': > "$conf"\nchmod 600 "$conf"\n');
    const plain = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(envOf(sts(plain, 'events-broker-a')).ADMIN_PASSWORD).toBeUndefined();
    expect(container(plain, 'events-broker-a').command[2]).not.toContain('initAuthenticationUser');
  });

  test('the pod IP comes from the downward API', () => {
    expect(envOf(sts(prod, 'events-broker-a')).POD_IP).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
  });

  test('SIGTERM reaches the JVM, which the upstream scripts run as a grandchild without exec', async () => {
    // a stand-in JVM: a copy of sleep under a unique name (the real script matches "*/java")
    const dir = scratchDir();
    const jvmName = `java-${process.pid}-${Date.now()}`;
    const jvm = path.join(dir, jvmName);
    fs.copyFileSync(execFileSync('bash', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), jvm);
    fs.chmodSync(jvm, 0o755);
    const starter = path.join(dir, 'start.sh');
    fs.writeFileSync(starter, `#!/bin/sh\n"${jvm}" 60\necho "jvm exited $?" > ${dir}/exit\n`);
    fs.chmodSync(starter, 0o755);
    const script = supervisedScript([], `"${starter}"`);
    expect(script).toContain('*/java)');
    const child = spawn('bash', ['-c', script.replace('*/java)', `*/${jvmName})`)], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - started).toBeLessThan(5000);
    // the stand-in died of SIGTERM (128 + 15) and its parent script finished: its status is the container's
    expect(fs.readFileSync(path.join(dir, 'exit'), 'utf8').trim()).toBe('jvm exited 143');
    expect(code).toBe(0);
    // without the signal, the start script's own status is passed on
    const failing = path.join(dir, 'failing.sh');
    fs.writeFileSync(failing, '#!/bin/sh\nexit 3\n');
    fs.chmodSync(failing, 0o755);
    expect(spawnSync('bash', ['-c', supervisedScript([], `"${failing}"`)]).status).toBe(3);
  });

  test('the NameServer runs what mqnamesrv runs, with the generated logback configuration, under the same supervision', () => {
    expect(container(prod, 'events-namesrv').command).toEqual(['bash', '-c', supervisedScript([],
      'sh "$ROCKETMQ_HOME/bin/runserver.sh" -Drmq.logback.configurationFile=/etc/rocketmq/rmq.namesrv.logback.xml org.apache.rocketmq.namesrv.NamesrvStartup')]);
  });
});

describe('JVM, security, probes', () => {
  test('the heaps follow the memory limits (the image would size them from the node)', () => {
    expect(container(prod, 'events-broker-a').resources).toEqual({ requests: { cpu: '500m', memory: '4096Mi' }, limits: { cpu: '2000m', memory: '4096Mi' } });
    expect(envOf(sts(prod, 'events-broker-a')).JAVA_OPT_EXT).toBe(
      '-Xms2048m -Xmx2048m -Xmn512m -XX:MaxDirectMemorySize=1024m -Xloggc:/home/rocketmq/logs/rmq_broker_gc.log '
      + '-XX:+UseGCLogFileRotation -XX:NumberOfGCLogFiles=5 -XX:GCLogFileSize=20M -Djna.tmpdir=/tmp');
    expect(envOf(sts(prod, 'events-namesrv')).JAVA_OPT_EXT).toBe(
      '-Xms512m -Xmx512m -Xmn256m -Xloggc:/home/rocketmq/logs/rmq_srv_gc.log -XX:+UseGCLogFileRotation -XX:NumberOfGCLogFiles=3 -XX:GCLogFileSize=10M');
    expect(envOf(sts(dev, 'events-broker-a')).JAVA_OPT_EXT).toMatch(/^-Xms512m -Xmx512m -Xmn128m -XX:MaxDirectMemorySize=256m /);
    expect(envOf(sts(dev, 'events-namesrv')).JAVA_OPT_EXT).toMatch(/^-Xms256m -Xmx256m -Xmn128m /);
    const custom = build(arch.Profile.PRODUCTION, {
      brokerResources: { memoryRequestMebibytes: 8192, memoryLimitMebibytes: 8192 },
      nameServerResources: { memoryLimitMebibytes: 2048 },
    });
    expect(envOf(sts(custom, 'events-broker-b')).JAVA_OPT_EXT).toMatch(/^-Xms4096m -Xmx4096m -Xmn1024m -XX:MaxDirectMemorySize=2048m /);
    expect(envOf(sts(custom, 'events-namesrv')).JAVA_OPT_EXT).toMatch(/^-Xms1024m -Xmx1024m /);
  });

  test('restricted: uid/gid 3000, read-only root, the store on its volume and every other written path on an emptyDir', () => {
    for (const b of [prod, dev]) {
      for (const n of ['events-namesrv', 'events-broker-a']) {
        const spec = sts(b, n).spec.template.spec;
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 3000, runAsGroup: 3000, fsGroup: 3000 });
        expect(container(b, n).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      const mounts = (n: string) => Object.fromEntries(container(b, n).volumeMounts.map((m: any) => [m.mountPath, m.name]));
      const volumes = (n: string) => Object.fromEntries(sts(b, n).spec.template.spec.volumes.map((v: any) => [v.name, v]));
      const broker = mounts('events-broker-a');
      expect(Object.keys(broker).sort()).toEqual(['/etc/rocketmq', '/home/rocketmq/conf', '/home/rocketmq/logs', '/home/rocketmq/store', '/tmp']);
      expect(broker['/home/rocketmq/store']).toBe('store');
      for (const p of ['/home/rocketmq/conf', '/home/rocketmq/logs', '/tmp']) expect(volumes('events-broker-a')[broker[p]].emptyDir).toBeDefined();
      expect(volumes('events-broker-a')[broker['/home/rocketmq/logs']].emptyDir.sizeLimit).toBe('1856Mi');
      const namesrv = mounts('events-namesrv');
      expect(Object.keys(namesrv).sort()).toEqual(['/etc/rocketmq', '/home/rocketmq/logs', '/home/rocketmq/namesrv', '/tmp']);
      expect(volumes('events-namesrv')[namesrv['/etc/rocketmq']].configMap).toEqual({ name: 'events-namesrv-logback' });
      for (const p of ['/home/rocketmq/logs', '/home/rocketmq/namesrv', '/tmp']) expect(volumes('events-namesrv')[namesrv[p]].emptyDir).toBeDefined();
      expect(volumes('events-namesrv')[namesrv['/home/rocketmq/logs']].emptyDir.sizeLimit).toBe('384Mi');
    }
    const controller = Object.fromEntries(container(prod, 'events-controller').volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(Object.keys(controller).sort()).toEqual(['/etc/rocketmq', '/home/rocketmq/conf', '/home/rocketmq/controller', '/home/rocketmq/logs', '/tmp']);
    expect(container(prod, 'events-controller').securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(sts(prod, 'events-controller').spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 3000, runAsGroup: 3000, fsGroup: 3000 });
  });

  test('tcpSocket probes with a startup budget; a grace period for a clean broker shutdown', () => {
    for (const [n, port] of [['events-namesrv', 'remoting'], ['events-broker-a', 'remoting']]) {
      const c = container(prod, n);
      for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(p.tcpSocket).toEqual({ port });
    }
    const broker = container(prod, 'events-broker-a');
    expect(broker.startupProbe.periodSeconds * broker.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
    expect(sts(prod, 'events-broker-a').spec.template.spec.terminationGracePeriodSeconds).toBe(90);
    expect(container(prod, 'events-namesrv').image).toBe('apache/rocketmq:5.3.3');
    expect(container(build(arch.Profile.DEVELOPMENT, { image: 'registry.local/rocketmq:5.3.3-r1' }), 'events-broker-a').image).toBe('registry.local/rocketmq:5.3.3-r1');
  });
});

describe('log volumes', () => {
  /** The loggers of upstream's rmq.broker.logback.xml and rmq.namesrv.logback.xml (RocketMQ 5.3.3). */
  const UPSTREAM_LOGGERS: Record<string, string[]> = {
    broker: ['RocketmqBroker', 'RocketmqProtection', 'RocketmqWaterMark', 'RocketmqCommon', 'RocketmqRocksDB', 'RocketmqStore', 'RocketmqStoreError',
      'RocketmqTieredStore', 'RocketmqTransaction', 'RocketmqRebalanceLock', 'RocketmqRemoting', 'RocketmqStats', 'RocketmqCommercial', 'RocketmqFilter',
      'RocketmqConsole', 'RocketmqPop', 'RocketmqColdCtr', 'RocketmqTraffic', 'io.opentelemetry.exporter.logging.otlp.OtlpJsonLoggingMetricExporter',
      'io.opentelemetry.exporter.logging.LoggingMetricExporter', 'RocketmqAuthAudit'],
    namesrv: ['RocketmqNamesrv', 'RocketmqCommon', 'RocketmqRemoting', 'RocketmqNamesrvConsole', 'RocketmqController', 'RocketmqTraffic'],
    // controller/src/main/resources/rmq.controller.logback.xml
    controller: ['RocketmqController', 'RocketmqControllerConsole', 'RocketmqCommon', 'RocketmqRemoting', 'io.openmessaging.storage.dledger',
      'com.alipay.sofa.jraft', 'RocketmqTraffic'],
  };
  const cases = [
    { what: 'broker', sts: 'events-broker-a', configMap: 'events-broker-a-config', key: 'rmq.broker.logback.xml' },
    { what: 'namesrv', sts: 'events-namesrv', configMap: 'events-namesrv-logback', key: 'rmq.namesrv.logback.xml' },
    { what: 'controller', sts: 'events-controller', configMap: 'events-controller-config', key: 'rmq.controller.logback.xml' },
  ];

  for (const c of cases) {
    test(`${c.what}: the log volume holds every bound the generated logback configuration and the GC log set (read from the manifests)`, () => {
      // development's lone brokers run no controller
      for (const b of c.what === 'controller' ? [prod] : [prod, dev]) {
        const xml: string = one(b.out.objects, 'ConfigMap', c.configMap, NS).data[c.key];
        const parsed = parseLogback(xml);
        expect(parsed.appenders.length).toBeGreaterThan(0);
        for (const cls of parsed.classes.values()) {
          expect(['ch.qos.logback.core.rolling.RollingFileAppender', 'ch.qos.logback.classic.AsyncAppender', 'ch.qos.logback.core.ConsoleAppender']).toContain(cls);
        }
        for (const a of parsed.appenders) {
          // ${user.home} is /home/rocketmq (the image's rocketmq user), whose logs/ is the volume
          expect(a.file.startsWith('${user.home}/logs/')).toBe(true);
          expect(a.fileNamePattern.startsWith('${user.home}/logs/')).toBe(true);
          expect(a.fileNamePattern).not.toMatch(/\.(gz|zip)$/);
          expect(a.maxIndex).toBeLessThanOrEqual(20);
        }
        // every logger upstream declares is routed (nothing the process names falls outside the bound)
        for (const logger of UPSTREAM_LOGGERS[c.what]) expect(parsed.loggers.get(logger)?.length).toBeGreaterThan(0);
        for (const refs of parsed.loggers.values()) for (const r of refs) expect(parsed.classes.has(r)).toBe(true);

        const container0 = container(b, c.sts);
        expect(container0.command[2]).toContain(`-Drmq.logback.configurationFile=/etc/rocketmq/${c.key} `);
        const configMount = container0.volumeMounts.find((m: any) => m.mountPath === '/etc/rocketmq');
        const volumes = sts(b, c.sts).spec.template.spec.volumes;
        expect(volumes.find((v: any) => v.name === configMount.name).configMap.name).toBe(c.configMap);
        const logMount = container0.volumeMounts.find((m: any) => m.mountPath === '/home/rocketmq/logs');
        const limit = quantityBytes(volumes.find((v: any) => v.name === logMount.name).emptyDir.sizeLimit);
        const gc = java8GcLogBytes(envOf(sts(b, c.sts)).JAVA_OPT_EXT);
        expect(gc).toBeGreaterThan(0);
        expect(envOf(sts(b, c.sts)).JAVA_OPT_EXT).toContain('-Xloggc:/home/rocketmq/logs/');
        const written = logbackBoundBytes(parsed) + gc;
        expect(limit).toBeGreaterThanOrEqual(written * 1.05);
        // and not wildly more (the broker's volume was 4 GiB for a 20 GB policy before)
        expect(limit).toBeLessThan(written * 1.2 + 128 * 1024 ** 2);
      }
    });
  }
});

describe('topics Job', () => {
  test('named after a hash of its content, which changes with the consumer groups', () => {
    expect(job(prod).metadata.name).toMatch(/^events-provision-[0-9a-f]{10}$/);
    expect(job(build(arch.Profile.PRODUCTION, { authentication: false })).metadata.name).toMatch(/^events-topics-[0-9a-f]{10}$/);
    const more = build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
      defaultWiring(mq, shop);
      new arch.Microservice(shop, 'audit', { image: 'ghcr.io/acme/audit:1.0.0' }).uses(mq.topic('payments').consumer('audit'));
    });
    expect(job(more).metadata.name).not.toBe(job(prod).metadata.name);
    expect(jobScript(more)).toContain('\'updateSubGroup\' \'-c\' \'events\' \'-g\' \'audit\'');
  });

  test('mqadmin creates each topic with its queues on every master, then each consumer group', () => {
    const steps = jobScript(prod).split('\n').filter((l) => l.startsWith('apply '));
    expect(steps).toEqual([
      'apply \'topic orders\' \'create topic\' \'updateTopic\' \'-c\' \'events\' \'-t\' \'orders\' \'-r\' \'3\' \'-w\' \'3\'',
      'apply \'topic payments\' \'create topic\' \'updateTopic\' \'-c\' \'events\' \'-t\' \'payments\' \'-r\' \'6\' \'-w\' \'6\'',
      'apply \'consumer group billing\' \'create subscription group\' \'updateSubGroup\' \'-c\' \'events\' \'-g\' \'billing\'',
      'apply \'consumer group shipping\' \'create subscription group\' \'updateSubGroup\' \'-c\' \'events\' \'-g\' \'shipping\'',
    ]);
    expect(jobScript(prod)).toContain(`namesrv='${ns(0)};${ns(1)}'\nmasters=2\n`);
    expect(jobScript(dev)).toContain(`namesrv='${ns(0)}'\nmasters=1\n`);
    expect(jobScript(dev)).toContain('\'-t\' \'orders\' \'-r\' \'1\' \'-w\' \'1\'');
    const c = job(prod).spec.template.spec.containers[0];
    expect(c.image).toBe('apache/rocketmq:5.3.3');
    expect(c.command).toEqual(['bash', '-c']);
    expect(envOf(job(prod)).JAVA_OPT).toBe('-Dcom.rocketmq.sendMessageWithVIPChannel=false -Drocketmq.home.dir=/home/rocketmq/admin');
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/home/rocketmq/logs', '/tmp', '/home/rocketmq/admin']);
    expect(job(prod).spec.template.spec.volumes).toContainEqual({ name: 'admin-home', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    expect(job(prod).spec.template.spec.securityContext).toMatchObject({ runAsUser: 3000, fsGroup: 3000 });
    const plain = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(envOf(job(plain)).JAVA_OPT).toBe('-Dcom.rocketmq.sendMessageWithVIPChannel=false');
    expect(find(build(arch.Profile.PRODUCTION, { authentication: false }, [], () => undefined).out.objects, 'Job', undefined, NS)).toEqual([]);
    // the same script hourly, so a rotated password reaches the brokers
    const cron = one(prod.out.objects, 'CronJob', 'events-provision', NS);
    expect(cron.spec.schedule).toBe('37 * * * *');
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(job(prod).spec.template.spec.containers[0].args);
    expect(find(build(arch.Profile.PRODUCTION, { reprovisionSchedule: '' }).out.objects, 'CronJob', undefined, NS)).toEqual([]);
  });

  /** Runs the Job's script against a stand-in mqadmin that confirms on `confirmingFrom`-th call and later. */
  function runJob(script: string, masters: number, confirmingFrom: number): { status: number | null; stdout: string; calls: string[] } {
    const dir = scratchDir();
    fs.mkdirSync(path.join(dir, 'bin'));
    const mqadmin = path.join(dir, 'bin', 'mqadmin');
    fs.writeFileSync(mqadmin, [
      '#!/bin/bash',
      `echo "$*" >> ${dir}/calls`,
      `n=$(wc -l < ${dir}/calls)`,
      // mqadmin prints a stack trace and exits 0 when a command fails
      `if [ "$n" -lt ${confirmingFrom} ]; then echo "org.apache.rocketmq.tools.command.SubCommandException: UpdateTopicSubCommand command failed"; exit 0; fi`,
      'case "$1" in updateTopic) what="create topic" ;; *) what="create subscription group" ;; esac',
      `for i in $(seq 1 ${masters}); do echo "$what to 10.0.0.$i:10911 success."; done`,
      'echo "TopicConfig [topicName=x]"',
    ].join('\n'));
    fs.chmodSync(mqadmin, 0o755);
    const r = spawnSync('bash', ['-c', script.replace('pause=10', 'pause=0')], {
      env: { PATH: process.env.PATH, ROCKETMQ_HOME: dir }, encoding: 'utf8', timeout: 30_000,
    });
    const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
    return { status: r.status, stdout: r.stdout, calls };
  }

  test('the script retries until every master confirmed (mqadmin exits 0 on failures)', () => {
    const r = runJob(jobScript(build(arch.Profile.PRODUCTION, { authentication: false })), 2, 3);
    expect(r.status).toBe(0);
    const nsArg = `-n ${ns(0)};${ns(1)}`;
    expect(r.calls).toEqual([
      `updateTopic -c events -t orders -r 3 -w 3 ${nsArg}`,
      `updateTopic -c events -t orders -r 3 -w 3 ${nsArg}`,
      `updateTopic -c events -t orders -r 3 -w 3 ${nsArg}`,
      `updateTopic -c events -t payments -r 6 -w 6 ${nsArg}`,
      `updateSubGroup -c events -g billing ${nsArg}`,
      `updateSubGroup -c events -g shipping ${nsArg}`,
    ]);
    expect(r.stdout).toContain('rocketmq-topics: topic orders: confirmed by 0 of 2 masters, retrying in 0 s');
    expect(r.stdout).toContain('rocketmq-topics: consumer group shipping: confirmed by 2 of 2 masters');
    expect(r.stdout.trim().endsWith('rocketmq-topics: done')).toBe(true);
  });

  test('the script fails when a master never confirms', () => {
    // only one of the two masters answers
    const r = runJob(jobScript(build(arch.Profile.PRODUCTION, { authentication: false })), 1, 1);
    expect(r.status).toBe(1);
    expect(r.calls).toHaveLength(60);
    expect(r.stdout).toContain('topic orders: confirmed by 1 of 2 masters, giving up');
  });

  test('rocketMqTopicsScript quotes every argument for the shell', () => {
    const script = rocketMqTopicsScript('a:9876', 1, [{ what: 'it\'s', confirmation: 'create topic', args: ['updateTopic', '-t', 'a|b'] }]);
    expect(script).toContain('apply \'it\'\\\'\'s\' \'create topic\' \'updateTopic\' \'-t\' \'a|b\'');
    expect(runJob(script, 1, 1).calls).toEqual(['updateTopic -t a|b -n a:9876']);
  });

  test('reaches the NameServers on 9876 and the brokers on 10911, nothing else', () => {
    const policy = one(prod.out.objects, 'NetworkPolicy', 'events-provision', NS);
    const sel = (n: string) => sts(prod, n).spec.selector.matchLabels;
    // one rule per port set: the NameServers on 9876, both broker groups on 10911
    expect(policy.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: sel('events-namesrv') } }], ports: [{ port: 9876, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: sel('events-broker-a') } }, { podSelector: { matchLabels: sel('events-broker-b') } }], ports: [{ port: 10911, protocol: 'TCP' }] },
    ]);
    expect(policy.spec.ingress).toBeUndefined();
    expect(job(prod).spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
  });
});

describe('services', () => {
  const addr = `${ns(0)};${ns(1)}`;

  test('producers get the NameServer list and the topic', () => {
    const env = envOf(one(prod.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env).toMatchObject({ EVENTS_TYPE: 'rocketmq', EVENTS_ADDRESS: addr, EVENTS_NAMESRV_ADDR: addr, EVENTS_ORDERS_TOPIC: 'orders' });
    expect(env.EVENTS_ORDERS_GROUP).toBeUndefined();
  });

  test('consumers also get their group', () => {
    expect(envOf(one(prod.out.objects, 'Deployment', 'billing', 'billing'))).toMatchObject({
      EVENTS_ADDRESS: addr, EVENTS_NAMESRV_ADDR: addr, EVENTS_ORDERS_TOPIC: 'orders', EVENTS_ORDERS_GROUP: 'billing',
    });
    expect(envOf(one(prod.out.objects, 'Deployment', 'shipping', 'shipping'))).toMatchObject({ EVENTS_ORDERS_GROUP: 'shipping' });
    expect(envOf(one(dev.out.objects, 'Deployment', 'billing', 'billing'))).toMatchObject({ EVENTS_ADDRESS: ns(0), EVENTS_NAMESRV_ADDR: ns(0) });
  });

  test('a plain connection gets the addresses only', () => {
    const b = build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
      new arch.Microservice(shop, 'ops', { image: 'ghcr.io/acme/ops:1.0.0', context: 'ops' }).uses(mq);
    });
    const env = envOf(one(b.out.objects, 'Deployment', 'ops', 'ops'));
    expect(Object.keys(env).filter((k) => k.startsWith('EVENTS_')).sort()).toEqual(['EVENTS_ADDRESS', 'EVENTS_NAMESRV_ADDR', 'EVENTS_PASSWORD', 'EVENTS_TYPE', 'EVENTS_USERNAME']);
    // its user is created with no ACL but the marker
    expect(jobScript(b)).toContain('user_on "$addr" \'ops.ops\' "$CLIENT_PASSWORD_0"');
    expect(jobScript(b)).toContain('-s \'User:ops.ops\' -r \'Group:cdk8s-architect-provisioned-users\' -a \'Get\' -d Allow');
  });

  test('each service is its own user, with the password of its own Secret', () => {
    expect(envOf(one(prod.out.objects, 'Deployment', 'billing', 'billing'))).toMatchObject({
      EVENTS_USERNAME: 'billing.billing',
      EVENTS_PASSWORD: { secretKeyRef: { name: 'billing-events-client', key: 'password' } },
    });
    expect(envOf(one(prod.out.objects, 'Deployment', 'orders', 'ordering'))).toMatchObject({ EVENTS_USERNAME: 'ordering.orders' });
    const plain = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(envOf(one(plain.out.objects, 'Deployment', 'billing', 'billing')).EVENTS_USERNAME).toBeUndefined();
    // the Job reads every password from the consumers' Secret, one key per user
    const env = envOf(job(prod));
    expect(env.ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: 'events-acl', key: 'admin-password' } });
    expect(env.CLIENT_PASSWORD_0).toEqual({ secretKeyRef: { name: 'events-consumers', key: 'billing.billing' } });
    expect(env.CLIENT_PASSWORD_1).toEqual({ secretKeyRef: { name: 'events-consumers', key: 'ordering.orders' } });
    expect(env.CLIENT_PASSWORD_2).toEqual({ secretKeyRef: { name: 'events-consumers', key: 'shipping.shipping' } });
    expect(job(prod).spec.template.metadata.annotations).toEqual({ 'cdk8s-architect.dev/external-secrets': 'events-acl,events-consumers' });
  });

  test('the Job grants exactly what the bindings say, on every broker, masters and slaves', () => {
    const script = jobScript(prod);
    const host = (g: string, i: number) => `events-broker-${g}-${i}.events-broker-${g}-headless.events.svc.cluster.local:10911`;
    expect(script).toContain(`for addr in '${host('a', 0)}' '${host('a', 1)}' '${host('b', 0)}' '${host('b', 1)}'; do`);
    const grants = script.split('\n').filter((l) => l.includes('createAcl')).map((l) => l.replace(/^.*-s /, ''));
    // each user's first grant carries the marker (a group no client joins)
    const marker = 'Group:cdk8s-architect-provisioned-users';
    expect(grants).toEqual([
      // a consumer subscribes to its topic and its group, and reads offsets (Get)
      `'User:billing.billing' -r 'Group:billing,Topic:orders,${marker}' -a 'Get,Sub' -d Allow`,
      // a producer publishes, nothing else
      `'User:ordering.orders' -r 'Topic:orders,${marker}' -a 'Pub' -d Allow`,
      `'User:shipping.shipping' -r 'Group:shipping,Topic:orders,${marker}' -a 'Get,Sub' -d Allow`,
    ]);
    expect(script).toContain(`wanted='billing.billing Group:billing
billing.billing Group:cdk8s-architect-provisioned-users
billing.billing Topic:orders
ordering.orders Group:cdk8s-architect-provisioned-users
ordering.orders Topic:orders
shipping.shipping Group:cdk8s-architect-provisioned-users
shipping.shipping Group:shipping
shipping.shipping Topic:orders'`);
    // a service that produces and consumes one topic gets both on it
    const both = build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
      const svc = new arch.Microservice(shop, 'relay', { image: 'ghcr.io/acme/relay:1.0.0', context: 'relay' });
      svc.uses(mq.topic('orders').producer());
      svc.uses(mq.topic('orders').consumer('relay'));
    });
    expect(jobScript(both)).toContain(`-s 'User:relay.relay' -r 'Topic:orders,${marker}' -a 'Get,Pub,Sub' -d Allow`);
    expect(jobScript(both)).toContain('-s \'User:relay.relay\' -r \'Group:relay\' -a \'Get,Sub\' -d Allow');
  });

  test('reach every NameServer on 9876 and every broker (slaves too) on 10911, nothing else', () => {
    for (const service of ['orders', 'billing']) {
      const ns0 = service === 'orders' ? 'ordering' : 'billing';
      const policy = one(prod.out.objects, 'NetworkPolicy', service, ns0);
      const peer = (n: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } }, podSelector: { matchLabels: sts(prod, n).spec.selector.matchLabels } });
      expect(policy.spec.egress).toEqual([
        { to: [peer('events-namesrv')], ports: [{ port: 9876, protocol: 'TCP' }] },
        { to: [peer('events-broker-a'), peer('events-broker-b')], ports: [{ port: 10911, protocol: 'TCP' }] },
      ]);
    }
    const billing = one(prod.out.objects, 'Deployment', 'billing', 'billing').spec.selector.matchLabels;
    for (const [n, port] of [['events-namesrv', 9876], ['events-broker-a', 10911], ['events-broker-b', 10911]] as const) {
      const rules = one(prod.out.objects, 'NetworkPolicy', n, NS).spec.ingress
        .filter((r: any) => r.from.some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'billing'));
      expect(rules).toHaveLength(1);
      expect(rules[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } }, podSelector: { matchLabels: billing } });
      expect(rules[0].ports).toEqual([{ port, protocol: 'TCP' }]);
    }
  });
});

describe('validation', () => {
  function expectError(run: () => unknown, value: string, fix: RegExp): void {
    let message = '';
    try {
      run();
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toContain('[shop/events]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  }
  const withOptions = (options: arch.RocketMqOptions) => () => build(arch.Profile.PRODUCTION, options);
  const withTopics = (topics: arch.TopicOptions[]) => () => build(arch.Profile.PRODUCTION, {}, topics, () => undefined);

  test('an unpinned image', () => expectError(withOptions({ image: 'apache/rocketmq' }), '"apache/rocketmq" has no tag', /pin the image/));
  test('a "latest" image', () => expectError(withOptions({ image: 'apache/rocketmq:latest' }), 'uses the mutable tag', /pin the image/));
  test('no NameServer', () => expectError(withOptions({ nameServers: 0 }), 'nameServers 0 is out of range', /1 to 7 NameServers/));
  test('too many NameServers', () => expectError(withOptions({ nameServers: 8 }), 'nameServers 8 is out of range', /1 to 7 NameServers/));
  test('too many broker groups', () => expectError(withOptions({ brokerGroups: 27 }), 'brokerGroups 27 is out of range', /1 to 26 broker groups/));
  test('no broker group', () => expectError(withOptions({ brokerGroups: 0 }), 'brokerGroups 0 is out of range', /1 to 26/));
  test('too many replicas per group', () => expectError(withOptions({ replicasPerGroup: 6 }), 'replicasPerGroup 6 is out of range', /master only\) to 5/));
  test('a fractional replica count', () => expectError(withOptions({ replicasPerGroup: 1.5 }), 'replicasPerGroup 1.5', /brokers per group/));
  test('an hour past 23', () => expectError(withOptions({ deleteHour: 24 }), 'deleteHour 24 is out of range', /hour of the day from 0 to 23/));
  test('a store too small for commit log files', () => expectError(withOptions({ storageGibibytes: 2 }), 'storageGibibytes 2 is out of range', /at least 4/));
  test('an invalid StorageClass', () => expectError(withOptions({ storageClassName: 'Fast_SSD' }), 'storageClassName "Fast_SSD"', /DNS subdomain/));
  test('a broker memory limit below 1 GiB', () => expectError(withOptions({ brokerResources: { memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 } }),
    'brokerResources.memoryLimitMebibytes 512 is too small for a RocketMQ broker', /at least 1024 MiB/));
  test('a controller without slaves to elect', () => expectError(withOptions({ replicasPerGroup: 1, failover: arch.RocketMqFailover.CONTROLLER }),
    'failover "controller" with replicasPerGroup 1: a group of one broker has no slave to elect', /replicasPerGroup to 2 or more, or failover to RocketMqFailover.NONE/));
  test('an even number of controllers', () => expectError(withOptions({ controllers: 4 }), 'controllers 4 is even', /use 3 or 5 controllers/));
  test('too many controllers', () => expectError(withOptions({ controllers: 9 }), 'controllers 9 is out of range', /odd number of controllers from 1 to 7/));
  test('controllers without controller mode', () => expectError(withOptions({ failover: arch.RocketMqFailover.NONE, controllers: 3 }),
    'controllers is set but failover is "none", which runs no controller', /remove it, or use failover RocketMqFailover.CONTROLLER/));
  test('a failover that is not one of the enum', () => expectError(withOptions({ failover: 'dledger' as arch.RocketMqFailover }), 'failover "dledger" is not a RocketMqFailover', /CONTROLLER or RocketMqFailover.NONE/));
  test('a controller memory limit below 256 MiB', () => expectError(withOptions({ controllerResources: { memoryRequestMebibytes: 128, memoryLimitMebibytes: 128 } }),
    'controllerResources.memoryLimitMebibytes 128 is too small for a RocketMQ controller', /at least 256 MiB/));
  test('a NameServer memory limit below 256 MiB', () => expectError(withOptions({ nameServerResources: { memoryRequestMebibytes: 128, memoryLimitMebibytes: 128 } }),
    'nameServerResources.memoryLimitMebibytes 128 is too small for a RocketMQ NameServer', /at least 256 MiB/));
  test('requests above limits', () => expectError(withOptions({ brokerResources: { memoryRequestMebibytes: 4096, memoryLimitMebibytes: 2048 } }),
    'memoryRequestMebibytes 4096 exceeds memoryLimitMebibytes 2048', /raise the limit/));

  test('a topic with "%"', () => expectError(withTopics([{ name: '%RETRY%orders' }]), 'topic name "%RETRY%orders" contains "%"', /letters, digits/));
  test('a topic with a dot', () => expectError(withTopics([{ name: 'orders.created' }]), 'topic name "orders.created" has characters RocketMQ rejects', /"order-created"/));
  test('a topic name over 127 characters', () => expectError(withTopics([{ name: 'o'.repeat(128) }]), 'has 128 characters (RocketMQ allows 127)', /at most 127/));
  test('a system topic', () => expectError(withTopics([{ name: 'TBW102' }]), 'topic name "TBW102" is a RocketMQ system topic', /another name/));
  test('the schedule topic', () => expectError(withTopics([{ name: 'SCHEDULE_TOPIC_XXXX' }]), '"SCHEDULE_TOPIC_XXXX" is a RocketMQ system topic', /another name/));
  test('the rmq_sys_ prefix', () => expectError(withTopics([{ name: 'rmq_sys_orders' }]), '"rmq_sys_orders" is a RocketMQ system topic', /another name/));
  test('the RMQ_SYS_ prefix', () => expectError(withTopics([{ name: 'RMQ_SYS_TRACE_TOPIC' }]), '"RMQ_SYS_TRACE_TOPIC" is a RocketMQ system topic', /another name/));
  test('the cluster\'s name', () => expectError(withTopics([{ name: 'events' }]), 'topic name "events" is taken: every broker registers a topic named after its cluster', /another name/));
  test('a group\'s name', () => expectError(withTopics([{ name: 'events-broker-b' }]), '"events-broker-b" is taken: every broker registers a topic named after its group', /another name/));
  test('a compacted topic', () => expectError(withTopics([{ name: 'customers', cleanupPolicy: arch.CleanupPolicy.COMPACT }]),
    'topic "customers" cleanupPolicy "compact" is not supported', /CleanupPolicy.DELETE .*unchangeable cleanup.policy/));
  test('more copies than brokers in a group', () => expectError(withTopics([{ name: 'orders', replicationFactor: 3 }]),
    'topic "orders" replicationFactor 3 exceeds replicasPerGroup 2', /at most 2 .*or raise replicasPerGroup/));
  test('more copies than the lone development broker', () => expectError(() => build(arch.Profile.DEVELOPMENT, {}, [{ name: 'orders', replicationFactor: 2 }], () => undefined),
    'replicationFactor 2 exceeds replicasPerGroup 1', /at most 1/));
  test('a cluster credentials Secret without authentication', () => expectError(withOptions({ authentication: false, clusterCredentialsSecret: 'x' }),
    'clusterCredentialsSecret is set but authentication is false', /turn authentication on/));
  test('an invalid passwords Secret name', () => expectError(withOptions({ consumerPasswordsSecret: 'Bad_Name' }), 'consumerPasswordsSecret "Bad_Name"', /./));
  test('a schedule that is no cron expression', () => expectError(withOptions({ reprovisionSchedule: 'hourly' }), 'reprovisionSchedule "hourly" is not a 5-field cron expression', /37 \* \* \* \*/));
  test('a schedule with nothing to provision', () => expectError(() => build(arch.Profile.PRODUCTION, { authentication: false, reprovisionSchedule: '1 * * * *' }, [], () => undefined),
    'reprovisionSchedule is set, but with no topics and authentication off', /remove reprovisionSchedule/));
  test('a service whose credentials Secret name passes 63 characters (the error names the service)', () => {
    const long = 'a'.repeat(50);
    expect(() => build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
      new arch.Microservice(shop, long, { image: 'ghcr.io/acme/x:1.0.0' }).uses(mq.topic('orders').producer());
    })).toThrow(`[shop/${long}] the RocketMQ credentials Secret "${long}-events-client" of "${long}" has 64 characters (Kubernetes allows 63). `
      + 'Fix: shorten the service name or the message queue name "events"');
  });
  test('the marker group', () => expectError(() => build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
    new arch.Microservice(shop, 'x', { image: 'ghcr.io/acme/x:1.0.0' }).uses(mq.topic('orders').consumer('cdk8s-architect-provisioned-users'));
  }), 'is the group whose ACL marks the users', /another name/));
  test('a consumer group on two topics', () => expectError(() => build(arch.Profile.PRODUCTION, {}, TOPICS, (mq, shop) => {
    const billing = new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.0' });
    billing.uses(mq.topic('orders').consumer('billing'));
    billing.uses(mq.topic('payments').consumer('billing'));
  }), 'consumer group "billing" is bound to topics "orders" and "payments"', /its own consumer groups .*"billing-payments"/));
});
