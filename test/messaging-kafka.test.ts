import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';
import { deriveKafkaClusterId, KAFKA_DEFAULT_IMAGE, KAFKA_EXPORTER_DEFAULT_IMAGE } from '../src/messaging/kafka';

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
/** The provisioning Job connects as the super user "admin" on the inter-broker listener. */
const ADMIN_BOOTSTRAP = [0, 1, 2].map((i) => `${brokerHost(i)}:9094`).join(',');
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

/** The Job's script: `/bin/bash -c` and the script as its one argument. */
const jobScript = (job: K8sObject): string => {
  const c = job.spec.template.spec.containers[0];
  expect(c.command).toEqual(['/bin/bash', '-c']);
  expect(c.args).toHaveLength(1);
  return c.args[0];
};

/** A password for each Secret key the Job reads (the Secrets are managed outside the manifests). */
const testPassword = (key: string) => `pw-${key.replace(/[^a-z0-9]/g, '-')}-0123456789`;

/**
 * Runs the provisioning Job's script with kafka-topics.sh / kafka-configs.sh / kafka-acls.sh stubs
 * that record their arguments; Secret values come from `passwords` (default: `testPassword`).
 */
interface JobRun { calls: string[]; status: number | null; stderr: string; stdout: string; dir: string }
function runJob(job: K8sObject, passwords: (key: string) => string = testPassword, stubs: { [tool: string]: string } = {}): JobRun {
  const dir = tmpDir('kafka-topics-');
  const log = path.join(dir, 'calls');
  fs.writeFileSync(log, '');
  for (const tool of ['kafka-topics.sh', 'kafka-configs.sh', 'kafka-acls.sh']) {
    // a stub's own lines (a `case "$*"` answering some calls) follow the record of its arguments
    fs.writeFileSync(path.join(dir, tool), `#!/bin/bash\necho "${tool} $*" >> ${log}\n${stubs[tool] ?? ''}\n`, { mode: 0o755 });
  }
  const c = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? passwords(e.valueFrom.secretKeyRef.key)]));
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', jobScript(job).replace(/\/tmp\/admin\.properties/g, `${dir}/admin.properties`).replace(/\/opt\/kafka\/bin\//g, `${dir}/`)], {
    env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { calls: fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean), status: res.status, stderr: res.stderr, stdout: res.stdout, dir };
}

/** The calls of a Job run that must succeed. */
function runTopicScript(job: K8sObject, passwords?: (key: string) => string): string[] {
  const r = runJob(job, passwords);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.calls;
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
    expect(b.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(b.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
    expect(b.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    const c = envOf(controllers);
    expect(c.KAFKA_LISTENERS).toBe('CONTROLLER://:9093');
    expect(c.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CONTROLLER:SASL_PLAINTEXT');
    expect(c.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
    expect(c.KAFKA_INTER_BROKER_LISTENER_NAME).toBeUndefined();
    expect(c.KAFKA_ADVERTISED_LISTENERS).toBeUndefined();
    expect(container(brokers).ports).toEqual([{ name: 'client', containerPort: 9092 }, { name: 'internal', containerPort: 9094 }]);
    expect(container(controllers).ports).toEqual([{ name: 'controller', containerPort: 9093 }]);
    // controllers have no clients: only the headless Service
    expect(find(out.objects, 'Service', undefined, NS).map((s) => s.metadata.name).sort())
      .toEqual(['events-broker', 'events-broker-headless', 'events-controller-headless', 'events-exporter']);
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

  test('the provisioning Job creates each topic idempotently, then a SCRAM user per service and exactly the ACLs of its bindings', () => {
    const jobs = find(out.objects, 'Job', undefined, NS);
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job.metadata.name).toMatch(/^events-provision-[0-9a-f]{10}$/);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe(KAFKA_DEFAULT_IMAGE);
    expect(envOf(job).BOOTSTRAP_SERVERS).toBe(ADMIN_BOOTSTRAP);
    // every password comes from a Secret: the cluster's admin, and one key per client user
    const secretRefs = c.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(secretRefs).toEqual([
      ['ADMIN_PASSWORD', 'events-sasl', 'admin-password'],
      ['CLIENT_PASSWORD_0', 'events-consumers', 'billing.billing'],
      ['CLIENT_PASSWORD_1', 'events-consumers', 'events.events-exporter'],
      ['CLIENT_PASSWORD_2', 'events-consumers', 'ordering.orders'],
      ['CLIENT_PASSWORD_3', 'events-consumers', 'shipping.shipping'],
    ]);
    expect(job.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('events-consumers,events-sasl');
    const run = runJob(job);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const admin = `--bootstrap-server ${ADMIN_BOOTSTRAP} --command-config ${run.dir}/admin.properties`;
    // the admin client config: PLAIN as "admin", the password only in the file (mode 600)
    expect(fs.readFileSync(`${run.dir}/admin.properties`, 'utf8')).toBe([
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${testPassword('admin-password')}";`,
      '',
    ].join('\n'));
    expect((fs.statSync(`${run.dir}/admin.properties`).mode % 0o1000).toString(8)).toBe('600');
    const created = (name: string, partitions: number, rf: number, configs: string[]) =>
      `kafka-topics.sh ${admin} --create --if-not-exists --topic ${name} --partitions ${partitions} --replication-factor ${rf} `
      + configs.map((x) => `--config ${x}`).join(' ');
    const altered = (name: string, configs: string[]) =>
      `kafka-configs.sh ${admin} --alter --entity-type topics --entity-name ${name} --add-config ${configs.join(',')}`;
    const orders = ['cleanup.policy=delete', 'min.insync.replicas=2', `retention.ms=${7 * 24 * 3600 * 1000}`];
    // RF 2: min.insync.replicas drops to 1 for this topic, so acks=all survives one replica down
    const audit = ['cleanup.policy=compact', 'min.insync.replicas=1', `retention.ms=${30 * 24 * 3600 * 1000}`];
    const scram = (user: string) => `kafka-configs.sh ${admin} --alter --entity-type users --entity-name ${user} --add-config SCRAM-SHA-512=[password=${testPassword(user)}]`;
    const acl = (user: string, rest: string) => `kafka-acls.sh ${admin} --add --allow-principal User:${user} ${rest}`;
    // the marker: this provisioning made the user (DESCRIBE on a group no client joins)
    const marker = (user: string) => acl(user, '--operation Describe --group cdk8s-architect.provisioned-users');
    expect(run.calls).toEqual([
      `kafka-topics.sh ${admin} --list`,
      created('orders', 3, 3, orders), altered('orders', orders),
      created('order-audit', 6, 2, audit), altered('order-audit', audit),
      // billing and shipping consume "orders" in their own groups; orders produces it; nobody gets order-audit
      scram('billing.billing'), acl('billing.billing', '--consumer --topic orders --group billing'), marker('billing.billing'),
      // the exporter: DESCRIBE on the cluster and on every topic and group (the literal wildcard), nothing else
      scram('events.events-exporter'), acl('events.events-exporter', '--operation Describe --cluster --topic * --group *'), marker('events.events-exporter'),
      scram('ordering.orders'), acl('ordering.orders', '--operation Write --operation Describe --topic orders'), marker('ordering.orders'),
      scram('shipping.shipping'), acl('shipping.shipping', '--consumer --topic orders --group shipping'), marker('shipping.shipping'),
      // the marked users of earlier runs (none here: the stub lists no ACLs)
      `kafka-acls.sh ${admin} --list --group cdk8s-architect.provisioned-users`,
    ]);
    expect(run.stdout).toContain('0 Kafka users of services that left were deleted');
    expect(run.stdout).toContain('4 Kafka users and their ACLs are in place');
    // no password reaches a command line of the script itself (only the stubbed tools' arguments, expanded from env)
    expect(jobScript(job)).not.toMatch(/pw-/);
    expect(jobScript(job)).toContain('--config retention.ms=2592000000\n');
    expect(jobScript(job)).toContain('--config cleanup.policy=compact');
  });

  test('users an earlier run made (the marker) that the program no longer has lose their ACLs and SCRAM credential; others are left alone', () => {
    const job = find(out.objects, 'Job', undefined, NS)[0];
    const marker = 'cdk8s-architect.provisioned-users';
    // AclCommand's listing: a resource line, then one tab-indented entry per ACL
    const entry = (user: string, op: string) => `\t(principal=User:${user}, host=*, operation=${op}, permissionType=ALLOW)`;
    const resource = (type: string, name: string) => `Current ACLs for resource \`ResourcePattern(resourceType=${type}, name=${name}, patternType=LITERAL)\`:`;
    const markedList = [resource('GROUP', marker), ...['billing.billing', 'old.retired', 'old.exporter', 'ordering.orders'].map((u) => entry(u, 'DESCRIBE')), ''].join('\n');
    const retired = ['ACLs for principal `User:old.retired`', resource('TOPIC', 'orders'), entry('old.retired', 'READ'), entry('old.retired', 'DESCRIBE'), '',
      resource('GROUP', 'retired'), entry('old.retired', 'READ'), '', resource('GROUP', marker), entry('old.retired', 'DESCRIBE'), ''].join('\n');
    const exporter = ['ACLs for principal `User:old.exporter`', resource('CLUSTER', 'kafka-cluster'), entry('old.exporter', 'DESCRIBE'), '',
      resource('TOPIC', '*'), entry('old.exporter', 'DESCRIBE'), '', resource('GROUP', '*'), entry('old.exporter', 'DESCRIBE'), '',
      resource('GROUP', marker), entry('old.exporter', 'DESCRIBE'), ''].join('\n');
    const q = (x: string) => `'${x.replace(/'/g, '\'\\\'\'')}'`;
    const run = runJob(job, testPassword, {
      'kafka-acls.sh': [
        'case "$*" in',
        `  *"--list --group ${marker}") printf '%s' ${q(markedList)} ;;`,
        `  *"--list --principal User:old.retired") printf '%s' ${q(retired)} ;;`,
        `  *"--list --principal User:old.exporter") printf '%s' ${q(exporter)} ;;`,
        'esac',
      ].join('\n'),
      // the exporter's credential was deleted by hand already
      'kafka-configs.sh': 'case "$*" in *"--entity-name old.exporter --delete-config"*) echo "ResourceNotFoundException: Attempt to delete a user credential that does not exist" >&2; exit 1 ;; esac',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const after = run.calls.slice(run.calls.findIndex((c) => c.endsWith(`--list --group ${marker}`)) + 1).map((c) => c.replace(/^(\S+) --bootstrap-server \S+ --command-config \S+ /, '$1 '));
    expect(after).toEqual([
      // kept users (billing, orders) are not touched; the others in the listing's order
      'kafka-acls.sh --list --principal User:old.exporter',
      'kafka-acls.sh --remove --force --allow-principal User:old.exporter --operation Read --operation Write --operation Describe --topic *',
      'kafka-acls.sh --remove --force --allow-principal User:old.exporter --operation Describe --cluster',
      'kafka-configs.sh --alter --entity-type users --entity-name old.exporter --delete-config SCRAM-SHA-512',
      `kafka-acls.sh --remove --force --allow-principal User:old.exporter --operation Read --operation Describe --group * --group ${marker}`,
      'kafka-acls.sh --list --principal User:old.retired',
      'kafka-acls.sh --remove --force --allow-principal User:old.retired --operation Read --operation Write --operation Describe --topic orders',
      'kafka-configs.sh --alter --entity-type users --entity-name old.retired --delete-config SCRAM-SHA-512',
      `kafka-acls.sh --remove --force --allow-principal User:old.retired --operation Read --operation Describe --group retired --group ${marker}`,
    ]);
    expect(run.stdout).toContain('user old.exporter had no SCRAM-SHA-512 credential left');
    expect(run.stdout).toContain('user old.retired: SCRAM-SHA-512 credential deleted');
    expect(run.stdout).toContain('user old.retired is no longer in the program: its ACLs and SCRAM credential are deleted');
    expect(run.stdout).toContain('2 Kafka users of services that left were deleted');
    // a failing removal stops the run (the marker stays, so the next run tries again)
    const failing = runJob(job, testPassword, {
      'kafka-acls.sh': ['case "$*" in', `  *"--list --group ${marker}") printf '%s' ${q(markedList)} ;;`,
        `  *"--list --principal User:old.retired") printf '%s' ${q(retired)} ;;`, '  *"--remove"*) echo "TimeoutException" >&2; exit 1 ;;', 'esac'].join('\n'),
    });
    expect(failing.status).not.toBe(0);
    expect(failing.calls.filter((c) => c.includes('--remove'))).toHaveLength(1);
    expect(failing.stdout).not.toContain('old.retired is no longer in the program');
    // so does a credential deletion that fails for another reason, before the marker goes
    const timeout = runJob(job, testPassword, {
      'kafka-acls.sh': ['case "$*" in', `  *"--list --group ${marker}") printf '%s' ${q(markedList)} ;;`, `  *"--list --principal User:old.retired") printf '%s' ${q(retired)} ;;`, 'esac'].join('\n'),
      'kafka-configs.sh': 'case "$*" in *"--delete-config"*) echo "TimeoutException: Timed out waiting for a node assignment" >&2; exit 1 ;; esac',
    });
    expect(timeout.status).not.toBe(0);
    expect(timeout.stderr).toContain('TimeoutException');
    expect(timeout.calls.some((c) => c.includes(`--group ${marker}`) && c.includes('--remove'))).toBe(false);
  });

  test('the Job refuses a password the SCRAM settings cannot carry, naming the user', () => {
    const job = find(out.objects, 'Job', undefined, NS)[0];
    const bad = (value: string) => (key: string) => (key === 'ordering.orders' ? value : testPassword(key));
    for (const [value, message] of [
      ['short', 'the password of Kafka user ordering.orders has 5 characters: use 8 to 128'],
      ['has]bracket-1234', 'the password of Kafka user ordering.orders has characters other than A-Za-z0-9._~+/=-'],
      ['has"quote-12345', 'has characters other than'],
      ['x'.repeat(129), 'has 129 characters'],
    ]) {
      const r = runJob(job, bad(value));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(message);
      // nothing was written for that user
      expect(r.calls.filter((x) => x.includes('ordering.orders'))).toEqual([]);
    }
    const admin = runJob(job, (key) => (key === 'admin-password' ? 'pw' : testPassword(key)));
    expect(admin.status).toBe(1);
    expect(admin.stderr).toContain('the password of Kafka user admin has 2 characters');
    expect(admin.calls).toEqual([]);
  });

  test('the Job is renamed when a topic, a user or an ACL changes (a Job template is immutable)', () => {
    const name = find(out.objects, 'Job', undefined, NS)[0].metadata.name;
    const changed = build(arch.Profile.PRODUCTION, {}, [{ name: 'orders', partitions: 12 }, TOPICS[1]]);
    expect(find(changed.objects, 'Job', undefined, NS)[0].metadata.name).not.toBe(name);
    // a new consumer of the same topic: same topics, one more user
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(), topics: TOPICS });
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080, context: 'ordering' }).uses(mq.topic('orders').producer());
    new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1', port: 8080, context: 'billing' }).uses(mq.topic('orders').consumer('billing'));
    const fewer = synthApp(app);
    expect(find(fewer.objects, 'Job', undefined, NS)[0].metadata.name).not.toBe(name);
    expect(build(arch.Profile.PRODUCTION).files).toEqual(out.files);
  });

  test('without topics or clients the Job only proves the admin credential; without authentication and topics there is no Job', () => {
    const bareApp = (options: arch.KafkaOptions) => {
      const app = newTestApp();
      const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
      new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(options) });
      return synthApp(app);
    };
    const bare = bareApp({ exporter: false });
    const job = one(bare.objects, 'Job', find(bare.objects, 'Job')[0]?.metadata.name ?? 'missing', NS);
    expect(runTopicScript(job)).toEqual([
      expect.stringMatching(/^kafka-topics.sh --bootstrap-server \S+ --command-config \S+ --list$/),
      // users of earlier versions of the program that had services
      expect.stringMatching(/^kafka-acls.sh --bootstrap-server \S+ --command-config \S+ --list --group cdk8s-architect.provisioned-users$/),
    ]);
    expect(job.spec.template.spec.containers[0].env.map((e: any) => e.name)).toEqual(['BOOTSTRAP_SERVERS', 'KAFKA_HEAP_OPTS', 'LOG_DIR', 'ADMIN_PASSWORD']);
    expect(checkAll(bare.objects)).toEqual([]);
    const open = bareApp({ authentication: false });
    expect(find(open.objects, 'Job')).toHaveLength(0);
    expect(find(open.objects, 'ServiceAccount', 'events-topics', NS)).toHaveLength(0);
    expect(checkAll(open.objects)).toEqual([]);
  });

  test('cluster principals: SASL on every listener, PLAIN for controller and inter-broker, SCRAM for clients, the StandardAuthorizer denying by default', () => {
    const b = envOf(brokers);
    const c = envOf(controllers);
    for (const e of [b, c]) {
      expect(e.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(e.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
      expect(e.KAFKA_SUPER_USERS).toBe('User:controller;User:broker;User:admin');
      expect(e.KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL).toBe('PLAIN');
      expect(e.KAFKA_LISTENER_NAME_CONTROLLER_SASL_ENABLED_MECHANISMS).toBe('PLAIN');
    }
    // controllers accept the controller user; brokers log in as it
    expect(c.KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$(kafka_controller_password)" user_controller="$(kafka_controller_password)";');
    expect(b.KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$(kafka_controller_password)";');
    expect(b.KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL).toBe('PLAIN');
    expect(b.KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG).toContain('user_admin="$(kafka_admin_password)"');
    expect(b.KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS).toBe('SCRAM-SHA-512');
    expect(b.KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___512_SASL_JAAS_CONFIG).toBe('org.apache.kafka.common.security.scram.ScramLoginModule required;');
    expect(c.KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS).toBeUndefined();
    // the passwords come from the cluster Secret, defined before the variables that expand them
    for (const [sts, keys] of [[brokers, ['controller-password', 'broker-password', 'admin-password']], [controllers, ['controller-password']]] as const) {
      const env = container(sts).env;
      const refs = env.filter((e: any) => e.valueFrom?.secretKeyRef);
      expect(refs.map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual(keys.map(() => 'events-sasl'));
      expect(refs.map((e: any) => e.valueFrom.secretKeyRef.key)).toEqual(keys);
      const firstUse = env.findIndex((e: any) => /\$\(kafka_/.test(e.value ?? ''));
      expect(env.findIndex((e: any) => e.valueFrom)).toBeLessThan(firstUse);
      expect(refs.every((e: any) => /^[a-z_]+$/.test(e.name))).toBe(true); // not KAFKA_*: the image would turn them into properties
      expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('events-sasl');
    }
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

  test('each service is its own Kafka user: user name in env, password from its own Secret', () => {
    for (const [svc, ns] of [['orders', 'ordering'], ['billing', 'billing'], ['shipping', 'shipping']]) {
      const c = one(out.objects, 'Deployment', svc, ns).spec.template.spec.containers[0];
      const e = envOf(one(out.objects, 'Deployment', svc, ns));
      expect(e.EVENTS_SECURITY_PROTOCOL).toBe('SASL_PLAINTEXT');
      expect(e.EVENTS_SASL_MECHANISM).toBe('SCRAM-SHA-512');
      expect(e.EVENTS_USERNAME).toBe(`${ns}.${svc}`);
      expect(c.env.find((x: any) => x.name === 'EVENTS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: `${svc}-events-client`, key: 'password' });
    }
  });

  test('the exporter: one kafka_exporter pod as its own Kafka user, the password through an argument file, scraped as kind "kafka"', () => {
    const d = one(out.objects, 'Deployment', 'events-exporter', NS);
    const spec = d.spec.template.spec;
    const c = spec.containers[0];
    expect(d.spec.replicas).toBe(1);
    expect(c.image).toBe(KAFKA_EXPORTER_DEFAULT_IMAGE);
    expect(KAFKA_EXPORTER_DEFAULT_IMAGE).toBe('danielqsj/kafka-exporter:v1.9.0');
    expect(c.args).toEqual([
      ...[0, 1, 2].map((i) => `--kafka.server=${brokerHost(i)}:9092`),
      '--kafka.version=4.0.0',
      '--web.listen-address=:9308',
      '--sasl.enabled', '--sasl.mechanism=scram-sha512', '--sasl.username=events.events-exporter',
    ]);
    expect(JSON.stringify([c.command, c.args, c.env ?? []])).not.toMatch(/sasl\.password=[^$]/);
    expect(spec.securityContext).toMatchObject({ runAsUser: 65534, runAsNonRoot: true });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9308, protocol: 'TCP' }]);
    const vols = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
    expect(vols.args.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    expect(vols.password.secret).toEqual({ secretName: 'events-consumers', items: [{ key: 'events.events-exporter', path: 'password' }], defaultMode: 0o440 });
    expect(d.spec.template.metadata.annotations).toMatchObject({
      'cdk8s-architect.dev/scrape': 'true',
      'cdk8s-architect.dev/scrape-port': '9308',
      'cdk8s-architect.dev/scrape-kind': 'kafka',
      'cdk8s-architect.dev/scrape-job': 'events-exporter',
      'cdk8s-architect.dev/external-secrets': 'events-consumers',
    });
    // the brokers admit it on the client port; it reaches nothing else in the namespace
    const egress = one(out.objects, 'NetworkPolicy', 'events-exporter', NS).spec.egress
      .filter((r: any) => r.to.some((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'events'));
    expect(egress.map((r: any) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/component'], r.ports.map((x: any) => x.port)])).toEqual([['broker', [9092]]]);

    // the start script as busybox sh runs it, with a stub exporter that prints its arguments and the argument file
    const dir = tmpDir('kafka-exporter-');
    fs.mkdirSync(path.join(dir, 'args'));
    fs.mkdirSync(path.join(dir, 'secret'));
    fs.writeFileSync(path.join(dir, 'secret', 'password'), 'exp0rter-pw.~+/=');
    fs.writeFileSync(path.join(dir, 'kafka_exporter'), '#!/bin/sh\nfor a in "$@"; do echo "arg $a"; done\nfor a in "$@"; do case "$a" in @*) cat "${a#@}"; ls -l "${a#@}" | cut -c1-10;; esac; done\n', { mode: 0o755 });
    expect(c.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const startScript = c.command[2].replace(/\/run\/kafka-exporter/g, `${dir}/args`).replace(/\/etc\/kafka-exporter/g, `${dir}/secret`)
      .replace('/bin/kafka_exporter', `${dir}/kafka_exporter`);
    const r = spawnSync('sh', ['-c', startScript, c.command[3], ...c.args], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      `arg @${dir}/args/args`, ...c.args.map((a: string) => `arg ${a}`),
      '--sasl.password=exp0rter-pw.~+/=', '-rw-------', '',
    ]);
  });

  test('the exporter without authentication, and turned off', () => {
    const plain = build(arch.Profile.PRODUCTION, { authentication: false });
    const c = one(plain.objects, 'Deployment', 'events-exporter', NS).spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/kafka_exporter']);
    expect(c.args.filter((a: string) => a.startsWith('--sasl'))).toEqual([]);
    expect(c.volumeMounts).toBeUndefined();
    const off = build(arch.Profile.PRODUCTION, { exporter: false });
    expect(find(off.objects, 'Deployment', 'events-exporter', NS)).toEqual([]);
    expect(runTopicScript(find(off.objects, 'Job', undefined, NS)[0]).join('\n')).not.toContain('exporter');
    expect(checkAll(off.objects)).toEqual([]);
  });

  test('authentication false: PLAINTEXT listeners, no authorizer, no credentials anywhere, a topics Job', () => {
    const o = build(arch.Profile.PRODUCTION, { authentication: false });
    expect(checkAll(o.objects)).toEqual([]);
    const b = envOf(one(o.objects, 'StatefulSet', 'events-broker', NS));
    expect(b.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(b.KAFKA_AUTHORIZER_CLASS_NAME).toBeUndefined();
    expect([...o.files.values()].join('\n')).not.toContain('secretKeyRef');
    expect(envOf(one(o.objects, 'Deployment', 'billing', 'billing')).EVENTS_USERNAME).toBeUndefined();
    const job = find(o.objects, 'Job', undefined, NS)[0];
    expect(job.metadata.name).toMatch(/^events-topics-[0-9a-f]{10}$/);
    expect(envOf(job).BOOTSTRAP_SERVERS).toBe(BOOTSTRAP);
    const calls = runTopicScript(job);
    expect(calls[0]).toBe(`kafka-topics.sh --bootstrap-server ${BOOTSTRAP} --create --if-not-exists --topic orders --partitions 3 --replication-factor 3 `
      + '--config cleanup.policy=delete --config min.insync.replicas=2 --config retention.ms=604800000');
    expect(calls).toHaveLength(4);
    expect(one(o.objects, 'NetworkPolicy', 'events-topics', NS).spec.egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([[9092]]);
  });

  test('network: clients reach the brokers on 9092 only, the Job on 9094; brokers reach controllers on 9093', () => {
    const policy = (name: string, ns = NS) => one(out.objects, 'NetworkPolicy', name, ns);
    const ports = (rule: any) => rule.ports.map((p: any) => p.port);
    const brokerIngress = policy('events-broker').spec.ingress;
    // self (client + inter-broker), then billing, orders, shipping on 9092, the provisioning Job on 9094
    expect(ports(brokerIngress[0])).toEqual([9092, 9094]);
    const fromOthers = brokerIngress.slice(1);
    expect(fromOthers).toHaveLength(2);
    expect(fromOthers[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/instance']).sort())
      .toEqual(['shop-billing', 'shop-events-exporter', 'shop-orders', 'shop-shipping']);
    expect(ports(fromOthers[0])).toEqual([9092]);
    expect(fromOthers[1].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/instance'])).toEqual(['shop-events-provision']);
    expect(ports(fromOthers[1])).toEqual([9094]);
    expect(policy('events-broker').spec.egress.map((r: any) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/component'], ports(r)]))
      .toEqual([['broker', [9092, 9094]], ['controller', [9093]]]);
    const controllerPolicy = policy('events-controller').spec;
    expect(controllerPolicy.ingress.map((r: any) => [r.from[0].podSelector.matchLabels['app.kubernetes.io/component'], ports(r)]))
      .toEqual([['controller', [9093]], ['broker', [9093]]]);
    expect(controllerPolicy.egress.map((r: any) => ports(r))).toEqual([[9093]]);
    const billingEgress = policy('billing', 'billing').spec.egress.filter((r: any) => r.to[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === NS);
    expect(billingEgress.map((r: any) => ports(r))).toEqual([[9092]]);
    expect(policy('events-provision').spec.egress.map((r: any) => ports(r))).toEqual([[9094]]);
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
    // development authenticates too: a service that works there works in production
    expect(e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    // the combined node accepts the controller user and logs in as it
    expect(e.KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG).toContain('user_controller=');
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
    expect(calls[1]).toContain('--topic orders --partitions 1 --replication-factor 1 --config cleanup.policy=delete --config min.insync.replicas=1');
    expect(calls[3]).toContain('--topic order-audit --partitions 6 --replication-factor 1 --config cleanup.policy=compact');
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

  test('authentication settings', () => {
    expectError(synthError(P, { authentication: false, clusterCredentialsSecret: 'kafka-sasl' }), 'clusterCredentialsSecret is set but authentication is false');
    expectError(synthError(P, { authentication: false, consumerPasswordsSecret: 'kafka-users' }), 'consumerPasswordsSecret is set but authentication is false');
    expectError(synthError(P, { clusterCredentialsSecret: 'Kafka_SASL' }), '"Kafka_SASL"');
    expectError(synthError(P, { authentication: 'yes' as any }), 'authentication "yes" is not a boolean');
    // the custom names reach the brokers, the Job and (per consumer) nothing else
    const o = build(P, { clusterCredentialsSecret: 'kafka-sasl', consumerPasswordsSecret: 'kafka-users' });
    const job = find(o.objects, 'Job', undefined, NS)[0];
    expect(job.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name))
      .toEqual(['kafka-sasl', 'kafka-users', 'kafka-users', 'kafka-users', 'kafka-users']);
    expect(container(one(o.objects, 'StatefulSet', 'events-broker', NS)).env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name))
      .toEqual(['kafka-sasl', 'kafka-sasl', 'kafka-sasl']);
  });

  test('a client credentials Secret name longer than 63 characters', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: P });
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(), topics: [{ name: 'orders' }] });
    const long = 'a'.repeat(50);
    expect(() => {
      new arch.Microservice(shop, long, { image: 'ghcr.io/acme/x:1.0.0', port: 8080 }).uses(mq.topic('orders').producer());
      synthApp(app);
    }).toThrow(/the Kafka credentials Secret "a{50}-events-client" of "a{50}" has 64 characters \(Kubernetes allows 63\).*Fix: shorten the service name or the message queue name "events"/s);
  });

  test('exporter settings', () => {
    expectError(synthError(P, { exporter: 'yes' as any }), 'exporter "yes" is not a boolean');
    expectError(synthError(P, { exporter: false, exporterImage: 'danielqsj/kafka-exporter:v1.9.0' }), 'exporterImage is set but exporter is false');
    expectError(synthError(P, { exporterImage: 'danielqsj/kafka-exporter' }), '"danielqsj/kafka-exporter"');
  });

  test('other ranges', () => {
    expectError(synthError(P, { brokers: 0 }), 'brokers 0');
    expectError(synthError(P, { image: 'apache/kafka' }), '"apache/kafka"');
    expectError(synthError(P, { resources: { memoryLimitMebibytes: 256, memoryRequestMebibytes: 256 } }), 'memoryLimitMebibytes 256');
    expectError(synthError(P, { storageClassName: 'Fast SSD' }), '"Fast SSD"');
  });
});
