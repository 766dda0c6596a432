import { execFileSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lab, podDnsName } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import * as arch from '../../src';
import { find, K8sObject, newTestApp, one, synthApp } from '../harness/synth';

/**
 * The production Kafka cluster (KRaft, SASL, StandardAuthorizer) as a cluster would run it, with
 * the real Kafka 4.3.1: one controller and two brokers, each in its own network namespace with its
 * pod's DNS name, started from the StatefulSet's own command (the start wrapper, then the image's
 * `/etc/kafka/docker/run`, which turns the `KAFKA_*` env into server.properties, formats the
 * storage and launches the broker), env (the passwords from the cluster's Secret, expanded into
 * the JAAS settings as the kubelet expands `$(VAR)`), volumes at their container paths, user and
 * read-only root (test/tools/lab.ts). The provisioning Job's own command then creates the topics,
 * each service's SCRAM user and the ACLs the graph gives it; the CronJob's pod runs it again after
 * a client's password was rotated in the Secrets (it must converge: the new password works, the
 * old one is refused). The Job of the next version of the program, without one service, deletes that
 * service's user and ACLs and leaves the others, and a user made by hand, alone.
 *
 * Verified with the real console clients, configured from each service's own Deployment env
 * (`EVENTS_BOOTSTRAP_SERVERS`, `EVENTS_SECURITY_PROTOCOL`, `EVENTS_SASL_MECHANISM`,
 * `EVENTS_USERNAME`, the password of its own Secret): the producer writes its topic; the consumer
 * reads it in its consumer group; a consumer cannot read another service's topic; a producer cannot
 * write a topic it does not produce, nor a consumer the topic it reads; a consumer cannot use
 * another group; a wrong password is refused.
 *
 * The image is a stand-in: the 4.3.1 distribution's jars (Maven Central, cached in
 * ~/.cache/cdk8s-architect/kafka-4.3.1; downloaded when missing), including the image's own Java
 * wrapper that turns the `KAFKA_*` variables into server.properties, with shell scripts written for
 * this check in place of the image's (test/tools/kafka/image, see its README), on the machine's
 * Java 17 (the image has 21).
 */
jest.setTimeout(600_000);

const NS = 'events';
const CACHE = path.join(os.homedir(), '.cache', 'cdk8s-architect', 'kafka-4.3.1');
const IMAGE = path.join(__dirname, 'kafka', 'image');
const MAVEN = process.env.MAVEN_CENTRAL_URL ?? 'https://repo1.maven.org/maven2';

let lab: Lab | undefined;
afterAll(async () => {
  await lab?.destroy();
});

/** The distribution's libs/: every jar of kafka/jars.txt, downloaded from Maven Central (SHA-1 checked) when not cached. */
function kafkaLibs(): string {
  const curl = requireProgram(['curl'], 'curl');
  fs.mkdirSync(CACHE, { recursive: true });
  const coordinates = fs.readFileSync(path.join(__dirname, 'kafka', 'jars.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  for (const c of coordinates) {
    const [group, artifact, version] = c.trim().split(':');
    const file = `${artifact}-${version}.jar`;
    const dest = path.join(CACHE, file);
    if (fs.existsSync(dest)) continue;
    const url = `${MAVEN}/${group.replace(/\./g, '/')}/${artifact}/${version}/${file}`;
    execFileSync(curl, ['-fsSL', '--retry', '3', '-o', `${dest}.part`, url]);
    const expected = execFileSync(curl, ['-fsSL', '--retry', '3', `${url}.sha1`], { encoding: 'utf8' }).trim().split(/\s+/)[0];
    const actual = createHash('sha1').update(fs.readFileSync(`${dest}.part`)).digest('hex');
    if (actual !== expected) throw new Error(`${url}: SHA-1 ${actual}, Maven Central says ${expected}`);
    fs.renameSync(`${dest}.part`, dest);
  }
  return CACHE;
}

/** The check's architecture; `without` leaves one service out (the next version of the program). */
function build(without?: string) {
  const app = newTestApp();
  // one controller keeps the check within a shared machine's memory: the lint's node-loss error is accepted here
  const shop = new arch.BackendArchitecture(app, 'shop', {
    profile: arch.Profile.PRODUCTION,
    lint: { suppressions: [{ rule: arch.LintRule.NODE_LOSS, path: 'shop/events', reason: 'the real-Kafka check runs one controller to save memory' }] },
  });
  const small = { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 768, memoryLimitMebibytes: 768 };
  const mq = new arch.MessageQueue(shop, 'events', {
    engine: arch.MessageQueueEngine.kafka({ controllers: 1, brokers: 2, resources: small, controllerResources: small }),
    topics: [{ name: 'orders', partitions: 1 }, { name: 'payments', partitions: 1 }],
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
  'controller-password': 'c0ntroller-pw-3f9a',
  'broker-password': 'br0ker-pw-77de',
  'admin-password': 'adm1n-pw-5c21',
  'ordering.orders': 'orders-pw-a1b2c3d4',
  'billing.billing': 'billing-pw-e5f6a7b8',
  'payments.payments': 'payments-pw-c9d0e1f2',
  'shipping.shipping': 'shipping-pw-a3b4c5d6',
  'events.events-exporter': 'exporter-pw-e7f8a9b0',
};

test('the production Kafka cluster authenticates every service as its own user and authorizes exactly its graph', async () => {
  requireProgram(['java'], 'openjdk-17-jre-headless');
  const t0 = Date.now();
  const libs = kafkaLibs();
  const out = build();
  const controllerSts = one(out.objects, 'StatefulSet', 'events-controller', NS);
  const brokerSts = one(out.objects, 'StatefulSet', 'events-broker', NS);
  const job = find(out.objects, 'Job').find((j) => j.metadata.name.startsWith('events-provision-'))!;
  expect(job).toBeDefined();
  const deployment = (name: string, ns: string) => one(out.objects, 'Deployment', name, ns).spec.template.spec;

  const host = podDnsName;
  const clients = ['orders', 'billing', 'payments', 'shipping'];
  lab = Lab.create([
    { name: 'events-controller-0', hostnames: [host(controllerSts, 0)] },
    { name: 'events-broker-0', hostnames: [host(brokerSts, 0)] },
    { name: 'events-broker-1', hostnames: [host(brokerSts, 1)] },
    { name: 'events-provision-x7k2p', hostnames: [] },
    ...clients.map((c) => ({ name: `${c}-5d8f9-abcde`, hostnames: [] })),
  ]);

  // the image: /opt/kafka (bin, libs; config is the pod's emptyDir) and /etc/kafka/docker
  const opt = lab.dir('opt-kafka', 0, 0, 0o755);
  for (const d of ['bin', 'libs', 'config']) fs.mkdirSync(path.join(opt, d), { mode: 0o755 });
  for (const f of fs.readdirSync(path.join(IMAGE, 'bin'))) fs.copyFileSync(path.join(IMAGE, 'bin', f), path.join(opt, 'bin', f));
  for (const f of fs.readdirSync(libs).filter((x) => x.endsWith('.jar'))) fs.copyFileSync(path.join(libs, f), path.join(opt, 'libs', f));
  // the image's config/ (the nodes mount an emptyDir over it; the Job and the clients' tools read it)
  for (const f of fs.readdirSync(path.join(IMAGE, 'config'))) fs.copyFileSync(path.join(IMAGE, 'config', f), path.join(opt, 'config', f));
  const docker = lab.dir('etc-kafka-docker', 0, 0, 0o755);
  for (const f of fs.readdirSync(path.join(IMAGE, 'docker'))) fs.copyFileSync(path.join(IMAGE, 'docker', f), path.join(docker, f));
  execFileSync('chmod', ['-R', 'a+rX', opt, docker]);
  const programs = { '/opt/kafka': opt, '/etc/kafka/docker': docker };

  // what the kubelet gives each pod: a claim or emptyDir per volume, ConfigMaps as files, Secret values as env
  const configMap = (name: string) => one(out.objects, 'ConfigMap', name, NS).data;
  const volumesOf = (pod: string, spec: any) => lab!.podVolumes(pod, spec, configMap, ['data']); // the volumeClaimTemplate
  const secretEnv = (container: any) => Object.fromEntries((container.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => {
    const ref = e.valueFrom.secretKeyRef;
    const value = ref.key === 'password' ? PASSWORDS[clientUser(ref.name)] : PASSWORDS[ref.key];
    if (value === undefined) throw new Error(`no test value for Secret ${ref.name} key ${ref.key}`);
    return [e.name, value];
  }));
  // "<service>-events-client" holds the password of that service's user
  const clientUser = (secret: string) => Object.keys(PASSWORDS).find((u) => u.endsWith(`.${secret.replace(/-events-client$/, '')}`))!;

  const nodes: Running[] = [];
  const startNode = (pod: string, sts: K8sObject) => {
    const spec = sts.spec.template.spec;
    const container = spec.containers[0];
    nodes.push(lab!.run(pod, { container, podSpec: spec, volumes: volumesOf(pod, spec), programs, secretEnv: secretEnv(container) }));
  };
  startNode('events-controller-0', controllerSts);
  startNode('events-broker-0', brokerSts);
  startNode('events-broker-1', brokerSts);
  const logs = () => nodes.map((r, i) => `--- node ${i}\n${r.output().slice(-4000)}`).join('\n');

  // the provisioning Job, with the Job controller's retries while the brokers start
  const jobSpec = job.spec.template.spec;
  const jobVolumes = volumesOf('events-provision-x7k2p', jobSpec);
  const provision = () => lab!.runSync('events-provision-x7k2p', {
    container: jobSpec.containers[0], podSpec: jobSpec, volumes: jobVolumes, programs, secretEnv: secretEnv(jobSpec.containers[0]),
  }, 300_000);
  let attempts = 0;
  const first = await waitFor('the provisioning Job to succeed', async () => {
    attempts++;
    const r = provision();
    if (r.status !== 0) throw new Error(`Job attempt ${attempts} failed (${r.status}): ${(r.stdout + r.stderr).slice(-3000)}`);
    return r;
  }, 300_000, logs);
  const started = Date.now();
  // the four services and the exporter (DESCRIBE on the cluster, every topic and group)
  expect(first.stdout).toContain('5 Kafka users and their ACLs are in place');
  // the CronJob runs the same provisioning again (its own pod, from the synthesized CronJob): it
  // converges without error and applies a password rotated in the Secrets since the Job ran
  const cron = one(out.objects, 'CronJob', 'events-provision', NS);
  const cronSpec = cron.spec.jobTemplate.spec.template.spec;
  const rotatedFrom = PASSWORDS['billing.billing'];
  PASSWORDS['billing.billing'] = 'billing-pw-rotated-9f8e7d6c';
  const cronStarted = Date.now();
  const second = lab.runSync('events-provision-x7k2p', {
    container: cronSpec.containers[0], podSpec: cronSpec, volumes: volumesOf('events-provision-cron', cronSpec), programs, secretEnv: secretEnv(cronSpec.containers[0]),
  }, 300_000);
  expect({ status: second.status, out: second.status === 0 ? '' : (second.stdout + second.stderr).slice(-3000) }).toEqual({ status: 0, out: '' });
  expect(second.stdout).toContain('5 Kafka users and their ACLs are in place');
  const cronSeconds = Math.round((Date.now() - cronStarted) / 1000);
  // the starts this run makes: the loop over users of services that left has nothing to do here
  const cliStarts = (cronSpec.containers[0].args[0].split('while IFS=')[0].match(/\/opt\/kafka\/bin\/kafka-[a-z]+\.sh /g) ?? []).length;

  // ---- the clients, configured from their own Deployment env and Secret
  const scratch = lab.dir('clients', 0, 0, 0o700);
  const clientEnv = { PATH: process.env.PATH, KAFKA_HEAP_OPTS: '-Xmx192m', LOG_DIR: path.join(scratch, 'logs') };
  const configFor = (service: string, ns: string, password?: string) => {
    const c = deployment(service, ns).containers[0];
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const pw = c.env.find((e: any) => e.name === 'EVENTS_PASSWORD');
    expect(pw.valueFrom.secretKeyRef).toEqual({ name: `${service}-events-client`, key: 'password' });
    expect(env.EVENTS_USERNAME).toBe(`${ns}.${service}`);
    const file = path.join(scratch, `${service}-${password ? 'wrong' : 'ok'}.properties`);
    fs.writeFileSync(file, [
      `security.protocol=${env.EVENTS_SECURITY_PROTOCOL}`,
      `sasl.mechanism=${env.EVENTS_SASL_MECHANISM}`,
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${env.EVENTS_USERNAME}" password="${password ?? PASSWORDS[env.EVENTS_USERNAME]}";`,
      '',
    ].join('\n'));
    return { file, env };
  };
  const text = (r: SpawnSyncReturns<string>) => `${r.stdout}${r.stderr}`;
  const produce = (service: string, ns: string, topic: string, message: string, password?: string) => {
    const { file, env } = configFor(service, ns, password);
    return lab!.exec(`${service}-5d8f9-abcde`, ['sh', '-c', 'printf \'%s\\n\' "$MESSAGE" | "$@"', 'produce',
      path.join(opt, 'bin', 'kafka-console-producer.sh'), '--bootstrap-server', env.EVENTS_BOOTSTRAP_SERVERS,
      '--command-config', file, '--topic', topic, '--producer-property', 'max.block.ms=60000', '--producer-property', 'delivery.timeout.ms=120000',
      // generous: two cores run three Kafka JVMs and a client here, and the check is about who may write, not latency
      '--producer-property', 'request.timeout.ms=40000'], { ...clientEnv, MESSAGE: message }, 180_000);
  };
  const consume = (service: string, ns: string, topic: string, group: string, password?: string) => {
    const { file, env } = configFor(service, ns, password);
    return lab!.exec(`${service}-5d8f9-abcde`, [path.join(opt, 'bin', 'kafka-console-consumer.sh'), '--bootstrap-server', env.EVENTS_BOOTSTRAP_SERVERS,
      '--command-config', file, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', '1', '--timeout-ms', '60000'], clientEnv, 180_000);
  };
  const ordersEnv = configFor('orders', 'ordering').env;
  const billingEnv = configFor('billing', 'billing').env;
  const shippingEnv = configFor('shipping', 'shipping').env;
  expect(ordersEnv.EVENTS_ORDERS_TOPIC).toBe('orders');

  // the producer writes its topic; the consumer reads it in its own group
  const sent = produce('orders', 'ordering', ordersEnv.EVENTS_ORDERS_TOPIC, 'order-1001');
  const sendErrors = text(sent).match(/ERROR.*/g) ?? [];
  expect({ status: sent.status, errors: sendErrors, output: sendErrors.length > 0 ? `${text(sent).slice(-3000)}\n${logs()}` : '' }).toEqual({ status: 0, errors: [], output: '' });
  const read = consume('billing', 'billing', billingEnv.EVENTS_ORDERS_TOPIC, billingEnv.EVENTS_ORDERS_GROUP);
  expect({ status: read.status, out: read.stdout.trim() }).toEqual({ status: 0, out: 'order-1001' });

  // a consumer cannot read another service's topic (shipping consumes payments, not orders)
  const foreign = consume('shipping', 'shipping', 'orders', shippingEnv.EVENTS_PAYMENTS_GROUP);
  expect(foreign.stdout.trim()).toBe('');
  expect(text(foreign)).toMatch(/TopicAuthorizationException|Not authorized to access topics: \[orders\]/);
  // nor join a group that is not its own
  const otherGroup = consume('billing', 'billing', 'orders', shippingEnv.EVENTS_PAYMENTS_GROUP);
  expect(otherGroup.stdout.trim()).toBe('');
  expect(text(otherGroup)).toMatch(/GroupAuthorizationException|Not authorized to access group/);

  // a producer writes only its own topics; a consumer writes nothing
  const wrongTopic = produce('orders', 'ordering', 'payments', 'forged-payment');
  expect(text(wrongTopic)).toMatch(/TopicAuthorizationException|Not authorized to access topics: \[payments\]/);
  // billing may write no topic at all, so its (idempotent, the default) producer is refused one
  // step earlier: InitProducerId needs IDEMPOTENT_WRITE on the cluster, which WRITE on any topic implies
  const consumerWrites = produce('billing', 'billing', 'orders', 'forged-order');
  expect(text(consumerWrites)).toMatch(/ClusterAuthorizationException: Cluster authorization failed|TopicAuthorizationException/);

  // a wrong password is refused
  const wrongPassword = consume('billing', 'billing', 'orders', billingEnv.EVENTS_ORDERS_GROUP, 'not-the-password');
  expect(wrongPassword.stdout.trim()).toBe('');
  expect(text(wrongPassword)).toMatch(/SaslAuthenticationException|Authentication failed/);
  // and so is the password the CronJob rotated away from (billing read above with the new one)
  const oldPassword = consume('billing', 'billing', 'orders', billingEnv.EVENTS_ORDERS_GROUP, rotatedFrom);
  expect(oldPassword.stdout.trim()).toBe('');
  expect(text(oldPassword)).toMatch(/SaslAuthenticationException|Authentication failed/);

  // the refused writes never landed: the topics hold exactly what the authorized producer wrote
  const shipmentCheck = produce('payments', 'payments', 'payments', 'payment-2002');
  expect(sent.status).toBe(0);
  expect(shipmentCheck.status).toBe(0);
  const payments = consume('shipping', 'shipping', 'payments', shippingEnv.EVENTS_PAYMENTS_GROUP);
  expect({ status: payments.status, out: payments.stdout.trim() }).toEqual({ status: 0, out: 'payment-2002' });

  // ---- the next version of the program without shipping: its Job deletes shipping's user and
  // ACLs, keeps the others, and leaves a user made by hand (no marker) alone
  const adminConfig = path.join(scratch, 'admin.properties');
  fs.writeFileSync(adminConfig, ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN',
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${PASSWORDS['admin-password']}";`, ''].join('\n'));
  const adminBootstrap = jobSpec.containers[0].env.find((e: any) => e.name === 'BOOTSTRAP_SERVERS').value;
  const adminTool = (tool: string, ...args: string[]) => {
    const r = lab!.exec('events-provision-x7k2p', [path.join(opt, 'bin', tool), '--bootstrap-server', adminBootstrap, '--command-config', adminConfig, ...args], clientEnv, 120_000);
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${text(r).slice(-2000)}`);
    return r.stdout;
  };
  adminTool('kafka-configs.sh', '--alter', '--entity-type', 'users', '--entity-name', 'ops.reader', '--add-config', 'SCRAM-SHA-512=[password=ops-reader-pw-1234]');
  adminTool('kafka-acls.sh', '--add', '--allow-principal', 'User:ops.reader', '--operation', 'Read', '--operation', 'Describe', '--topic', 'payments');
  // a marked user whose credential is already gone (a run that stopped after deleting it): Kafka's answer is accepted
  adminTool('kafka-acls.sh', '--add', '--allow-principal', 'User:ghost.user', '--operation', 'Describe', '--group', 'cdk8s-architect.provisioned-users');
  const next = build('shipping');
  const nextJob = find(next.objects, 'Job').find((j) => j.metadata.name.startsWith('events-provision-'))!.spec.template.spec;
  expect(nextJob.containers[0].args[0]).not.toContain('shipping.shipping');
  const aclsOf = (user: string) => adminTool('kafka-acls.sh', '--list', '--principal', `User:${user}`);
  const aclsOfAll = () => adminTool('kafka-acls.sh', '--list');
  const cleanupStarted = Date.now();
  const cleanup = lab.runSync('events-provision-x7k2p', {
    container: nextJob.containers[0], podSpec: nextJob, volumes: volumesOf('events-provision-next', nextJob), programs, secretEnv: secretEnv(nextJob.containers[0]),
  }, 300_000);
  const cleanupSeconds = Math.round((Date.now() - cleanupStarted) / 1000);
  expect({ status: cleanup.status, out: cleanup.status === 0 ? '' : text(cleanup).slice(-3000) }).toEqual({ status: 0, out: '' });
  expect(cleanup.stdout).toContain('user shipping.shipping is no longer in the program: its ACLs and SCRAM credential are deleted');
  expect(cleanup.stdout).toContain('user ghost.user had no SCRAM-SHA-512 credential left');
  expect(cleanup.stdout).toContain('2 Kafka users of services that left were deleted');
  expect(aclsOfAll()).not.toContain('ghost.user');
  const users = adminTool('kafka-configs.sh', '--describe', '--entity-type', 'users');
  expect(users).not.toContain("'shipping.shipping'");
  for (const u of ['billing.billing', 'ordering.orders', 'payments.payments', 'ops.reader']) expect(users).toContain(`'${u}'`);

  expect(aclsOf('shipping.shipping')).not.toContain('principal=User:shipping.shipping');
  expect(aclsOf('billing.billing')).toMatch(/resourceType=TOPIC, name=orders[\s\S]*operation=READ/);
  expect(aclsOf('ops.reader')).toMatch(/resourceType=TOPIC, name=payments[\s\S]*operation=READ/);
  // shipping's password no longer authenticates
  const gone = consume('shipping', 'shipping', 'payments', shippingEnv.EVENTS_PAYMENTS_GROUP);
  expect(gone.stdout.trim()).toBe('');
  expect(text(gone)).toMatch(/SaslAuthenticationException|Authentication failed/);

  // eslint-disable-next-line no-console
  console.log(`kafka check: removed-service cleanup run ${cleanupSeconds} s; cluster + Job ready after ${Math.round((started - t0) / 1000)} s (${attempts} Job attempts), CronJob run ${cronSeconds} s `
    + `(${cliStarts} Kafka CLI starts), clients ${Math.round((Date.now() - started) / 1000)} s`);
});
