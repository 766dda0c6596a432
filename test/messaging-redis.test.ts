import { Duration } from 'cdk8s';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult } from './harness/synth';

/** A microservice's env without its own log-level variables: what the queue hands it. */
const appEnv = (d: K8sObject) => Object.fromEntries(Object.entries(envOf(d)).filter(([k]) => !k.startsWith('LOG_')));
import {
  REDIS_PRESTOP_SCRIPT, REDIS_START_SCRIPT, renderConsumerGroupScript, renderRedisConf, renderSentinelConf, SENTINEL_START_SCRIPT,
} from '../src/messaging/redis';

/**
 * The Redis engine in both profiles: a queue "events" with two streams, one producer and two
 * consumer groups of "orders" (production: 3 Redis pods and 3 Sentinels; development: one Redis).
 * The scripts and configuration files run for real in test/tools/redis.test.ts.
 */

const redisHost = (i: number) => `events-${i}.events-headless.events.svc.cluster.local`;
const sentinelHost = (i: number) => `events-sentinel-${i}.events-sentinel-headless.events.svc.cluster.local`;
const SENTINELS = [0, 1, 2].map((i) => `${sentinelHost(i)}:26379`).join(',');
const TOPICS: arch.TopicOptions[] = [{ name: 'orders' }, { name: 'payments:settled', retention: Duration.days(1) }];

interface Built { out: SynthResult; mq: arch.MessageQueue }

function build(profile: arch.Profile, options: arch.RedisOptions = {}, topics: arch.TopicOptions[] = TOPICS): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.redis(options), topics });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(mq.topic('orders').producer());
  const billing = new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1', context: 'billing' });
  billing.uses(mq.topic('orders').consumer('billing'));
  const audit = new arch.Microservice(shop, 'audit', { image: 'ghcr.io/acme/audit:0.9.0', context: 'audit' });
  audit.uses(mq.topic('orders').consumer('audit'));
  return { out: synthApp(app), mq };
}

const redisSts = (out: SynthResult) => one(out.objects, 'StatefulSet', 'events', 'events');
const sentinelSts = (out: SynthResult) => one(out.objects, 'StatefulSet', 'events-sentinel', 'events');
const container = (o: K8sObject) => o.spec.template.spec.containers[0];
const policy = (out: SynthResult, name: string, ns: string) => one(out.objects, 'NetworkPolicy', name, ns).spec;
const secretRef = (name: string) => ({ secretKeyRef: { name, key: 'password' } });

/** The rules of a NetworkPolicy as "<component of the peer> <port>" strings. */
function rules(spec: any, direction: 'ingress' | 'egress'): string[] {
  return (spec[direction] ?? []).flatMap((r: any) => (r[direction === 'ingress' ? 'from' : 'to'] ?? []).flatMap((peer: any) =>
    (r.ports ?? []).map((p: any) => `${peer.podSelector.matchLabels['app.kubernetes.io/instance']} ${p.port}/${p.protocol}`))).sort();
}

describe('production: 3 Redis pods and 3 Sentinels', () => {
  let r: Built;
  beforeAll(() => { r = build(arch.Profile.PRODUCTION); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('redis.conf: AOF, 60% of the limit without eviction, one replica required for writes, no password', () => {
    const cm = one(r.out.objects, 'ConfigMap', 'events-config', 'events');
    const conf: string = cm.data['redis.conf'];
    expect(conf).toBe(renderRedisConf({
      persistence: arch.RedisPersistence.AOF, maxmemoryMebibytes: 614, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.NOEVICTION, minReplicasToWrite: 1,
    }));
    const lines = conf.split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      'bind * -::*', 'port 6379', 'dir /data', 'appendonly yes', 'appendfsync everysec', 'save 3600 1 300 100 60 10000',
      'maxmemory 614mb', 'maxmemory-policy noeviction', 'replica-read-only yes', 'min-replicas-to-write 1', 'min-replicas-max-lag 10',
    ]));
    const settings = Object.values(cm.data as Record<string, string>).flatMap((f) => f.split('\n').filter((l) => !l.startsWith('#')));
    expect(settings.filter((l) => /requirepass|masterauth|auth-pass|replicaof|announce-ip/.test(l))).toEqual([]);
  });

  test('sentinel.conf: monitors member 0 by host name with a majority quorum, knows the others as replicas', () => {
    const conf: string = one(r.out.objects, 'ConfigMap', 'events-config', 'events').data['sentinel.conf'];
    expect(conf).toBe(renderSentinelConf({ masterName: 'mymaster', redisHosts: [0, 1, 2].map(redisHost), quorum: 2, downAfterMillis: 30000 }));
    const lines = conf.split('\n');
    expect(lines.indexOf('sentinel resolve-hostnames yes')).toBeLessThan(lines.findIndex((l) => l.startsWith('sentinel monitor')));
    expect(lines).toEqual(expect.arrayContaining([
      'port 26379',
      'sentinel announce-hostnames yes',
      `sentinel monitor mymaster ${redisHost(0)} 6379 2`,
      'sentinel down-after-milliseconds mymaster 30000',
      'sentinel failover-timeout mymaster 180000',
      'sentinel parallel-syncs mymaster 1',
      `sentinel known-replica mymaster ${redisHost(1)} 6379`,
      `sentinel known-replica mymaster ${redisHost(2)} 6379`,
    ]));
    expect(conf).not.toContain(`known-replica mymaster ${redisHost(0)}`);
  });

  test('Redis pods: the official image as uid 999, the start script, ordinal-aware env and the password from the Secret', () => {
    const sts = redisSts(r.out);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe('events-headless');
    const c = container(sts);
    expect(c.image).toBe('redis:8.10.1');
    expect(c.command).toEqual(['sh', '-c', REDIS_START_SCRIPT]);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(envOf(sts)).toEqual({
      REDIS_PASSWORD: secretRef('events-auth'),
      REDISCLI_AUTH: secretRef('events-auth'),
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      REDIS_PORT: '6379',
      REDIS_ANNOUNCE_HOST: '$(POD_NAME).events-headless.events.svc.cluster.local',
      REDIS_PRIMARY_HOST: redisHost(0),
      REDIS_SENTINELS: SENTINELS,
      REDIS_MASTER_NAME: 'mymaster',
    });
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('events-auth');
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
    // the ConfigMap is a read-only template; the effective config and /tmp are emptyDirs, data a PVC
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'config', mountPath: '/etc/redis-template', readOnly: true },
      { name: 'writable-etc-redis', mountPath: '/etc/redis' },
      { name: 'writable-tmp', mountPath: '/tmp' },
    ]);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '1024Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
  });

  test('the start script asks the Sentinels for the primary before choosing replicaof, and keeps the password out of argv', () => {
    expect(REDIS_START_SCRIPT).toContain('SENTINEL get-master-addr-by-name "$REDIS_MASTER_NAME"');
    expect(REDIS_START_SCRIPT).toContain('elif [ "${POD_NAME##*-}" = 0 ]; then');
    expect(REDIS_START_SCRIPT).toContain('printf \'replicaof %s\\n\' "$primary" >> "$conf"');
    expect(REDIS_START_SCRIPT).toContain('printf \'requirepass "%s"\\nmasterauth "%s"\\n\' "$pw" "$pw" >> "$conf"');
    expect(REDIS_START_SCRIPT).toMatch(/exec redis-server "\$conf"\n$/);
    expect(SENTINEL_START_SCRIPT).toMatch(/exec redis-server "\$conf" --sentinel\n$/);
    expect(SENTINEL_START_SCRIPT).toContain('printf \'sentinel auth-pass %s "%s"\\n\' "$REDIS_MASTER_NAME" "$pw"');
  });

  test('probes authenticate through REDISCLI_AUTH; liveness tolerates loading, readiness wants PONG', () => {
    const c = container(redisSts(r.out));
    expect(c.readinessProbe.exec.command).toEqual(['sh', '-c', 'case "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>&1)" in PONG) exit 0 ;; esac; exit 1']);
    expect(c.livenessProbe.exec.command[2]).toContain('PONG|LOADING*|MASTERDOWN*)');
    expect(c.startupProbe.exec.command).toEqual(c.livenessProbe.exec.command);
    const s = container(sentinelSts(r.out));
    expect(s.readinessProbe.exec.command[2]).toContain('-p 26379 ping');
    expect(s.livenessProbe.exec.command).toEqual(s.readinessProbe.exec.command);
  });

  test('Sentinels: their own StatefulSet on emptyDirs, the start script, and the same password', () => {
    const sts = sentinelSts(r.out);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    const c = container(sts);
    expect(c.command).toEqual(['sh', '-c', SENTINEL_START_SCRIPT]);
    expect(c.ports).toEqual([{ name: 'sentinel', containerPort: 26379 }]);
    expect(envOf(sts)).toEqual({
      REDIS_PASSWORD: secretRef('events-auth'),
      REDISCLI_AUTH: secretRef('events-auth'),
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      SENTINEL_ANNOUNCE_HOST: '$(POD_NAME).events-sentinel-headless.events.svc.cluster.local',
      REDIS_SENTINELS: SENTINELS,
      REDIS_MASTER_NAME: 'mymaster',
    });
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'events-config', items: [{ key: 'sentinel.conf', path: 'sentinel.conf' }] } });
    expect(c.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '250m', memory: '64Mi' } });
  });

  test('disruption budgets: one Redis pod at a time, a majority of Sentinels; both spread over nodes', () => {
    expect(one(r.out.objects, 'PodDisruptionBudget', 'events', 'events').spec.maxUnavailable).toBe(1);
    expect(one(r.out.objects, 'PodDisruptionBudget', 'events-sentinel', 'events').spec.minAvailable).toBe(2);
    for (const sts of [redisSts(r.out), sentinelSts(r.out)]) {
      expect(sts.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    }
  });

  test('services: client and headless for Redis (6379) and for the Sentinels (26379)', () => {
    const ports = (n: string) => one(r.out.objects, 'Service', n, 'events').spec.ports.map((p: any) => p.port);
    expect(ports('events')).toEqual([6379]);
    // the exporter's port is on the headless Service only (Prometheus scrapes the pods)
    expect(ports('events-headless')).toEqual([6379, 9121]);
    expect(ports('events-sentinel')).toEqual([26379]);
    expect(one(r.out.objects, 'Service', 'events-sentinel-headless', 'events').spec.publishNotReadyAddresses).toBe(true);
  });

  test('consumers: address, Sentinels, master name, password by Secret reference, stream and group', () => {
    const billing = one(r.out.objects, 'Deployment', 'billing', 'billing');
    expect(appEnv(billing)).toEqual({
      EVENTS_TYPE: 'redis',
      // no plain ADDRESS with Sentinel: the client Service also reaches replicas, which reject
      // writes (READONLY); writers find the primary through the Sentinels
      EVENTS_READ_ADDRESS: 'events.events.svc.cluster.local:6379',
      EVENTS_SENTINELS: SENTINELS,
      EVENTS_MASTER_NAME: 'mymaster',
      EVENTS_PASSWORD: secretRef('events-client'),
      EVENTS_ORDERS_TOPIC: 'orders',
      EVENTS_ORDERS_RETENTION_MS: String(7 * 24 * 3600 * 1000),
      EVENTS_ORDERS_GROUP: 'billing',
    });
    expect(billing.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('events-client');
    const producer = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(producer.EVENTS_ORDERS_TOPIC).toBe('orders');
    expect(producer.EVENTS_ORDERS_GROUP).toBeUndefined();
    expect(envOf(one(r.out.objects, 'Deployment', 'audit', 'audit')).EVENTS_ORDERS_GROUP).toBe('audit');
  });

  test('a primary that is stopped on purpose asks the Sentinels for a failover first (preStop), within the grace period', () => {
    const pod = redisSts(r.out).spec.template.spec;
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sh', '-c', REDIS_PRESTOP_SCRIPT] } } });
    expect(REDIS_PRESTOP_SCRIPT).toMatch(/ROLE/);
    expect(REDIS_PRESTOP_SCRIPT).toMatch(/SENTINEL FAILOVER "\$REDIS_MASTER_NAME"/);
    // at most 30 s waiting for the switch, then the data-set flush on SIGTERM
    expect(REDIS_PRESTOP_SCRIPT).toMatch(/-lt 30/);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(envOf(redisSts(r.out))).toMatchObject({ REDIS_SENTINELS: SENTINELS, REDIS_MASTER_NAME: 'mymaster' });
  });

  test('a Sentinel starts even when an address of its configuration does not resolve yet (Redis >= 7.2 refuses such a file)', () => {
    expect(SENTINEL_START_SCRIPT).toMatch(/getent hosts/);
    // the primary must resolve before the Sentinel starts; unresolvable replicas are left out
    expect(SENTINEL_START_SCRIPT).toMatch(/waiting for the primary \$1 to resolve/);
    expect(SENTINEL_START_SCRIPT).toMatch(/leaving out the replica/);
  });

  test('network: consumers reach 6379 on Redis and 26379 on the Sentinels only; Redis and Sentinels reach each other', () => {
    for (const [svc, ns] of [['orders', 'ordering'], ['billing', 'billing'], ['audit', 'audit']]) {
      expect(rules(policy(r.out, svc, ns), 'egress')).toEqual(['shop-events 6379/TCP', 'shop-events-sentinel 26379/TCP']);
    }
    expect(rules(policy(r.out, 'events', 'events'), 'ingress')).toEqual([
      'shop-audit 6379/TCP', 'shop-billing 6379/TCP', 'shop-events 6379/TCP', 'shop-events 9121/TCP', 'shop-events-sentinel 6379/TCP', 'shop-events-streams 6379/TCP', 'shop-orders 6379/TCP',
    ]);
    // members reach each other on every declared port, the exporter's included (as RabbitMQ's 15692)
    expect(rules(policy(r.out, 'events', 'events'), 'egress')).toEqual(['shop-events 6379/TCP', 'shop-events 9121/TCP', 'shop-events-sentinel 26379/TCP']);
    expect(rules(policy(r.out, 'events-sentinel', 'events'), 'egress')).toEqual(['shop-events 6379/TCP', 'shop-events-sentinel 26379/TCP']);
    expect(rules(policy(r.out, 'events-sentinel', 'events'), 'ingress')).toEqual([
      'shop-audit 26379/TCP', 'shop-billing 26379/TCP', 'shop-events 26379/TCP', 'shop-events-sentinel 26379/TCP', 'shop-events-streams 26379/TCP', 'shop-orders 26379/TCP',
    ]);
  });

  test('the consumer-group Job creates every bound group through the Sentinels, named by its content', () => {
    const jobs = find(r.out.objects, 'Job', undefined, 'events');
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metadata.name).toMatch(/^events-streams-[0-9a-f]{10}$/);
    const c = container(jobs[0]);
    expect(c.command).toEqual(['sh', '-c']);
    expect(c.args).toEqual([renderConsumerGroupScript([{ stream: 'orders', group: 'audit' }, { stream: 'orders', group: 'billing' }])]);
    expect(c.args[0]).toContain('XGROUP CREATE "$1" "$2" \'$\' MKSTREAM');
    expect(c.args[0]).toMatch(/\ngroup 'orders' 'audit'\ngroup 'orders' 'billing'\nlog done\n$/);
    expect(envOf(jobs[0])).toEqual({ REDISCLI_AUTH: secretRef('events-auth'), REDIS_SENTINELS: SENTINELS, REDIS_MASTER_NAME: 'mymaster' });
    expect(jobs[0].spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('events-auth');
    expect(rules(policy(r.out, 'events-streams', 'events'), 'egress')).toEqual(['shop-events 6379/TCP', 'shop-events-sentinel 26379/TCP']);
  });

  test('the Job name changes with the groups', () => {
    const other = build(arch.Profile.PRODUCTION, {}, TOPICS);
    expect(find(other.out.objects, 'Job')[0].metadata.name).toBe(find(r.out.objects, 'Job')[0].metadata.name);
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.redis(), topics: TOPICS });
    new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1' }).uses(mq.topic('orders').consumer('billing'));
    expect(find(synthApp(app).objects, 'Job')[0].metadata.name).not.toBe(find(r.out.objects, 'Job')[0].metadata.name);
  });

  test('shell quoting of stream names in the Job script', () => {
    expect(renderConsumerGroupScript([{ stream: 'it\'s:$HOME', group: 'g' }])).toContain('group \'it\'\\\'\'s:$HOME\' \'g\'');
    expect(renderConsumerGroupScript([])).toContain('log "no consumer group is bound"');
  });
});

describe('development: one Redis instance', () => {
  let r: Built;
  beforeAll(() => { r = build(arch.Profile.DEVELOPMENT); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('one pod on an emptyDir, RDB snapshots, no Sentinel, no PDB', () => {
    const sts = redisSts(r.out);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '8Gi' } });
    expect(find(r.out.objects, 'StatefulSet', 'events-sentinel')).toEqual([]);
    expect(find(r.out.objects, 'PodDisruptionBudget', undefined, 'events')).toEqual([]);
    const cm = one(r.out.objects, 'ConfigMap', 'events-config', 'events');
    expect(Object.keys(cm.data)).toEqual(['redis.conf']);
    expect(cm.data['redis.conf']).toBe(renderRedisConf({
      persistence: arch.RedisPersistence.RDB, maxmemoryMebibytes: 153, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.NOEVICTION, minReplicasToWrite: 0,
    }));
    expect(cm.data['redis.conf']).not.toContain('min-replicas');
    expect(envOf(sts)).toEqual({ REDIS_PASSWORD: secretRef('events-auth'), REDISCLI_AUTH: secretRef('events-auth') });
  });

  test('consumers get the client Service and the password, no Sentinel variables, an edge to 6379 only', () => {
    const env = appEnv(one(r.out.objects, 'Deployment', 'billing', 'billing'));
    expect(env).toEqual({
      EVENTS_TYPE: 'redis',
      EVENTS_ADDRESS: 'events.events.svc.cluster.local:6379',
      EVENTS_PASSWORD: secretRef('events-client'),
      EVENTS_ORDERS_TOPIC: 'orders',
      EVENTS_ORDERS_RETENTION_MS: '604800000',
      EVENTS_ORDERS_GROUP: 'billing',
    });
    expect(rules(policy(r.out, 'billing', 'billing'), 'egress')).toEqual(['shop-events 6379/TCP']);
  });

  test('the Job talks to the client Service directly', () => {
    const job = find(r.out.objects, 'Job', undefined, 'events')[0];
    expect(envOf(job)).toEqual({ REDISCLI_AUTH: secretRef('events-auth'), REDIS_PRIMARY_HOST: 'events.events.svc.cluster.local', REDIS_PORT: '6379' });
    expect(rules(policy(r.out, 'events-streams', 'events'), 'egress')).toEqual(['shop-events 6379/TCP']);
  });
});

describe('options', () => {
  test('persistence, memory, Sentinel tuning, Secret names, stream length, no Job', () => {
    const r = build(arch.Profile.PRODUCTION, {
      replicas: 5,
      sentinels: 5,
      sentinelQuorum: 4,
      masterName: 'events-primary',
      sentinelDownAfter: Duration.seconds(10),
      persistence: arch.RedisPersistence.RDB,
      maxmemoryMebibytes: 1500,
      maxmemoryPolicy: arch.RedisMaxmemoryPolicy.VOLATILE_LRU,
      minReplicasToWrite: 2,
      streamMaxLength: 100000,
      createConsumerGroups: false,
      authSecretName: 'redis-server-password',
      clientSecretName: 'redis-password',
      resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
      storageGibibytes: 32,
      storageClassName: 'fast',
    });
    expect(checkAll(r.out.objects)).toEqual([]);
    const cm = one(r.out.objects, 'ConfigMap', 'events-config', 'events').data;
    expect(cm['redis.conf'].split('\n')).toEqual(expect.arrayContaining([
      'appendonly no', 'save 3600 1 300 100 60 10000', 'maxmemory 1500mb', 'maxmemory-policy volatile-lru', 'min-replicas-to-write 2',
    ]));
    expect(cm['sentinel.conf']).toContain(`sentinel monitor events-primary ${redisHost(0)} 6379 4\n`);
    expect(cm['sentinel.conf']).toContain('sentinel down-after-milliseconds events-primary 10000\n');
    expect(cm['sentinel.conf'].match(/known-replica/g)).toHaveLength(4);
    expect(sentinelSts(r.out).spec.replicas).toBe(5);
    expect(one(r.out.objects, 'PodDisruptionBudget', 'events-sentinel', 'events').spec.minAvailable).toBe(3);
    expect(redisSts(r.out).spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '32Gi' } } });
    expect(envOf(redisSts(r.out)).REDIS_PASSWORD).toEqual(secretRef('redis-server-password'));
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env).toMatchObject({ EVENTS_MASTER_NAME: 'events-primary', EVENTS_PASSWORD: secretRef('redis-password'), EVENTS_ORDERS_MAXLEN: '100000' });
    expect(find(r.out.objects, 'Job')).toEqual([]);
  });

  test('persistence NONE writes nothing to disk', () => {
    const r = build(arch.Profile.DEVELOPMENT, { persistence: arch.RedisPersistence.NONE, maxmemoryMebibytes: 100 });
    const conf: string = one(r.out.objects, 'ConfigMap', 'events-config', 'events').data['redis.conf'];
    expect(conf.split('\n')).toEqual(expect.arrayContaining(['appendonly no', 'save ""', 'maxmemory 100mb']));
    expect(conf).not.toMatch(/^save \d/m);
  });

  test('a cache without topics: allkeys-lru, a plain connection, no Job', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    const cache = new arch.MessageQueue(shop, 'cache', {
      engine: arch.MessageQueueEngine.redis({ maxmemoryPolicy: arch.RedisMaxmemoryPolicy.ALLKEYS_LRU, persistence: arch.RedisPersistence.NONE }),
    });
    new arch.Microservice(shop, 'catalog', { image: 'ghcr.io/acme/catalog:3.1.0' }).uses(cache);
    const out = synthApp(app);
    expect(checkAll(out.objects)).toEqual([]);
    expect(appEnv(one(out.objects, 'Deployment', 'catalog', 'shop'))).toEqual({
      CACHE_TYPE: 'redis', CACHE_ADDRESS: 'cache.cache.svc.cluster.local:6379', CACHE_PASSWORD: secretRef('cache-client'),
    });
    expect(find(out.objects, 'Job')).toEqual([]);
    expect(one(out.objects, 'ConfigMap', 'cache-config', 'cache').data['redis.conf']).toContain('maxmemory-policy allkeys-lru\n');
  });

  test('replication in development: Sentinel with a single Sentinel is allowed', () => {
    const r = build(arch.Profile.DEVELOPMENT, { replicas: 2, sentinels: 1 });
    expect(checkAll(r.out.objects)).toEqual([]);
    expect(sentinelSts(r.out).spec.replicas).toBe(1);
    expect(one(r.out.objects, 'ConfigMap', 'events-config', 'events').data['sentinel.conf']).toContain(`monitor mymaster ${redisHost(0)} 6379 1\n`);
  });

  test('is the engine the factory returns', () => {
    expect(arch.MessageQueueEngine.redis().kind).toBe(arch.MessageQueueKind.REDIS);
  });
});

describe('validation', () => {
  const attempt = (profile: arch.Profile, options: arch.RedisOptions, topics: arch.TopicOptions[] = [{ name: 'orders' }]): string => {
    try {
      const shop = new arch.BackendArchitecture(newTestApp(), 'shop', { profile });
      new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.redis(options), topics });
    } catch (e: any) {
      return e.message;
    }
    return '';
  };
  const P = arch.Profile.PRODUCTION;
  const D = arch.Profile.DEVELOPMENT;
  test.each<[string, arch.Profile, arch.RedisOptions, arch.TopicOptions[] | undefined, string, RegExp]>([
    ['one pod in production', P, { replicas: 1 }, undefined, 'replicas 1', /at least 2 Redis pods/],
    ['too many pods', P, { replicas: 10 }, undefined, '10', /1 to 9/],
    ['an even number of Sentinels', P, { sentinels: 4 }, undefined, 'sentinels 4', /odd number/],
    ['one Sentinel in production', P, { sentinels: 1 }, undefined, 'sentinels 1', /3 or 5 Sentinels/],
    ['a quorum below the majority', P, { sentinelQuorum: 1 }, undefined, 'sentinelQuorum 1', /from 2 to 3/],
    ['a quorum above the Sentinels', P, { sentinelQuorum: 4 }, undefined, 'sentinelQuorum 4', /from 2 to 3/],
    ['Sentinels without replicas', D, { sentinels: 3 }, undefined, 'sentinels 3', /replicas to 2 or more/],
    ['a master name with a space', P, { masterName: 'my master' }, undefined, '"my master"', /1-64 letters/],
    ['a too short down-after', P, { sentinelDownAfter: Duration.millis(500) }, undefined, '500', /1 second to 10 minutes/],
    ['persistence NONE with replicas (a restarted primary wipes its replicas)', P, { persistence: arch.RedisPersistence.NONE }, undefined, 'persistence "none" with 3 Redis pods', /RedisPersistence.RDB for a cache/],
    ['persistence NONE with replicas in development', D, { persistence: arch.RedisPersistence.NONE, replicas: 2, sentinels: 1 }, undefined, 'persistence "none" with 2 Redis pods', /single Redis pod/],
    ['an unknown persistence', P, { persistence: 'disk' as arch.RedisPersistence }, undefined, '"disk"', /RedisPersistence.AOF/],
    ['an unknown policy', P, { maxmemoryPolicy: 'lru' as arch.RedisMaxmemoryPolicy }, undefined, '"lru"', /RedisMaxmemoryPolicy/],
    ['eviction of streams', P, { maxmemoryPolicy: arch.RedisMaxmemoryPolicy.ALLKEYS_LRU }, undefined, '"allkeys-lru"', /NOEVICTION for a queue/],
    ['maxmemory at the limit', P, { maxmemoryMebibytes: 1024 }, undefined, '1024', /less than the memory limit \(1024 MiB\)/],
    ['more required replicas than exist', P, { minReplicasToWrite: 3 }, undefined, 'minReplicasToWrite 3', /0 to 2/],
    ['a zero stream length', P, { streamMaxLength: 0 }, undefined, 'streamMaxLength 0', /positive whole number/],
    ['an unpinned image', P, { image: 'redis' }, undefined, '"redis"', /pin the image/],
    ['a bad Secret name', P, { authSecretName: 'Redis_Auth' }, undefined, '"Redis_Auth"', /lowercase/],
    ['partitions', P, {}, [{ name: 'orders', partitions: 3 }], '3 partitions', /partitions: 1/],
    ['log compaction', P, {}, [{ name: 'orders', cleanupPolicy: arch.CleanupPolicy.COMPACT }], '"compact"', /CleanupPolicy.DELETE/],
    ['replication beyond the pods', P, {}, [{ name: 'orders', replicationFactor: 4 }], 'replicationFactor 4', /at most 3/],
    ['replication in development', D, {}, [{ name: 'orders', replicationFactor: 2 }], 'replicationFactor 2', /at most 1/],
    ['whitespace in a stream key', P, {}, [{ name: 'order created' }], '"order created"', /without whitespace/],
    ['a too long stream key', P, {}, [{ name: 'x'.repeat(513) }], 'x'.repeat(513), /at most 512 characters/],
  ])('%s', (_what, profile, options, topics, value, fix) => {
    const message = attempt(profile, options, topics);
    expect(message).toContain('[shop/events]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  });

  test('a stream key of 512 characters is accepted', () => {
    expect(attempt(P, {}, [{ name: 'x'.repeat(512) }])).toBe('');
  });
});
