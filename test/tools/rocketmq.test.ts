import { execFileSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lab, podDnsName } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import * as arch from '../../src';
import { find, K8sObject, newTestApp, one, synthApp } from '../harness/synth';

/**
 * RocketMQ's ACL 2.0 and controller-mode failover as the production manifests set them up, with
 * the real RocketMQ 5.3.3: three controllers, one NameServer and one broker group of two brokers,
 * each in its own network namespace with its pod's DNS name, started from the StatefulSets' own
 * commands (the supervised start scripts, which render controller.conf with the pod's peer id and
 * broker.conf from the ConfigMap, the pod IP and the super users' passwords), env (the passwords
 * from the cluster's Secret), volumes at their container paths, user and read-only root
 * (test/tools/lab.ts). The provisioning Job's own command creates the topics, the consumer groups,
 * each service's user and ACLs on both brokers; the CronJob's pod runs it again after a service's
 * password was rotated in the Secrets.
 *
 * Verified with RocketMQ's own remoting client (test/tools/RocketMqClientCheck.java), signing as
 * each service's Deployment env says (`EVENTS_USERNAME`, the password of its own Secret): the
 * producer writes its topic; consumers read it in their groups; a consumer cannot read another
 * service's topic nor use another group; a producer cannot write a topic it does not produce, nor
 * a consumer the topic it reads; a wrong or rotated-away password is refused. Then the master the
 * controllers elected is killed (SIGKILL), once the slave is in the in-sync set: the controllers
 * elect the slave, which takes a producer's send, serves every message acknowledged before the
 * kill, and authorizes (it has the users and ACLs only because the Job wrote them there, and the
 * topic only because its sync from the master, signed as the broker super user, worked); the old
 * master returns with its volume and rejoins the in-sync set as a slave. The brokers' and
 * controllers' own metrics endpoints, scraped where the pods' annotations point, serve the series
 * the RocketMQ alert rules read, with the labels they group by. The Job of the next
 * version of the program, without one service, deletes that service's user on the brokers and an
 * ACL entry added by hand to another service's user (the Job owns its users' ACLs), and leaves a
 * user made by hand alone.
 *
 * The image is a stand-in: the 5.3.3 jars (test/tools/rocketmq/pom.xml, Maven Central) with shell
 * scripts written for this check in place of the image's (test/tools/rocketmq/image/bin, see their
 * comments), on the machine's Java 17 (the image has JDK 8).
 */
jest.setTimeout(1_500_000);

const NS = 'events';
const IMAGE_HOME = '/home/rocketmq/rocketmq-5.3.3';
const CACHE = path.join(os.homedir(), '.cache', 'cdk8s-architect', 'rocketmq-5.3.3');

let lab: Lab | undefined;
afterAll(async () => {
  await lab?.destroy();
});

/** lib/ of the stand-in image: the jars of rocketmq/pom.xml and their dependencies (cached). */
function rocketMqLib(): string {
  const lib = path.join(CACHE, 'lib');
  if (fs.existsSync(path.join(lib, 'rocketmq-broker-5.3.3.jar'))) return lib;
  const mvn = requireProgram(['mvn', '/usr/bin/mvn'], 'maven');
  fs.rmSync(CACHE, { recursive: true, force: true });
  fs.mkdirSync(CACHE, { recursive: true });
  execFileSync(mvn, ['-q', '-f', path.join(__dirname, 'rocketmq', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${lib}.part`],
    { stdio: 'inherit', timeout: 600_000 });
  fs.renameSync(`${lib}.part`, lib);
  return lib;
}

/** The check's architecture; `without` leaves one service out (the next version of the program). */
function build(without?: string) {
  const app = newTestApp();
  // one NameServer and one broker group keep the check within a shared machine's memory
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const mq = new arch.MessageQueue(shop, 'events', {
    engine: arch.MessageQueueEngine.rocketmq({
      nameServers: 1,
      brokerGroups: 1,
      replicasPerGroup: 2,
      storageGibibytes: 4,
      brokerResources: { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 },
      nameServerResources: { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 256 },
      // the production default: three controllers elect the group's master
      controllerResources: { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 256 },
    }),
    topics: [{ name: 'orders', partitions: 2 }, { name: 'payments', partitions: 1 }],
  });
  const svc = (name: string, context: string, role: arch.IBindable) => {
    if (name !== without) new arch.Microservice(shop, name, { image: `ghcr.io/acme/${name}:1.0.0`, port: 8080, context }).uses(role);
  };
  svc('orders', 'ordering', mq.topic('orders').producer());
  svc('billing', 'billing', mq.topic('orders').consumer('billing'));
  svc('payments', 'payments', mq.topic('payments').producer());
  svc('shipping', 'shipping', mq.topic('payments').consumer('shipping'));
  return synthApp(app);
}

const PASSWORDS: { [key: string]: string } = {
  'admin-password': 'adm1n-pw-5c21e0f3',
  'broker-password': 'br0ker-pw-77de4a1b',
  'ordering.orders': 'orders-pw-a1b2c3d4',
  'billing.billing': 'billing-pw-e5f6a7b8',
  'payments.payments': 'payments-pw-c9d0e1f2',
  'shipping.shipping': 'shipping-pw-a3b4c5d6',
};

test('the production RocketMQ cluster authenticates every service as its own user, authorizes exactly its graph on every broker, and elects the slave when its master dies', async () => {
  const java = requireProgram(['/usr/bin/java', 'java'], 'openjdk-17-jdk-headless');
  const javac = requireProgram(['/usr/bin/javac', 'javac'], 'openjdk-17-jdk-headless');
  const curl = requireProgram(['curl'], 'curl');
  const t0 = Date.now();
  const lib = rocketMqLib();
  const out = build();
  const namesrvSts = one(out.objects, 'StatefulSet', 'events-namesrv', NS);
  const brokerSts = one(out.objects, 'StatefulSet', 'events-broker-a', NS);
  const controllerSts = one(out.objects, 'StatefulSet', 'events-controller', NS);
  expect(controllerSts.spec.replicas).toBe(3);
  const job = find(out.objects, 'Job').find((j) => j.metadata.name.startsWith('events-provision-'))!;
  expect(job).toBeDefined();
  const deployment = (name: string, ns: string) => one(out.objects, 'Deployment', name, ns).spec.template.spec;

  const host = podDnsName;
  const clients = ['orders', 'billing', 'payments', 'shipping'];
  lab = Lab.create([
    { name: 'events-namesrv-0', hostnames: [host(namesrvSts, 0)] },
    ...[0, 1, 2].map((i) => ({ name: `events-controller-${i}`, hostnames: [host(controllerSts, i)] })),
    { name: 'events-broker-a-0', hostnames: [host(brokerSts, 0)] },
    { name: 'events-broker-a-1', hostnames: [host(brokerSts, 1)] },
    { name: 'events-provision-x7k2p', hostnames: [] },
    ...clients.map((c) => ({ name: `${c}-5d8f9-abcde`, hostnames: [] })),
  ]);

  // the image: $ROCKETMQ_HOME with bin/ (stand-ins), lib/ (the real jars) and conf/
  const home = lab.dir('rocketmq-home', 0, 0, 0o755);
  for (const d of ['bin', 'lib', 'conf']) fs.mkdirSync(path.join(home, d), { mode: 0o755 });
  const bin = path.join(__dirname, 'rocketmq', 'image', 'bin');
  for (const f of fs.readdirSync(bin)) fs.copyFileSync(path.join(bin, f), path.join(home, 'bin', f));
  for (const f of fs.readdirSync(lib).filter((x) => x.endsWith('.jar'))) fs.copyFileSync(path.join(lib, f), path.join(home, 'lib', f));
  // the distribution's conf/tools.yml: its credentials are not the cluster's (mqadmin must be given the admin's)
  fs.writeFileSync(path.join(home, 'conf', 'tools.yml'), 'accessKey: rocketmq2\nsecretKey: 12345678\n');
  execFileSync('chmod', ['-R', 'a+rX', home]);
  const programs = { [IMAGE_HOME]: home };
  // the image's ENV, and HOME as the runtime sets it from the image user's passwd entry
  const imageEnv = { ROCKETMQ_HOME: IMAGE_HOME, HOME: '/home/rocketmq' };

  // the client check, compiled against the same jars
  const classes = lab.dir('client-classes', 0, 0, 0o755);
  execFileSync(javac, ['-nowarn', '-cp', `${lib}/*`, '-d', classes, path.join(__dirname, 'RocketMqClientCheck.java')], { stdio: 'pipe' });

  // what the kubelet gives each pod: a claim or emptyDir per volume, ConfigMaps as files, Secret values as env
  const configMap = (name: string) => one(out.objects, 'ConfigMap', name, NS).data;
  const volumesOf = (pod: string, spec: any, sts?: K8sObject) => lab!.podVolumes(pod, spec, configMap,
    (sts?.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
  const secretEnv = (container: any) => Object.fromEntries((container.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => {
    const ref = e.valueFrom.secretKeyRef;
    const value = PASSWORDS[ref.key];
    if (value === undefined) throw new Error(`no test value for Secret ${ref.name} key ${ref.key}`);
    return [e.name, value];
  }));

  const servers: Running[] = [];
  const start = (pod: string, sts: K8sObject) => {
    const spec = sts.spec.template.spec;
    const container = spec.containers[0];
    const r = lab!.run(pod, { container, podSpec: spec, volumes: volumesOf(pod, spec, sts), programs, imageEnv, secretEnv: secretEnv(container) });
    servers.push(r);
    return r;
  };
  for (const i of [0, 1, 2]) start(`events-controller-${i}`, controllerSts);
  start('events-namesrv-0', namesrvSts);
  const brokers = [start('events-broker-a-0', brokerSts), start('events-broker-a-1', brokerSts)];
  const logs = () => servers.map((r, i) => `--- server ${i}\n${r.output().slice(-3000)}`).join('\n');

  // the provisioning Job, with the Job controller's retries while the brokers start
  const jobSpec = job.spec.template.spec;
  const provision = (spec: any, pod: string) => lab!.runSync('events-provision-x7k2p', {
    container: spec.containers[0], podSpec: spec, volumes: volumesOf(pod, spec), programs, imageEnv, secretEnv: secretEnv(spec.containers[0]),
  }, 600_000);
  let attempts = 0;
  const first = await waitFor('the provisioning Job to succeed', async () => {
    attempts++;
    const r = provision(jobSpec, `events-provision-${attempts}`);
    if (r.status !== 0) throw new Error(`Job attempt ${attempts} failed (${r.status}): ${(r.stdout + r.stderr).slice(-3000)}`);
    return r;
  }, 600_000, logs);
  const ready = Date.now();
  expect(first.stdout).toContain('rocketmq-topics: topic orders: confirmed by 1 of 1 masters');
  for (const b of [0, 1]) {
    expect(first.stdout).toContain(`user ordering.orders on ${host(brokerSts, b)}:10911: `);
    expect(first.stdout).toContain(`ACL Get,Sub of billing.billing on ${host(brokerSts, b)}:10911: done`);
  }

  // the CronJob's pod runs the same provisioning again after billing's password was rotated in the Secrets
  const cron = one(out.objects, 'CronJob', 'events-provision', NS);
  const cronSpec = cron.spec.jobTemplate.spec.template.spec;
  const rotatedFrom = PASSWORDS['billing.billing'];
  PASSWORDS['billing.billing'] = 'billing-pw-rotated-9f8e7d6c';
  const cronStarted = Date.now();
  const second = provision(cronSpec, 'events-provision-cron');
  expect({ status: second.status, out: second.status === 0 ? '' : (second.stdout + second.stderr).slice(-3000) }).toEqual({ status: 0, out: '' });
  expect(second.stdout).toContain(`user billing.billing on ${host(brokerSts, 1)}:10911: password set`);
  const cronSeconds = Math.round((Date.now() - cronStarted) / 1000);

  // ---- the services, signing as their own Deployment env and Secret say
  const text = (r: SpawnSyncReturns<string>) => `${r.stdout}${r.stderr}`;
  const credentials = (service: string, ns: string, password?: string) => {
    const c = deployment(service, ns).containers[0];
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const pw = c.env.find((e: any) => e.name === 'EVENTS_PASSWORD');
    expect(pw.valueFrom.secretKeyRef).toEqual({ name: `${service}-events-client`, key: 'password' });
    expect(env.EVENTS_USERNAME).toBe(`${ns}.${service}`);
    return { env, user: env.EVENTS_USERNAME as string, password: password ?? PASSWORDS[env.EVENTS_USERNAME] };
  };
  const client = (service: string, ns: string, mode: 'produce' | 'consume', topic: string, last: string, password?: string) => {
    const { env, user, password: pw } = credentials(service, ns, password);
    const r = lab!.exec(`${service}-5d8f9-abcde`, [java, '-Xmx128m', `-Duser.home=${lab!.dir(`client-${service}-home`, 0, 0, 0o700)}`,
      '-cp', `${classes}:${lib}/*`, 'RocketMqClientCheck', mode, env.EVENTS_NAMESRV_ADDR, user, pw, topic, last], { PATH: process.env.PATH }, 180_000);
    return text(r).split('\n').filter((l) => /^(SENT|RECEIVED|DENIED) /.test(l));
  };
  const produce = (service: string, ns: string, topic: string, body: string, password?: string) => client(service, ns, 'produce', topic, body, password);
  const consume = (service: string, ns: string, topic: string, group: string, password?: string) => client(service, ns, 'consume', topic, group, password);
  const ordersEnv = credentials('orders', 'ordering').env;
  const billingEnv = credentials('billing', 'billing').env;
  const shippingEnv = credentials('shipping', 'shipping').env;
  expect(ordersEnv.EVENTS_NAMESRV_ADDR).toBe(`${host(namesrvSts, 0)}:9876`);

  // the producer writes its topic (SYNC_MASTER: acknowledged once the slave has it too); the consumer reads it in its group
  expect(produce('orders', 'ordering', ordersEnv.EVENTS_ORDERS_TOPIC, 'order-1001')).toEqual(['SENT SEND_OK']);
  expect(consume('billing', 'billing', billingEnv.EVENTS_ORDERS_TOPIC, billingEnv.EVENTS_ORDERS_GROUP)).toEqual(['RECEIVED order-1001']);
  expect(produce('payments', 'payments', 'payments', 'payment-2002')).toEqual(['SENT SEND_OK']);
  expect(consume('shipping', 'shipping', shippingEnv.EVENTS_PAYMENTS_TOPIC, shippingEnv.EVENTS_PAYMENTS_GROUP)).toEqual(['RECEIVED payment-2002']);

  const denied = (lines: string[], pattern: RegExp) => {
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  };
  // a consumer cannot read another service's topic, nor use another service's group
  denied(consume('shipping', 'shipping', 'orders', shippingEnv.EVENTS_PAYMENTS_GROUP), /^DENIED .*User:shipping\.shipping has no permission to access Topic:orders/);
  denied(consume('billing', 'billing', 'orders', shippingEnv.EVENTS_PAYMENTS_GROUP), /^DENIED .*User:billing\.billing has no permission to access Group:shipping/);
  // a producer writes only its own topics; a consumer writes nothing
  denied(produce('orders', 'ordering', 'payments', 'forged-payment'), /^DENIED .*User:ordering\.orders has no permission to access Topic:payments/);
  denied(produce('billing', 'billing', 'orders', 'forged-order'), /^DENIED .*User:billing\.billing has no permission to access Topic:orders/);
  // a wrong password, and the one the CronJob rotated away from, are refused
  denied(consume('billing', 'billing', 'orders', billingEnv.EVENTS_ORDERS_GROUP, 'not-the-password'), /^DENIED .*check signature failed/);
  denied(consume('billing', 'billing', 'orders', billingEnv.EVENTS_ORDERS_GROUP, rotatedFrom), /^DENIED .*check signature failed/);

  const adminTool = (...args: string[]) => {
    // an operator's mqadmin, signing as the admin through a tools.yml of its own
    const adminHome = lab!.dir('operator-admin', 0, 0, 0o700);
    fs.mkdirSync(path.join(adminHome, 'conf'), { recursive: true });
    fs.writeFileSync(path.join(adminHome, 'conf', 'tools.yml'), `accessKey: admin\nsecretKey: ${PASSWORDS['admin-password']}\n`);
    const r = lab!.exec('events-provision-x7k2p', [path.join(home, 'bin', 'mqadmin'), ...args, '-n', `${host(namesrvSts, 0)}:9876`],
      { PATH: process.env.PATH, ROCKETMQ_HOME: home, HOME: adminHome, JAVA_OPT: `-Drocketmq.home.dir=${adminHome}` }, 120_000);
    return text(r);
  };

  // ---- the controllers' view of the group: its master and how many members are in sync
  const controllerAddr = `${host(controllerSts, 0)}:9878`;
  const syncState = (what: string, ok: (st: { master: string; members: number }) => boolean) => waitFor(what, async () => {
    const state = adminTool('getSyncStateSet', '-a', controllerAddr, '-b', 'events-broker-a');
    const masterAddr = /#MasterAddr\t(\S+)/.exec(state)?.[1];
    const st = masterAddr ? { master: masterAddr, members: Number(/#SyncStateSetNums\t(\d+)/.exec(state)?.[1] ?? '0') } : undefined;
    return st && ok(st) ? st : undefined;
  }, 240_000, logs);
  const brokerAddr = (i: number) => `${lab!.pods.get(`events-broker-a-${i}`)!.address}:10911`;
  const before = await syncState('the slave to join the in-sync set', (st) => st.members === 2);
  const masterOrdinal = [0, 1].find((i) => brokerAddr(i) === before.master)!;
  expect([0, 1]).toContain(masterOrdinal);
  const slaveOrdinal = 1 - masterOrdinal;
  // acknowledged once every in-sync member (the slave too) has it
  expect(produce('orders', 'ordering', ordersEnv.EVENTS_ORDERS_TOPIC, 'order-1003')).toEqual(['SENT SEND_OK']);

  // ---- the master dies (SIGKILL, as on a node failure): the controllers elect the slave, which
  // takes writes, authenticates and authorizes (it has the users and ACLs only because the Job
  // wrote them there) and has every acknowledged message (its sync from the master, signed as the
  // broker super user, and its commit log replication worked)
  brokers[masterOrdinal].process.kill('SIGKILL');
  for (const pid of execFileSync('ip', ['netns', 'pids', lab.pods.get(`events-broker-a-${masterOrdinal}`)!.namespace], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const killedAt = Date.now();
  await syncState('the controllers to elect the slave', (st) => st.master === brokerAddr(slaveOrdinal));
  const electedSeconds = Math.round((Date.now() - killedAt) / 1000);
  let sendAttempts = 0;
  const afterFailover = await waitFor('the elected master to take a send', async () => {
    sendAttempts++;
    const body = `order-1004-${sendAttempts}`;
    return produce('orders', 'ordering', ordersEnv.EVENTS_ORDERS_TOPIC, body)[0] === 'SENT SEND_OK' ? body : undefined;
  }, 240_000, logs);
  const writableSeconds = Math.round((Date.now() - killedAt) / 1000);
  const read = consume('billing', 'billing', 'orders', billingEnv.EVENTS_ORDERS_GROUP);
  expect(read).toEqual(expect.arrayContaining(['RECEIVED order-1001', 'RECEIVED order-1003', `RECEIVED ${afterFailover}`]));
  // nothing else (a send that failed during the election may have been stored: it carries its own number)
  for (const line of read) expect(line).toMatch(/^RECEIVED order-(1001|1003|1004-\d+)$/);
  // the elected master authorizes too
  denied(consume('shipping', 'shipping', 'orders', shippingEnv.EVENTS_PAYMENTS_GROUP), /^DENIED .*User:shipping\.shipping has no permission to access Topic:orders/);
  denied(produce('billing', 'billing', 'orders', 'forged-order'), /^DENIED .*User:billing\.billing has no permission to access Topic:orders/);

  // ---- the old master returns with its volume, as a slave of the elected one, and catches up
  brokers[masterOrdinal] = start(`events-broker-a-${masterOrdinal}`, brokerSts);
  await syncState('the returned broker to rejoin the in-sync set as a slave', (st) => st.master === brokerAddr(slaveOrdinal) && st.members === 2);

  // ---- RocketMQ's own metrics, where the pods' scrape annotations point Prometheus (an OpenMetrics
  // request, as Prometheus 3 makes by default): the series the alert rules read, with the labels they group by
  const scrape = (pod: string, sts: K8sObject): string => {
    const a = sts.spec.template.metadata.annotations;
    expect(a['cdk8s-architect.dev/scrape']).toBe('true');
    const url = `http://${lab!.pods.get(pod)!.address}:${a['cdk8s-architect.dev/scrape-port']}${a['cdk8s-architect.dev/scrape-path']}`;
    const r = lab!.exec('events-provision-x7k2p', [curl, '-sSf', '-m', '20', '-H', 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5', url],
      { PATH: process.env.PATH }, 60_000);
    if (r.status !== 0) throw new Error(`scraping ${url} failed: ${text(r)}`);
    return r.stdout;
  };
  /** The samples of `name` that carry every label given. */
  const samples = (exposition: string, name: string, labels: Record<string, string>): number[] => exposition.split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .map((l) => Number(l.slice(l.indexOf('} ') + 2).split(' ')[0]));
  const metricsReady = Date.now();
  const brokerMetrics = await waitFor('the brokers\' metrics', async () => {
    const m = [0, 1].map((i) => scrape(`events-broker-a-${i}`, brokerSts));
    return m.every((x) => samples(x, 'rocketmq_processor_watermark', { cluster: 'events', node_id: 'events-broker-a', processor: 'send' }).length === 1) ? m : undefined;
  }, 120_000, logs);
  // the elected master counted the sends to orders since it took over
  expect(samples(brokerMetrics[slaveOrdinal], 'rocketmq_messages_in_total', { cluster: 'events', node_id: 'events-broker-a', topic: 'orders' })[0]).toBeGreaterThanOrEqual(1);
  // both brokers heartbeat to the controllers again (the returned one within seconds): the most any
  // controller counts is what RocketMQBrokerInactive reads
  const controllerMetrics = await waitFor('the controllers to count both brokers of the group', async () => {
    const m = [0, 1, 2].map((i) => scrape(`events-controller-${i}`, controllerSts));
    return Math.max(...m.flatMap((x) => samples(x, 'active_broker_num', { cluster: 'events', broker_set: 'events-broker-a' }))) === 2 ? m : undefined;
  }, 120_000, logs);
  // one leader. 5.3.3's role gauge is the role minus 2 (leader 3 -> 1, follower 2 -> 0): what
  // RocketMQControllerNoLeader allows for
  expect(controllerMetrics.map((m) => samples(m, 'role', { group: 'events-controller' })[0]).sort()).toEqual([0, 0, 1]);
  // elections are counted by the controller that led at the time, with the labels the
  // RocketMQNoMasterElected rule groups by (its no_master_elected result cannot be provoked here)
  const elections = controllerMetrics.flatMap((m) => samples(m, 'election_total', { cluster: 'events', broker_set: 'events-broker-a', election_result: 'new_master_elected' }));
  expect(elections.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  const metricsSeconds = Math.round((Date.now() - metricsReady) / 1000);

  // ---- the next version of the program, without shipping: its Job deletes shipping's user on
  // both brokers and leaves a user made by hand alone
  for (const b of [0, 1]) {
    const addr = `${host(brokerSts, b)}:10911`;
    await waitFor(`ops.reader on broker ${b}`, async () => (adminTool('createUser', '-b', addr, '-u', 'ops.reader', '-p', 'ops-reader-pw-1234')
      .match(/create user to .* success\.|The user is existed/) ? true : undefined), 240_000, logs);
    expect(adminTool('createAcl', '-b', addr, '-s', 'User:ops.reader', '-r', 'Topic:payments', '-a', 'Sub', '-d', 'Allow')).toContain(`create acl to ${addr} success.`);
    // an entry the graph does not give billing, added by hand: the Job owns its users' ACLs
    expect(adminTool('createAcl', '-b', addr, '-s', 'User:billing.billing', '-r', 'Topic:payments', '-a', 'Sub', '-d', 'Allow')).toContain(`create acl to ${addr} success.`);
  }
  const next = build('shipping');
  const nextJob = find(next.objects, 'Job').find((j) => j.metadata.name.startsWith('events-provision-'))!.spec.template.spec;
  expect(nextJob.containers[0].args[0]).not.toContain('shipping.shipping');
  const cleanupStarted = Date.now();
  const cleanup = await waitFor('the next program\'s Job to succeed', async () => {
    const r = provision(nextJob, 'events-provision-next');
    if (r.status !== 0) throw new Error(`next Job failed (${r.status}): ${(r.stdout + r.stderr).slice(-3000)}`);
    return r;
  }, 600_000, logs);
  const cleanupSeconds = Math.round((Date.now() - cleanupStarted) / 1000);
  for (const b of [0, 1]) {
    const addr = `${host(brokerSts, b)}:10911`;
    expect(cleanup.stdout).toContain(`user shipping.shipping (its service left) on ${addr}: done`);
    const users = adminTool('listUser', '-b', addr);
    expect(users).not.toMatch(/^shipping\.shipping /m);
    for (const u of ['billing.billing', 'ordering.orders', 'payments.payments', 'ops.reader']) expect(users).toMatch(new RegExp(`^${u.replace('.', '\\.')} `, 'm'));
    expect(adminTool('listAcl', '-b', addr, '-s', 'User:ops.reader')).toMatch(/User:ops\.reader\s+Custom\s+Topic:payments\s+\[Sub\]/);
    expect(cleanup.stdout).toContain(`Topic:payments of billing.billing (no longer used) on ${addr}: done`);
    const billingAcls = adminTool('listAcl', '-b', addr, '-s', 'User:billing.billing');
    expect(billingAcls).not.toContain('Topic:payments');
    expect(billingAcls).toMatch(/User:billing\.billing\s+Custom\s+Topic:orders\s+\[Sub, Get\]|User:billing\.billing\s+Custom\s+Topic:orders\s+\[Get, Sub\]/);
  }
  // shipping's password no longer authenticates
  denied(consume('shipping', 'shipping', 'payments', shippingEnv.EVENTS_PAYMENTS_GROUP), /^DENIED .*(check signature failed|User:shipping\.shipping is not found|not exist)/);

  // eslint-disable-next-line no-console
  console.log(`rocketmq check: cluster + Job ready after ${Math.round((ready - t0) / 1000)} s (${attempts} Job attempts), CronJob run ${cronSeconds} s, `
    + `master elected ${electedSeconds} s and writable ${writableSeconds} s after the kill (${sendAttempts} sends), metrics ${metricsSeconds} s, `
    + `removed-service run ${cleanupSeconds} s, total ${Math.round((Date.now() - t0) / 1000)} s`);
});
