import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, requireProgram, Running, start, waitFor } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp } from '../harness/synth';

/**
 * The node setup the library generates, run for real on loopback with Debian's RabbitMQ 3.10
 * (package rabbitmq-server; the pods run 4.3): the setup init container's script, taken from the
 * StatefulSet, renders the users from Secret-like variables (passwords with quotes, backslashes,
 * "$", ";" and "#") and copies the ConfigMap's files; the node boots on the resulting
 * rabbitmq.conf, enabled_plugins and definitions directory; then the users, permissions, virtual
 * hosts, exchanges, quorum queues, bindings and policies are checked through the management API
 * and rabbitmqctl, and a message is rejected until the delivery limit dead-letters it into its
 * group's dead-letter queue.
 *
 * Rewritten for the local run (each line must be in the generated file as expected): listener
 * addresses and ports, and the definitions path. Left out because 3.10 does not have them or must
 * not run them here: `default_queue_type` (added in 3.13; 3.10 refuses the unknown key), the peer
 * discovery backend and its plugin (3.10's version 1 queries the Kubernetes API).
 */
jest.setTimeout(90_000);

const ADMIN = { username: 'ops-admin', password: 'p@ss "quoted" \\back$lash' };
const CLIENT = { username: 'shop-app', password: 's3cr3t;#x\' y' };
let node: Running | undefined;
let epmd: { program: string; port: number } | undefined;
let tmp: string | undefined;

afterAll(async () => {
  await node?.stop();
  if (epmd) spawnSync(epmd.program, ['-port', String(epmd.port), '-kill'], { stdio: 'ignore' });
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the setup script, configuration and definitions run a working node', async () => {
  const server = requireProgram(['/usr/lib/rabbitmq/bin/rabbitmq-server'], 'rabbitmq-server');
  const ctl = requireProgram(['/usr/lib/rabbitmq/bin/rabbitmqctl'], 'rabbitmq-server');
  const epmdProgram = requireProgram(['epmd', '/usr/bin/epmd'], 'rabbitmq-server');

  // development: one node (the target cluster size 1 lets the boot import queues and bindings)
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
  const mq = new arch.MessageQueue(shop, 'events', {
    engine: arch.MessageQueueEngine.rabbitmq({
      storageGibibytes: 1,
      deliveryLimit: 2,
      vhosts: ['audit'],
      exchanges: [{ name: 'audit.events', vhost: 'audit', type: arch.RabbitMqExchangeType.FANOUT }],
      queues: [
        { name: 'audit.log', vhost: 'audit' },
        { name: 'audit.archive', vhost: 'audit', type: arch.RabbitMqQueueType.CLASSIC },
        { name: 'audit.replay', vhost: 'audit', type: arch.RabbitMqQueueType.STREAM },
      ],
      bindings: [{ source: 'audit.events', destination: 'audit.log', vhost: 'audit' }, { source: 'audit.events', destination: 'audit.archive', vhost: 'audit' }],
    }),
    topics: [{ name: 'orders' }, { name: 'payments.settled' }],
  });
  const producer = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  producer.uses(mq.topic('orders').producer());
  for (const group of ['billing', 'shipping']) {
    new arch.Microservice(shop, group, { image: `ghcr.io/acme/${group}:1.0.0`, port: 8080 }).uses(mq.topic('orders').consumer(group));
  }
  const out = synthApp(app);
  const configMap = one(out.objects, 'ConfigMap', 'events-config', 'events');
  const setup = one(out.objects, 'StatefulSet', 'events', 'events').spec.template.spec.initContainers[0];
  expect(setup.command.slice(0, 2)).toEqual(['/bin/sh', '-ec']);
  expect(setup.command.slice(3)).toEqual(['setup', '/config', '/secrets/erlang-cookie', '/etc/rabbitmq', '/var/lib/rabbitmq']);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rabbitmq-check-'));
  const dir = (name: string) => {
    const d = path.join(tmp!, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const [config, cookie, etc, home, data, logs] = ['config', 'cookie', 'etc', 'home', 'data', 'logs'].map(dir);
  for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) {
    fs.writeFileSync(path.join(config, key), value, { mode: 0o444 });
  }
  fs.writeFileSync(path.join(cookie, 'cookie'), 'RABBITMQCHECKCOOKIE0123456789', { mode: 0o440 });
  const runSetup = (credentials: Record<string, string>) => spawnSync('/bin/sh', ['-ec', setup.command[2], 'setup', config, cookie, etc, home], {
    env: { PATH: process.env.PATH, ...credentials },
    encoding: 'utf8',
  });
  const secrets = {
    ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, CLIENT_USERNAME: CLIENT.username, CLIENT_PASSWORD: CLIENT.password,
  };

  // a Secret value with a trailing newline (a common `echo | base64` mistake) stops the pod with a clear message
  const bad = runSetup({ ...secrets, CLIENT_PASSWORD: `${CLIENT.password}\n` });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain('CLIENT_PASSWORD has a control character');
  const ok = runSetup(secrets);
  expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
  expect((fs.statSync(path.join(home, '.erlang.cookie')).mode % 0o1000).toString(8)).toBe('600');
  expect(fs.readdirSync(path.join(etc, 'definitions'))).toEqual(['10-topology.json', '20-users.json']);
  expect(fs.readFileSync(path.join(etc, 'definitions', '10-topology.json'), 'utf8')).toBe(configMap.data['definitions.json']);
  const users = JSON.parse(fs.readFileSync(path.join(etc, 'definitions', '20-users.json'), 'utf8'));
  expect(users.users).toEqual([
    { name: ADMIN.username, password: ADMIN.password, tags: 'administrator' },
    { name: CLIENT.username, password: CLIENT.password, tags: '' },
  ]);

  // localize the node's copy of the configuration
  const ports = {
    amqp: await freePort(),
    management: await freePort(),
    prometheus: await freePort(),
    dist: await freePort(),
    epmd: await freePort(),
    ctl: await freePort(),
  };
  const confFile = path.join(etc, 'rabbitmq.conf');
  const lines = fs.readFileSync(confFile, 'utf8').split('\n');
  const replace = (from: string, to: string | undefined) => {
    const at = lines.indexOf(from);
    expect({ line: from, found: at >= 0 }).toEqual({ line: from, found: true });
    if (to === undefined) lines.splice(at, 1);
    else lines[at] = to;
  };
  replace('cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s', undefined);
  replace('default_queue_type = quorum', undefined);
  replace('load_definitions = /etc/rabbitmq/definitions', `load_definitions = ${path.join(etc, 'definitions')}`);
  replace('listeners.tcp.default = 5672', `listeners.tcp.default = 127.0.0.1:${ports.amqp}`);
  replace('management.tcp.port = 15672', `management.tcp.port = ${ports.management}\nmanagement.tcp.ip = 127.0.0.1`);
  replace('prometheus.tcp.port = 15692', `prometheus.tcp.port = ${ports.prometheus}\nprometheus.tcp.ip = 127.0.0.1`);
  fs.writeFileSync(confFile, lines.join('\n'));
  const pluginsFile = path.join(etc, 'enabled_plugins');
  expect(fs.readFileSync(pluginsFile, 'utf8')).toBe('[rabbitmq_management,rabbitmq_peer_discovery_k8s,rabbitmq_prometheus].\n');
  fs.writeFileSync(pluginsFile, '[rabbitmq_management,rabbitmq_prometheus].\n');

  const nodeName = 'rabbit-check@localhost';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    RUNNING_UNDER_SYSTEMD: 'true',
    RABBITMQ_CONF_ENV_FILE: path.join(tmp, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_CONFIG_FILES: path.join(etc, 'conf.d'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(etc, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
    RABBITMQ_MNESIA_BASE: data,
    RABBITMQ_LOG_BASE: logs,
    RABBITMQ_PID_FILE: path.join(tmp, 'rabbitmq.pid'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_DIST_PORT: String(ports.dist),
    RABBITMQ_CTL_DIST_PORT_MIN: String(ports.ctl),
    RABBITMQ_CTL_DIST_PORT_MAX: String(ports.ctl),
    ERL_EPMD_PORT: String(ports.epmd),
  };
  epmd = { program: epmdProgram, port: ports.epmd };
  node = start(server, [], env);
  const logsOf = () => node!.output().slice(-4000);
  const api = (p: string, user = ADMIN, init: RequestInit = {}) => fetch(`http://127.0.0.1:${ports.management}/api${p}`, {
    ...init,
    headers: { 'authorization': `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`, 'content-type': 'application/json' },
  });
  const json = async (p: string, init?: RequestInit) => {
    const r = await api(p, ADMIN, init);
    expect({ path: p, status: r.status }).toEqual({ path: p, status: 200 });
    return r.json() as Promise<any>;
  };
  const rabbitmqctl = (...args: string[]) => execFileSync(ctl, ['-n', nodeName, '-q', ...args], { env, encoding: 'utf8' });

  // listeners open only after the boot imported the definitions
  await waitFor('the management API', async () => ((await api('/whoami')).status === 200 ? true : undefined), 60_000, logsOf);

  // users: the administrator (management access) and the applications' user (AMQP only)
  expect(await json('/whoami')).toMatchObject({ name: ADMIN.username, tags: ['administrator'] });
  expect((await api('/whoami', CLIENT)).status).toBe(401);
  expect(rabbitmqctl('authenticate_user', CLIENT.username, CLIENT.password)).toContain('Success');
  expect(spawnSync(ctl, ['-n', nodeName, '-q', 'authenticate_user', CLIENT.username, 'wrong'], { env }).status).not.toBe(0);
  const permissions = (await json('/permissions')).map((x: any) => [x.vhost, x.user, x.configure, x.write, x.read]).sort();
  expect(permissions).toEqual([
    ['/', CLIENT.username, '.*', '.*', '.*'], ['/', ADMIN.username, '.*', '.*', '.*'],
    ['audit', CLIENT.username, '.*', '.*', '.*'], ['audit', ADMIN.username, '.*', '.*', '.*'],
  ].sort());
  expect((await json('/vhosts')).map((v: any) => v.name).sort()).toEqual(['/', 'audit']);

  // topology: topic exchanges, dead-letter exchanges, quorum queues per group with their policies
  const exchanges = (await json('/exchanges/%2F')).filter((x: any) => x.name !== '' && !x.name.startsWith('amq.'));
  expect(exchanges.map((x: any) => [x.name, x.type, x.durable]).sort()).toEqual([
    ['orders', 'topic', true], ['orders.dlx', 'direct', true], ['payments.settled', 'topic', true], ['payments.settled.dlx', 'direct', true],
  ]);
  // rabbitmqctl, not the management API: its statistics (e.g. the applied policy) lag by seconds
  const queues = JSON.parse(rabbitmqctl('list_queues', '-p', '/', 'name', 'type', 'durable', 'policy', 'arguments', '--formatter', 'json'));
  expect(queues.map((q: any) => [q.name, q.type, q.durable, q.policy, q.arguments.map(([k, , v]: any[]) => `${k}=${v}`).join(',')]).sort()).toEqual([
    ['orders.billing', 'quorum', true, 'orders.billing', 'x-queue-type=quorum,x-quorum-initial-group-size=1'],
    ['orders.billing.dlq', 'quorum', true, 'orders.billing.dlq', 'x-queue-type=quorum,x-quorum-initial-group-size=1'],
    ['orders.shipping', 'quorum', true, 'orders.shipping', 'x-queue-type=quorum,x-quorum-initial-group-size=1'],
    ['orders.shipping.dlq', 'quorum', true, 'orders.shipping.dlq', 'x-queue-type=quorum,x-quorum-initial-group-size=1'],
  ]);
  const policies = await json('/policies/%2F');
  expect(policies.find((p: any) => p.name === 'orders.billing').definition).toEqual({
    'dead-letter-exchange': 'orders.dlx', 'dead-letter-routing-key': 'orders.billing', 'delivery-limit': 2, 'message-ttl': 7 * 24 * 3600 * 1000,
  });
  const bindings = (await json('/bindings/%2F')).filter((b: any) => b.source !== '');
  expect(bindings.map((b: any) => [b.source, b.destination, b.routing_key]).sort()).toEqual([
    ['orders', 'orders.billing', '#'], ['orders', 'orders.shipping', '#'],
    ['orders.dlx', 'orders.billing.dlq', 'orders.billing'], ['orders.dlx', 'orders.shipping.dlq', 'orders.shipping'],
  ]);
  const audit = JSON.parse(rabbitmqctl('list_queues', '-p', 'audit', 'name', 'type', '--formatter', 'json'));
  expect(audit.map((q: any) => [q.name, q.type]).sort()).toEqual([['audit.archive', 'classic'], ['audit.log', 'quorum'], ['audit.replay', 'stream']]);
  expect((await json('/bindings/audit')).filter((b: any) => b.source === 'audit.events').map((b: any) => b.destination).sort()).toEqual(['audit.archive', 'audit.log']);

  // a message to the topic reaches every group; one group rejecting it past the delivery limit dead-letters it
  const published = await json('/exchanges/%2F/orders/publish', {
    method: 'POST',
    body: JSON.stringify({ properties: {}, routing_key: 'order.created', payload: 'order 42', payload_encoding: 'string' }),
  });
  expect(published).toEqual({ routed: true });
  const depth = () => Object.fromEntries(rabbitmqctl('list_queues', '-p', '/', 'name', 'messages').trim().split('\n').slice(1)
    .map((l) => l.split('\t')).map(([n, m]) => [n, Number(m)]));
  await waitFor('the message in both groups', async () => (depth()['orders.shipping'] === 1 && depth()['orders.billing'] === 1 ? true : undefined), 10_000);
  const reject = { method: 'POST', body: JSON.stringify({ count: 1, ackmode: 'reject_requeue_true', encoding: 'auto' }) };
  let deliveries = 0;
  await waitFor('the delivery limit to dead-letter the message', async () => {
    if (depth()['orders.billing.dlq'] === 1) return true;
    const got = await json('/queues/%2F/orders.billing/get', reject);
    deliveries += got.length;
    return undefined;
  }, 20_000, logsOf);
  expect(deliveries).toBeGreaterThanOrEqual(2);
  expect(depth()).toMatchObject({ 'orders.billing': 0, 'orders.billing.dlq': 1, 'orders.shipping': 1, 'orders.shipping.dlq': 0 });
  const [dead] = await json('/queues/%2F/orders.billing.dlq/get', { method: 'POST', body: JSON.stringify({ count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' }) });
  expect(dead.payload).toBe('order 42');
  expect(dead.routing_key).toBe('orders.billing');
  expect(dead.properties.headers['x-death'][0]).toMatchObject({ 'queue': 'orders.billing', 'exchange': 'orders', 'routing-keys': ['order.created'] });
});
