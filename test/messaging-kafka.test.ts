import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';
import { deriveKafkaClusterId, KAFKA_DEFAULT_IMAGE } from '../src/messaging/kafka';

/**
 * The Kafka (KRaft) engine in both profiles: dedicated controllers and brokers (production) and
 * one combined node (development), with declared topics, one producing and two consuming
 * services. The nodes' start wrapper and the topic Job's script are run with bash against stubs.
 */

const NS = 'events';
const DOMAIN = 'cluster.local';
const brokerHost = (i: number) => `events-broker-${i}.events-broker-headless.${NS}.svc.${DOMAIN}`;
const controllerHost = (i: number) => `events-controller-${i}.events-controller-headless.${NS}.svc.${DOMAIN}`;
const devHost = `events-0.events-headless.${NS}.svc.${DOMAIN}`;
const BOOTSTRAP = [0, 1, 2].map((i) => `${brokerHost(i)}:9092`).join(',');
const VOTERS = [0, 1, 2].map((i) => `${i + 1}@${controllerHost(i)}:9093`).join(',');

const TOPICS: arch.TopicOptions[] = [
  { name: 'orders' },
  { name: 'order-audit', cleanupPolicy: arch.CleanupPolicy.COMPACT, retention: Duration.days(30), replicationFactor: 2, partitions: 6 },
];

function build(profile: arch.Profile, options: arch.KafkaOptions = {}, topics: arch.TopicOptions[] = TOPICS): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(options), topics });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080, context: 'ordering' });
  orders.uses(mq.topic('orders').producer());
  const billing = new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1', port: 8080, context: 'billing' });
  billing.uses(mq.topic('orders').consumer('billing'));
  const shipping = new arch.Microservice(shop, 'shipping', { image: 'ghcr.io/acme/shipping:3.1.0', port: 8080, context: 'shipping' });
  shipping.uses(mq.topic('orders').consumer('shipping'));
  return synthApp(app);
}

function synthError(profile: arch.Profile, options: arch.KafkaOptions, topics: arch.TopicOptions[] = TOPICS): string {
  try {
    build(profile, options, topics);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a synth error');
}

const container = (sts: K8sObject) => sts.spec.template.spec.containers[0];
const script = (sts: K8sObject): string => {
  const c = container(sts);
  expect(c.command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
  return c.command[2];
};

/** Runs a node's start wrapper as pod `hostname`, with the image's run script replaced by an env dump. */
function runStart(startScript: string, hostname: string): Record<string, string> {
  const dir = tmpDir('kafka-start-');
  const run = path.join(dir, 'run');
  fs.writeFileSync(run, '#!/bin/bash\nenv | grep -E "^KAFKA_(NODE_ID|ADVERTISED_LISTENERS)="\n', { mode: 0o755 });
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', startScript.replace('/etc/kafka/docker/run', run)], {
    env: { PATH: process.env.PATH, HOSTNAME: hostname }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return Object.fromEntries(res.stdout.trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Runs the topic Job's script with kafka-topics.sh / kafka-configs.sh stubs that record their arguments. */
function runTopicScript(job: K8sObject): string[] {
  const dir = tmpDir('kafka-topics-');
  const log = path.join(dir, 'calls');
  for (const tool of ['kafka-topics.sh', 'kafka-configs.sh']) {
    fs.writeFileSync(path.join(dir, tool), `#!/bin/bash\necho "${tool} $*" >> ${log}\n`, { mode: 0o755 });
  }
  const c = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
  expect(c.command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', c.command[2].replace(/\/opt\/kafka\/bin\//g, `${dir}/`)], {
    env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return fs.readFileSync(log, 'utf8').trim().split('\n');
}

describe('production: 3 controllers, 3 brokers', () => {
  let out: SynthResult;
  let controllers: K8sObject;
  let brokers: K8sObject;
  beforeAll(() => {
    out = build(arch.Profile.PRODUCTION);
    controllers = one(out.objects, 'StatefulSet', 'events-controller', NS);
    brokers = one(out.objects, 'StatefulSet', 'events-broker', NS);
  });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('split roles: dedicated controllers and brokers, no combined node', () => {
    expect(find(out.objects, 'StatefulSet', undefined, NS).map((s) => s.metadata.name).sort()).toEqual(['events-broker', 'events-controller']);
    expect(controllers.spec.replicas).toBe(3);
    expect(brokers.spec.replicas).toBe(3);
    expect(envOf(controllers).KAFKA_PROCESS_ROLES).toBe('controller');
    expect(envOf(brokers).KAFKA_PROCESS_ROLES).toBe('broker');
    expect(container(brokers).image).toBe(KAFKA_DEFAULT_IMAGE);
    expect(KAFKA_DEFAULT_IMAGE).toBe('apache/kafka:4.3.1');
  });

  test('the voters list names exactly the controllers, on both roles', () => {
    expect(envOf(controllers).KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(VOTERS);
    expect(envOf(brokers).KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(VOTERS);
  });

  test('listeners: client, inter-broker and controller on distinct ports, protocols explicit', () => {
    const b = envOf(brokers);
    expect(b.KAFKA_LISTENERS).toBe('CLIENT://:9092,INTERNAL://:9094');
    expect(b.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(b.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
    expect(b.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    const c = envOf(controllers);
    expect(c.KAFKA_LISTENERS).toBe('CONTROLLER://:9093');
    expect(c.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CONTROLLER:PLAINTEXT');
    expect(c.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    expect(c.KAFKA_INTER_BROKER_LISTENER_NAME).toBeUndefined();
    expect(c.KAFKA_ADVERTISED_LISTENERS).toBeUndefined();
    expect(container(brokers).ports).toEqual([{ name: 'client', containerPort: 9092 }, { name: 'internal', containerPort: 9094 }]);
    expect(container(controllers).ports).toEqual([{ name: 'controller', containerPort: 9093 }]);
    // controllers have no clients: only the headless Service
    expect(find(out.objects, 'Service', undefined, NS).map((s) => s.metadata.name).sort())
      .toEqual(['events-broker', 'events-broker-headless', 'events-controller-headless']);
    expect(one(out.objects, 'Service', 'events-broker', NS).spec.ports.map((p: any) => p.port)).toEqual([9092]);
  });

  test('node ids: controllers 1..3, brokers 100 + ordinal; brokers advertise their own headless names', () => {
    expect(runStart(script(controllers), 'events-controller-0')).toEqual({ KAFKA_NODE_ID: '1' });
    expect(runStart(script(controllers), 'events-controller-2')).toEqual({ KAFKA_NODE_ID: '3' });
    expect(runStart(script(brokers), 'events-broker-0')).toEqual({
      KAFKA_NODE_ID: '100',
      KAFKA_ADVERTISED_LISTENERS: `CLIENT://${brokerHost(0)}:9092,INTERNAL://${brokerHost(0)}:9094`,
    });
    expect(runStart(script(brokers), 'events-broker-2').KAFKA_NODE_ID).toBe('102');
    expect(script(brokers)).toContain('exec /etc/kafka/docker/run');
  });

  test('replication: RF 3, min ISR 2, for the internal topics too', () => {
    for (const sts of [controllers, brokers]) {
      const e = envOf(sts);
      expect(e.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
      expect(e.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
      expect(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(e.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
      expect(e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
      expect(e.KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(e.KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR).toBe('2');
      expect(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    }
  });

  test('one deterministic cluster id on every node, and byte-identical output across runs', () => {
    const id = deriveKafkaClusterId('shop', 'events');
    // pinned: the derivation must never change (existing clusters' storage carries this id)
    expect(id).toBe('BFPVefdXP3PYENJyzEaRCQ');
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{20}[AQgw]$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(envOf(controllers).CLUSTER_ID).toBe(id);
    expect(envOf(brokers).CLUSTER_ID).toBe(id);
    expect(deriveKafkaClusterId('shop', 'other')).not.toBe(id);
    expect(build(arch.Profile.PRODUCTION).files).toEqual(out.files);
    const pinned = build(arch.Profile.PRODUCTION, { clusterId: '4L6g3nShT-eMCtK--X86sw' });
    expect(envOf(one(pinned.objects, 'StatefulSet', 'events-broker', NS)).CLUSTER_ID).toBe('4L6g3nShT-eMCtK--X86sw');
  });

  test('the topic Job creates each topic idempotently and applies its configuration', () => {
    const jobs = find(out.objects, 'Job', undefined, NS);
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job.metadata.name).toMatch(/^events-topics-[0-9a-f]{10}$/);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe(KAFKA_DEFAULT_IMAGE);
    expect(envOf(job).BOOTSTRAP_SERVERS).toBe(BOOTSTRAP);
    const created = (name: string, partitions: number, rf: number, configs: string[]) =>
      `kafka-topics.sh --bootstrap-server ${BOOTSTRAP} --create --if-not-exists --topic ${name} --partitions ${partitions} --replication-factor ${rf} `
      + configs.map((x) => `--config ${x}`).join(' ');
    const altered = (name: string, configs: string[]) =>
      `kafka-configs.sh --bootstrap-server ${BOOTSTRAP} --alter --entity-type topics --entity-name ${name} --add-config ${configs.join(',')}`;
    const orders = ['cleanup.policy=delete', 'min.insync.replicas=2', `retention.ms=${7 * 24 * 3600 * 1000}`];
    // RF 2: min.insync.replicas drops to 1 for this topic, so acks=all survives one replica down
    const audit = ['cleanup.policy=compact', 'min.insync.replicas=1', `retention.ms=${30 * 24 * 3600 * 1000}`];
    expect(runTopicScript(job)).toEqual([
      created('orders', 3, 3, orders), altered('orders', orders),
      created('order-audit', 6, 2, audit), altered('order-audit', audit),
    ]);
    expect(c.command[2]).toContain('--config retention.ms=2592000000\n');
    expect(c.command[2]).toContain('--config cleanup.policy=compact');
  });

  test('the Job is renamed when a topic changes (a Job template is immutable), and absent without topics', () => {
    const name = find(out.objects, 'Job', undefined, NS)[0].metadata.name;
    const changed = build(arch.Profile.PRODUCTION, {}, [{ name: 'orders', partitions: 12 }, TOPICS[1]]);
    expect(find(changed.objects, 'Job', undefined, NS)[0].metadata.name).not.toBe(name);
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka() });
    const bare = synthApp(app);
    expect(find(bare.objects, 'Job')).toHaveLength(0);
    expect(find(bare.objects, 'ServiceAccount', 'events-topics', NS)).toHaveLength(0);
    expect(checkAll(bare.objects)).toEqual([]);
  });

  test('consumer env: bootstrap servers, topic and group', () => {
    const orders = envOf(one(out.objects, 'Deployment', 'orders', 'ordering'));
    expect(orders.EVENTS_TYPE).toBe('kafka');
    expect(orders.EVENTS_ADDRESS).toBe(BOOTSTRAP);
    expect(orders.EVENTS_BOOTSTRAP_SERVERS).toBe(BOOTSTRAP);
    expect(orders.EVENTS_ORDERS_TOPIC).toBe('orders');
    expect(orders.EVENTS_ORDERS_GROUP).toBeUndefined();
    const billing = envOf(one(out.objects, 'Deployment', 'billing', 'billing'));
    expect(billing.EVENTS_BOOTSTRAP_SERVERS).toBe(BOOTSTRAP);
    expect(billing.EVENTS_ORDERS_TOPIC).toBe('orders');
    expect(billing.EVENTS_ORDERS_GROUP).toBe('billing');
    expect(envOf(one(out.objects, 'Deployment', 'shipping', 'shipping')).EVENTS_ORDERS_GROUP).toBe('shipping');
  });

  test('network: clients and the Job reach the brokers on 9092 only; brokers reach controllers on 9093', () => {
    const policy = (name: string, ns = NS) => one(out.objects, 'NetworkPolicy', name, ns);
    const ports = (rule: any) => rule.ports.map((p: any) => p.port);
    const brokerIngress = policy('events-broker').spec.ingress;
    // self (client + inter-broker), then billing, orders, shipping, topics Job on 9092
    expect(ports(brokerIngress[0])).toEqual([9092, 9094]);
    // one rule for every peer that uses exactly 9092
    const fromOthers = brokerIngress.slice(1);
    expect(fromOthers).toHaveLength(1);
    expect(fromOthers[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/instance']).sort())
      .toEqual(['shop-billing', 'shop-events-topics', 'shop-orders', 'shop-shipping']);
    expect(ports(fromOthers[0])).toEqual([9092]);
    expect(policy('events-broker').spec.egress.map((r: any) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/component'], ports(r)]))
      .toEqual([['broker', [9092, 9094]], ['controller', [9093]]]);
    const controllerPolicy = policy('events-controller').spec;
    expect(controllerPolicy.ingress.map((r: any) => [r.from[0].podSelector.matchLabels['app.kubernetes.io/component'], ports(r)]))
      .toEqual([['controller', [9093]], ['broker', [9093]]]);
    expect(controllerPolicy.egress.map((r: any) => ports(r))).toEqual([[9093]]);
    const billingEgress = policy('billing', 'billing').spec.egress.filter((r: any) => r.to[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === NS);
    expect(billingEgress.map((r: any) => ports(r))).toEqual([[9092]]);
    expect(policy('events-topics').spec.egress.map((r: any) => ports(r))).toEqual([[9092]]);
  });

  test('security: numeric non-root uid, read-only root with emptyDirs for every written path, data on claims', () => {
    for (const sts of [controllers, brokers]) {
      const spec = sts.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
      const c = container(sts);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/etc/kafka/logging', '/opt/kafka/config', '/tmp', '/var/lib/kafka/data']);
      const vols = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
      expect(vols['writable-opt-kafka-config'].emptyDir).toBeDefined();
      expect(vols['writable-tmp'].emptyDir).toBeDefined();
      expect(vols.logging.configMap.name).toBe('events-logging');
      expect(vols.data).toBeUndefined();
      expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
      const e = envOf(sts);
      expect(e.KAFKA_LOG_DIRS).toBe('/var/lib/kafka/data/kafka-logs');
      expect(e.KAFKA_LOG4J_OPTS).toBe('-Dlog4j2.configurationFile=/etc/kafka/logging/log4j2.yaml');
      expect(e.LOG_DIR).toBe('/tmp/kafka-logs');
    }
    expect(brokers.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(controllers.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    const log4j = one(out.objects, 'ConfigMap', 'events-logging', NS).data['log4j2.yaml'];
    expect(log4j).toContain('Console:');
    expect(log4j).not.toContain('RollingFile');
    const job = find(out.objects, 'Job', undefined, NS)[0];
    expect(job.spec.template.spec.securityContext.runAsUser).toBe(1000);
    expect(job.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'writable-tmp', mountPath: '/tmp' }]);
  });

  test('disruption budgets: controller majority, one broker at a time', () => {
    expect(one(out.objects, 'PodDisruptionBudget', 'events-controller', NS).spec.minAvailable).toBe(2);
    expect(one(out.objects, 'PodDisruptionBudget', 'events-broker', NS).spec.maxUnavailable).toBe(1);
  });

  test('probes: tcpSocket on the client (brokers) and controller port; heap from the memory limit', () => {
    const b = container(brokers);
    expect(b.readinessProbe.tcpSocket).toEqual({ port: 9092 });
    expect(b.livenessProbe.tcpSocket).toEqual({ port: 9092 });
    expect(b.startupProbe.periodSeconds * b.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
    const c = container(controllers);
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 9093 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 9093 });
    expect(envOf(brokers).KAFKA_HEAP_OPTS).toBe('-Xms1024m -Xmx1024m');
    expect(b.resources.limits.memory).toBe('2048Mi');
    expect(envOf(controllers).KAFKA_HEAP_OPTS).toBe('-Xms512m -Xmx512m');
    expect(envOf(build(arch.Profile.PRODUCTION, { resources: { memoryLimitMebibytes: 4096, memoryRequestMebibytes: 4096 } })
      .objects.find((o) => o.metadata.name === 'events-broker' && o.kind === 'StatefulSet')!).KAFKA_HEAP_OPTS).toBe('-Xms2048m -Xmx2048m');
  });

  test('custom sizes: 5 controllers, 4 brokers, RF 3 / min ISR 2', () => {
    const o = build(arch.Profile.PRODUCTION, { controllers: 5, brokers: 4 });
    expect(checkAll(o.objects)).toEqual([]);
    const b = one(o.objects, 'StatefulSet', 'events-broker', NS);
    expect(b.spec.replicas).toBe(4);
    expect(envOf(b).KAFKA_CONTROLLER_QUORUM_VOTERS).toBe([0, 1, 2, 3, 4].map((i) => `${i + 1}@${controllerHost(i)}:9093`).join(','));
    expect(envOf(b).KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
    expect(one(o.objects, 'PodDisruptionBudget', 'events-controller', NS).spec.minAvailable).toBe(3);
    expect(envOf(o.objects.find((x) => x.kind === 'Deployment' && x.metadata.name === 'orders')!).EVENTS_BOOTSTRAP_SERVERS.split(',')).toHaveLength(4);
  });
});

describe('development: one combined node', () => {
  let out: SynthResult;
  let node: K8sObject;
  beforeAll(() => {
    out = build(arch.Profile.DEVELOPMENT);
    node = one(out.objects, 'StatefulSet', 'events', NS);
  });

  test('passes every invariant', () => {
    expect(checkAll(out.objects)).toEqual([]);
  });

  test('combined roles, a one-voter quorum, all listeners on one node', () => {
    expect(find(out.objects, 'StatefulSet', undefined, NS)).toHaveLength(1);
    expect(node.spec.replicas).toBe(1);
    const e = envOf(node);
    expect(e.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`1@${devHost}:9093`);
    expect(e.KAFKA_LISTENERS).toBe('CLIENT://:9092,INTERNAL://:9094,CONTROLLER://:9093');
    expect(e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(runStart(script(node), 'events-0')).toEqual({
      KAFKA_NODE_ID: '1',
      KAFKA_ADVERTISED_LISTENERS: `CLIENT://${devHost}:9092,INTERNAL://${devHost}:9094`,
    });
    expect(find(out.objects, 'PodDisruptionBudget', undefined, NS)).toHaveLength(0);
  });

  test('replication 1 everywhere, topics included', () => {
    const e = envOf(node);
    for (const k of ['KAFKA_DEFAULT_REPLICATION_FACTOR', 'KAFKA_MIN_INSYNC_REPLICAS', 'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect(e[k]).toBe('1');
    }
    const calls = runTopicScript(find(out.objects, 'Job', undefined, NS)[0]);
    expect(calls[0]).toContain('--topic orders --partitions 1 --replication-factor 1 --config cleanup.policy=delete --config min.insync.replicas=1');
    expect(calls[2]).toContain('--topic order-audit --partitions 6 --replication-factor 1 --config cleanup.policy=compact');
  });

  test('emptyDir storage, no claims; consumers get the one node', () => {
    expect(node.spec.volumeClaimTemplates).toBeUndefined();
    expect(node.spec.template.spec.volumes.find((v: any) => v.name === 'data').emptyDir.sizeLimit).toBe('20Gi');
    expect(envOf(one(out.objects, 'Deployment', 'billing', 'billing')).EVENTS_BOOTSTRAP_SERVERS).toBe(`${devHost}:9092`);
    expect(envOf(node).KAFKA_HEAP_OPTS).toBe('-Xms512m -Xmx512m');
    expect(envOf(node).KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS).toBe('0');
  });
});

describe('validation', () => {
  const P = arch.Profile.PRODUCTION;
  const expectError = (message: string, ...parts: string[]) => {
    expect(message).toContain('[shop/events]');
    expect(message).toContain('Fix:');
    for (const p of parts) expect(message).toContain(p);
  };

  test('an even number of controllers', () => {
    expectError(synthError(P, { controllers: 4 }), 'controllers 4 is even', '3 or 5');
    // the production topology is checked in development too
    expectError(synthError(arch.Profile.DEVELOPMENT, { controllers: 2 }), 'controllers 2 is even');
    expectError(synthError(P, { controllers: 9 }), 'controllers 9');
  });

  test('a replication factor above the brokers', () => {
    expectError(synthError(P, { brokers: 3, defaultReplicationFactor: 4 }), 'defaultReplicationFactor 4 exceeds the 3 brokers', 'at most 3');
  });

  test('min.insync.replicas not below the replication factor', () => {
    const m = synthError(P, { minInSyncReplicas: 3 });
    expectError(m, 'minInSyncReplicas 3 is not lower than the replication factor 3', 'at most 2', 'acks=all', 'one replica is down');
    expectError(synthError(P, { brokers: 1, minInSyncReplicas: 2 }), 'minInSyncReplicas 2', 'at most 1');
    expect(() => build(P, { brokers: 1 }, [{ name: 'orders' }])).not.toThrow();
  });

  test('bad topic names', () => {
    expectError(synthError(P, {}, [{ name: 'orders/new' }]), '"orders/new"', 'characters Kafka rejects');
    expectError(synthError(P, {}, [{ name: 'orders' }, { name: '..' }]), '".."');
    expectError(synthError(P, {}, [{ name: 'orders' }, { name: 'x'.repeat(250) }]), '250 characters');
    expectError(synthError(P, {}, [{ name: 'orders' }, { name: '__consumer_offsets' }]), '"__consumer_offsets"');
  });

  test('a topic replication factor above the brokers', () => {
    expectError(synthError(P, {}, [{ name: 'orders', replicationFactor: 4 }]), 'topic "orders" replicationFactor 4 exceeds the 3 brokers');
  });

  test('a malformed cluster id', () => {
    expectError(synthError(P, { clusterId: 'not-a-cluster-id' }), '"not-a-cluster-id"', 'random-uuid');
    expectError(synthError(P, { clusterId: '4L6g3nShT-eMCtK--X86sx' }), '"4L6g3nShT-eMCtK--X86sx"', '16 bytes');
    expectError(synthError(P, { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' }), 'reserved');
    expectError(synthError(P, { clusterId: '-L6g3nShT-eMCtK--X86sw' }), 'starts with "-"');
  });

  test('topics whose names differ only in "." versus "_" (the queue rejects them first: their variables collide)', () => {
    expectError(synthError(P, {}, [{ name: 'order.created' }, { name: 'order_created' }]), '"order.created"', '"order_created"', 'EVENTS_ORDER_CREATED_');
  });

  test('other ranges', () => {
    expectError(synthError(P, { brokers: 0 }), 'brokers 0');
    expectError(synthError(P, { image: 'apache/kafka' }), '"apache/kafka"');
    expectError(synthError(P, { resources: { memoryLimitMebibytes: 256, memoryRequestMebibytes: 256 } }), 'memoryLimitMebibytes 256');
    expectError(synthError(P, { storageClassName: 'Fast SSD' }), '"Fast SSD"');
  });
});
