import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, requireProgram, Running, start, tcpExchange, waitFor } from './tooling';
import * as arch from '../../src';
import { REDIS_PRESTOP_SCRIPT, renderRedisConf, renderSentinelConf } from '../../src/messaging/redis';
import { envOf, find, K8sObject, newTestApp, one, synthApp } from '../harness/synth';

/**
 * The production Redis engine run by the real Redis (Debian redis-server 7.0, whose redis-cli the
 * scripts call) on loopback: 3 Redis pods and 3 Sentinels started by the pods' own start scripts
 * with their own environment, the generated redis.conf and sentinel.conf, and the consumer-group
 * Job's script. Only addresses and paths are rewritten: each pod's host name becomes 127.0.0.1
 * and its port a free one (`bind`, `port`, `dir` in the files, the host names in sentinel.conf and
 * in the environment), and the ConfigMap/emptyDir mount points become temporary directories. The
 * password contains a space, quotes, a backslash and a dollar sign, as the scripts must escape it.
 *
 * Checked: authentication (and the probes' use of REDISCLI_AUTH; a password the configuration cannot
 * carry stops the pod), the persistence and memory settings as generated, member 0 bootstraps
 * as the primary and the others find it through the Sentinels, the Sentinels agree (ckquorum) and
 * report the primary, the Job creates the consumer groups idempotently; the pod's preStop hook
 * (run against the primary as the kubelet runs it) hands the primary role over before the pod
 * stops; a restarted old primary and a restarted Sentinel both find the new primary through the
 * Sentinels, and a Sentinel whose configuration names a replica that does not resolve (a Pending
 * pod has no DNS record; Redis >= 7.2 refuses such a file) leaves it out and starts; then the
 * primary is killed with SIGKILL, the Sentinels fail over after down-after-milliseconds as
 * generated, no write acknowledged by a replica (WAIT) is lost, and the killed pod, restarted by
 * its own start script as the kubelet would, rejoins as a replica.
 */
jest.setTimeout(180_000);

const PASSWORD = 'p"a\\s s\'w$rd';
const MEMBERS = 3;
const running: Running[] = [];
let tmp: string | undefined;

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- a minimal RESP client over tooling's tcpExchange: AUTH, the command, then a malformed
// request, which makes Redis and Sentinel alike reply with an error and close the connection
// (Sentinel 7.0 has no QUIT)
type Reply = string | number | null | { error: string } | Reply[];

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function parse(raw: string): Reply[] {
  let i = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', i);
    const s = raw.slice(i, end);
    i = end + 2;
    return s;
  };
  const next = (): Reply => {
    const type = raw[i++];
    const l = line();
    if (type === '+') return l;
    if (type === '-') return { error: l };
    if (type === ':') return Number(l);
    if (type === '$') {
      const n = Number(l);
      if (n < 0) return null;
      const s = raw.slice(i, i + n);
      i += n + 2;
      return s;
    }
    if (type === '*') {
      const n = Number(l);
      return n < 0 ? null : Array.from({ length: n }, () => next());
    }
    throw new Error(`unexpected reply ${JSON.stringify(raw)}`);
  };
  const out: Reply[] = [];
  while (i < raw.length) out.push(next());
  return out;
}

/** Runs one command (authenticated unless `password` is null). */
async function call(port: number, args: string[], password: string | null = PASSWORD): Promise<Reply> {
  const replies = parse(await tcpExchange(port, `${password === null ? '' : encode(['AUTH', password])}${encode(args)}*x\r\n`));
  if (password !== null) expect(replies[0]).toBe('OK');
  return replies[password === null ? 0 : 1];
}

/** One field of INFO. */
async function info(port: number, section: string, field: string): Promise<string | undefined> {
  const text = await call(port, ['INFO', section]) as string;
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text)?.[1];
}

test('the generated configuration and scripts run a replicated Redis with Sentinel failover', async () => {
  requireProgram(['redis-server', '/usr/bin/redis-server'], 'redis-server');
  requireProgram(['redis-cli', '/usr/bin/redis-cli'], 'redis-tools');

  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.redis(), topics: [{ name: 'orders' }] });
  new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1' }).uses(mq.topic('orders').consumer('billing'));
  new arch.Microservice(shop, 'audit', { image: 'ghcr.io/acme/audit:0.9.0' }).uses(mq.topic('orders').consumer('audit'));
  const out = synthApp(app);

  const redisHost = (i: number) => `events-${i}.events-headless.events.svc.cluster.local`;
  const sentinelHost = (i: number) => `events-sentinel-${i}.events-sentinel-headless.events.svc.cluster.local`;
  const data = one(out.objects, 'ConfigMap', 'events-config', 'events').data;
  expect(data['redis.conf']).toBe(renderRedisConf({
    persistence: arch.RedisPersistence.AOF, maxmemoryMebibytes: 614, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.NOEVICTION, minReplicasToWrite: 1,
  }));
  expect(data['sentinel.conf']).toBe(renderSentinelConf({ masterName: 'mymaster', redisHosts: [0, 1, 2].map(redisHost), quorum: 2, downAfterMillis: 30000 }));
  const redisSts = one(out.objects, 'StatefulSet', 'events', 'events');
  const sentinelSts = one(out.objects, 'StatefulSet', 'events-sentinel', 'events');
  const jobs = find(out.objects, 'Job', undefined, 'events');
  expect(jobs).toHaveLength(1);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-check-'));
  const redisPorts: number[] = [];
  const sentinelPorts: number[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    redisPorts.push(await freePort());
    sentinelPorts.push(await freePort());
  }

  /** Replaces each `from` (which must occur) by `to`. */
  const rewrite = (text: string, pairs: Array<[string, string]>): string => pairs.reduce((t, [from, to]) => {
    expect({ from, found: t.includes(from) }).toEqual({ from, found: true });
    return t.split(from).join(to);
  }, text);
  /** Kubernetes addresses to loopback. */
  const loopback = (text: string): string => {
    let t = text;
    for (let i = 0; i < MEMBERS; i++) {
      t = t.split(`${redisHost(i)}:6379`).join(`127.0.0.1:${redisPorts[i]}`).split(`${redisHost(i)} 6379`).join(`127.0.0.1 ${redisPorts[i]}`)
        .split(`${sentinelHost(i)}:26379`).join(`127.0.0.1:${sentinelPorts[i]}`).split(redisHost(i)).join('127.0.0.1');
    }
    return t;
  };

  /** A pod's directories: the ConfigMap (template), the emptyDir the scripts write, data or /tmp. */
  const podDirs = (pod: string) => {
    const dir = path.join(tmp!, pod);
    const dirs = { template: path.join(dir, 'template'), etc: path.join(dir, 'etc'), data: path.join(dir, 'data') };
    Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
    return dirs;
  };
  /** The container's command with the mount points mapped to the pod's directories. */
  const localCommand = (workload: K8sObject, dirs: ReturnType<typeof podDirs>): string[] => {
    const command = workload.spec.template.spec.containers[0].command as string[];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    return ['-c', rewrite(command[2], [['/etc/redis-template/', `${dirs.template}/`], ['/etc/redis/', `${dirs.etc}/`]])];
  };
  /** The container's environment as Kubernetes builds it (Secret, pod name, `$(VAR)`), mapped to loopback. */
  const localEnv = (workload: K8sObject, pod: string, ownPort: number): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const [k, v] of Object.entries(envOf(workload))) {
      if (typeof v === 'string') {
        env[k] = loopback(v.split('$(POD_NAME).events-headless.events.svc.cluster.local').join('127.0.0.1')
          .split('$(POD_NAME).events-sentinel-headless.events.svc.cluster.local').join('127.0.0.1'));
      } else if (v.secretKeyRef) {
        expect(v.secretKeyRef).toEqual({ name: 'events-auth', key: 'password' });
        env[k] = PASSWORD;
      } else {
        expect(v).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
        env[k] = pod;
      }
    }
    if (env.REDIS_PORT !== undefined) {
      expect(env.REDIS_PORT).toBe('6379');
      env.REDIS_PORT = String(ownPort);
    }
    expect(JSON.stringify(env)).not.toMatch(/svc\.cluster\.local|\$\(/);
    return env;
  };
  const logs = () => running.map((r) => r.output().slice(-2000)).join('\n---\n');

  const redisPods = new Map<number, Running>();
  const startRedis = (i: number): string => {
    const dirs = podDirs(`events-${i}`);
    const conf = rewrite(data['redis.conf'], [['bind * -::*', 'bind 127.0.0.1'], ['port 6379', `port ${redisPorts[i]}`], ['dir /data', `dir ${dirs.data}`]]);
    fs.writeFileSync(path.join(dirs.template, 'redis.conf'), conf);
    const r = start('sh', localCommand(redisSts, dirs), localEnv(redisSts, `events-${i}`, redisPorts[i]));
    running.push(r);
    redisPods.set(i, r);
    return path.join(dirs.etc, 'redis.conf');
  };
  const sentinelPods = new Map<number, Running>();
  /** Starts Sentinel i; the host name of Redis member `unresolved` is kept (it does not resolve here). */
  const startSentinel = (i: number, unresolved?: number): string => {
    const dirs = podDirs(`events-sentinel-${i}`);
    const marker = '@unresolved@';
    const kept = unresolved === undefined ? data['sentinel.conf'] : data['sentinel.conf'].split(`${redisHost(unresolved)} 6379`).join(marker);
    const conf = loopback(rewrite(kept, [['bind * -::*', 'bind 127.0.0.1'], ['port 26379', `port ${sentinelPorts[i]}`], ['dir "/tmp"', `dir "${dirs.data}"`]]))
      .split(marker).join(`${redisHost(unresolved ?? 0)} 6379`);
    expect(conf.split(`${redisHost(unresolved ?? 0)} 6379`).join('')).not.toMatch(/svc\.cluster\.local/);
    fs.writeFileSync(path.join(dirs.template, 'sentinel.conf'), conf);
    const r = start('sh', localCommand(sentinelSts, dirs), localEnv(sentinelSts, `events-sentinel-${i}`, sentinelPorts[i]));
    running.push(r);
    sentinelPods.set(i, r);
    return path.join(dirs.etc, 'sentinel.conf');
  };
  const pong = (port: number) => waitFor(`PONG on ${port}`, async () => (await call(port, ['PING']) === 'PONG' ? true : undefined), 15_000, logs);
  const masterAddress = async (sentinel: number) => call(sentinelPorts[sentinel], ['SENTINEL', 'get-master-addr-by-name', 'mymaster']);

  // a password the config cannot carry (or an empty one, which turns authentication off) stops the pod
  for (const bad of ['', 'secret\n']) {
    const dirs = podDirs('refused');
    const r = spawnSync('sh', localCommand(redisSts, dirs), { env: { ...localEnv(redisSts, 'events-0', redisPorts[0]), REDIS_PASSWORD: bad }, encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(bad ? /contains a line break/ : /is empty/) });
  }

  // member 0 first: no Sentinel answers, so it starts as the primary
  const conf0 = startRedis(0);
  await pong(redisPorts[0]);
  expect(fs.readFileSync(conf0, 'utf8')).not.toMatch(/^replicaof/m);
  expect(fs.statSync(conf0).mode.toString(8).slice(-3)).toBe('600'); // umask 0077: the file holds the password
  expect(await call(redisPorts[0], ['PING'], null)).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'appendonly'])).toEqual(['appendonly', 'yes']);
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'maxmemory-policy'])).toEqual(['maxmemory-policy', 'noeviction']);
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'maxmemory'])).toEqual(['maxmemory', String(614 * 1024 * 1024)]);
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'save'])).toEqual(['save', '3600 1 300 100 60 10000']);
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'min-replicas-to-write'])).toEqual(['min-replicas-to-write', '1']);
  expect(await call(redisPorts[0], ['CONFIG', 'GET', 'replica-announce-ip'])).toEqual(['replica-announce-ip', '127.0.0.1']);
  // the probes, as the kubelet runs them in the container: REDISCLI_AUTH authenticates redis-cli
  const probe = (workload: K8sObject, kind: string, port: number, from: number, auth = true) => {
    const command = workload.spec.template.spec.containers[0][kind].exec.command as string[];
    const env = { PATH: process.env.PATH, ...(auth ? { REDISCLI_AUTH: PASSWORD } : {}) };
    return spawnSync(command[0], [command[1], rewrite(command[2], [[`-p ${from} `, `-p ${port} `]])], { env, timeout: 10_000 }).status;
  };
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    expect({ kind, status: probe(redisSts, kind, redisPorts[0], 6379) }).toEqual({ kind, status: 0 });
    expect({ kind, status: probe(redisSts, kind, redisPorts[0], 6379, false) }).toEqual({ kind, status: 1 });
  }
  // min-replicas-to-write 1: the lone primary refuses writes
  expect(await call(redisPorts[0], ['SET', 'k', 'v'])).toEqual({ error: expect.stringMatching(/^NOREPLICAS/) });

  // Sentinel 0 finds no peer and monitors the configured primary; 1 and 2 learn it from Sentinel 0
  for (let i = 0; i < MEMBERS; i++) {
    startSentinel(i);
    await pong(sentinelPorts[i]);
  }
  expect(await call(sentinelPorts[0], ['PING'], null)).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    expect({ kind, status: probe(sentinelSts, kind, sentinelPorts[0], 26379) }).toEqual({ kind, status: 0 });
    expect({ kind, status: probe(sentinelSts, kind, sentinelPorts[0], 26379, false) }).toEqual({ kind, status: 1 });
  }
  for (let i = 0; i < MEMBERS; i++) expect(await masterAddress(i)).toEqual(['127.0.0.1', String(redisPorts[0])]);
  expect(sentinelPods.get(0)!.output()).toContain('no other Sentinel answers');
  expect([1, 2].map((i) => sentinelPods.get(i)!.output().includes(`the Sentinels report the primary at 127.0.0.1 ${redisPorts[0]}`))).toEqual([true, true]);

  // members 1 and 2 ask the Sentinels and replicate from member 0
  for (const i of [1, 2]) {
    const conf = startRedis(i);
    await pong(redisPorts[i]);
    expect(fs.readFileSync(conf, 'utf8')).toContain(`\nreplicaof 127.0.0.1 ${redisPorts[0]}\n`);
  }
  await waitFor('two replicas in sync', async () => (await info(redisPorts[0], 'replication', 'connected_slaves') === '2' ? true : undefined), 15_000, logs);
  await waitFor('the Sentinels to agree', async () => {
    const r = await call(sentinelPorts[0], ['SENTINEL', 'ckquorum', 'mymaster']);
    return typeof r === 'string' && r.startsWith('OK 3 usable Sentinels') ? r : undefined;
  }, 20_000, logs);

  // the consumer-group Job, twice: groups are created once, then left alone
  const job = jobs[0];
  const jobRun = () => {
    const r = spawnSync('sh', ['-c', job.spec.template.spec.containers[0].args[0]], { env: localEnv(job, 'job', 0), encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return r.stdout;
  };
  expect(jobRun()).toMatch(/stream orders: group audit created\nredis-streams: stream orders: group billing created\nredis-streams: done\n$/);
  expect(jobRun()).toMatch(/group audit exists\nredis-streams: stream orders: group billing exists\n/);
  const groups = (port: number) => call(port, ['XINFO', 'GROUPS', 'orders']) as Promise<Reply[][]>;
  expect((await groups(redisPorts[0])).map((g) => g[1])).toEqual(['audit', 'billing']);
  await waitFor('the groups on a replica', async () => ((await groups(redisPorts[1])).length === 2 ? true : undefined), 10_000, logs);

  // the primary's preStop hook, as the kubelet runs it before stopping the pod: a replica takes over
  const preStop = redisSts.spec.template.spec.containers[0].lifecycle.preStop.exec.command as string[];
  expect(preStop).toEqual(['sh', '-c', REDIS_PRESTOP_SCRIPT]);
  expect(redisSts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  const hook = spawnSync('sh', ['-c', rewrite(preStop[2], [['-p 6379 ', `-p ${redisPorts[0]} `]])], {
    env: { ...localEnv(redisSts, 'events-0', redisPorts[0]), REDISCLI_AUTH: PASSWORD }, encoding: 'utf8', timeout: 40_000,
  });
  expect({ status: hook.status, stderr: hook.stderr }).toEqual({ status: 0, stderr: expect.stringMatching(/failover requested from .*\n.*a replica took over/) });
  const promoted = await waitFor('a new primary', async () => {
    const a = await masterAddress(0) as string[];
    return a[1] !== String(redisPorts[0]) ? redisPorts.indexOf(Number(a[1])) : undefined;
  }, 20_000, logs);
  expect([1, 2]).toContain(promoted);
  // on a replica the hook does nothing
  const onReplica = spawnSync('sh', ['-c', rewrite(preStop[2], [['-p 6379 ', `-p ${redisPorts[0]} `]])], {
    env: { ...localEnv(redisSts, 'events-0', redisPorts[0]), REDISCLI_AUTH: PASSWORD }, encoding: 'utf8', timeout: 10_000,
  });
  expect({ status: onReplica.status, stderr: onReplica.stderr }).toEqual({ status: 0, stderr: '' });

  // the old primary restarts and replicates from the new primary (it asks the Sentinels)
  await redisPods.get(0)!.stop();
  const restarted = startRedis(0);
  await pong(redisPorts[0]);
  expect(fs.readFileSync(restarted, 'utf8')).toContain(`\nreplicaof 127.0.0.1 ${redisPorts[promoted]}\n`);
  await waitFor('the old primary to sync from the new one', async () =>
    (await info(redisPorts[0], 'replication', 'master_port') === String(redisPorts[promoted])
      && await info(redisPorts[0], 'replication', 'master_link_status') === 'up' ? true : undefined), 20_000, logs);

  // a restarted Sentinel monitors the new primary, with the old one among the known replicas; the
  // other replica's name does not resolve (as for a Pending pod): it is left out, and the Sentinel starts
  const other = promoted === 1 ? 2 : 1;
  await sentinelPods.get(0)!.stop();
  const sentinelConf = startSentinel(0, other);
  await pong(sentinelPorts[0]);
  const text = fs.readFileSync(sentinelConf, 'utf8');
  expect(text).toContain(`sentinel monitor mymaster 127.0.0.1 ${redisPorts[promoted]} 2`);
  expect(text).toContain(`sentinel known-replica mymaster 127.0.0.1 ${redisPorts[0]}`);
  expect(text).not.toContain(redisHost(other));
  expect(sentinelPods.get(0)!.output()).toContain(`leaving out the replica ${redisHost(other)}`);
  expect(await masterAddress(0)).toEqual(['127.0.0.1', String(redisPorts[promoted])]);
  // the Sentinels still know all replicas (the primary reports them)
  await waitFor('the Sentinel to learn every replica from the primary', async () => {
    const replicas = await call(sentinelPorts[0], ['SENTINEL', 'REPLICAS', 'mymaster']) as Reply[];
    return Array.isArray(replicas) && replicas.length === 2 ? true : undefined;
  }, 20_000, logs);

  // what producers and consumers do: append with time-based trimming, read as a group member
  const cutoff = Date.now() - 7 * 24 * 3600 * 1000;
  await waitFor('a writable primary', async () => {
    const id = await call(redisPorts[promoted], ['XADD', 'orders', 'MINID', '~', `${cutoff}-0`, '*', 'order', '42']);
    return typeof id === 'string' ? id : undefined;
  }, 15_000, logs);
  const read = await call(redisPorts[promoted], ['XREADGROUP', 'GROUP', 'billing', 'billing-0', 'COUNT', '1', 'STREAMS', 'orders', '>']) as any;
  expect(read[0][0]).toBe('orders');
  expect(read[0][1][0][1]).toEqual(['order', '42']);

  // a crash: writes acknowledged by a replica (WAIT 1), then SIGKILL of the primary
  const acknowledged: string[] = [];
  for (let n = 0; n < 20; n++) {
    const raw = await tcpExchange(redisPorts[promoted], `${encode(['AUTH', PASSWORD])}${encode(['SET', `crash:${n}`, String(n)])}${encode(['WAIT', '1', '2000'])}*x\r\n`, 5000);
    const [, set, waited] = parse(raw);
    if (set === 'OK' && typeof waited === 'number' && waited >= 1) acknowledged.push(`crash:${n}`);
  }
  expect(acknowledged.length).toBe(20);
  const crashed = redisPods.get(promoted)!;
  crashed.process.kill('SIGKILL');
  await new Promise((r) => crashed.process.once('exit', r));
  // down-after-milliseconds as generated (30 s), then the Sentinels elect a leader and promote a replica
  const successor = await waitFor('a failover after the crash', async () => {
    const a = await masterAddress(1) as string[];
    return a[1] !== String(redisPorts[promoted]) ? redisPorts.indexOf(Number(a[1])) : undefined;
  }, 90_000, logs);
  expect(successor).not.toBe(promoted);
  await waitFor('the successor to accept writes', async () => (await call(redisPorts[successor], ['SET', 'after', 'crash']) === 'OK' ? true : undefined), 20_000, logs);
  for (const key of acknowledged) expect({ key, value: await call(redisPorts[successor], ['GET', key]) }).toEqual({ key, value: key.slice(6) });
  // the kubelet restarts the killed container: its start script asks the Sentinels and it rejoins as a replica
  const rejoined = startRedis(promoted);
  await pong(redisPorts[promoted]);
  expect(fs.readFileSync(rejoined, 'utf8')).toContain(`\nreplicaof 127.0.0.1 ${redisPorts[successor]}\n`);
  await waitFor('the restarted pod to sync from the successor', async () =>
    (await info(redisPorts[promoted], 'replication', 'master_link_status') === 'up' ? true : undefined), 30_000, logs);
  expect(await call(redisPorts[promoted], ['GET', 'after'])).toBe('crash');
});
