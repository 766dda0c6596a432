import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { logbackBoundBytes, parseLogback, quantityBytes } from './harness/logback';
import { envOf, find, newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { NACOS_MYSQL_LEGACY_TABLES, NACOS_MYSQL_SCHEMA } from '../src/config/nacos-schema';

/**
 * The Nacos 2.x config engine in both profiles: a 3-member cluster on a generated MySQL with two
 * namespaces (production) and a standalone member on embedded storage (development), each used by
 * a microservice; the provisioning Job's script is run against a mock of the Nacos OpenAPI.
 */

const HOST = 'config.config.svc.cluster.local';
const member = (i: number) => `config-${i}.config-headless.config.svc.cluster.local`;

function build(profile: arch.Profile, options: arch.NacosOptions): { out: SynthResult; center: arch.ConfigCenter } {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 });
  orders.uses(center);
  const payments = new arch.Microservice(shop, 'payments', { image: 'ghcr.io/acme/payments:2.0.1', port: 8080 });
  payments.uses(center);
  return { out: synthApp(app), center };
}

function nacosContainer(out: SynthResult): any {
  return one(out.objects, 'StatefulSet', 'config', 'config').spec.template.spec.containers[0];
}

function provisionJob(out: SynthResult): any {
  const jobs = find(out.objects, 'Job', undefined, 'config');
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

const NAMESPACES: arch.NacosNamespace[] = [
  { id: 'shop-prod', name: 'Shop (production)', description: 'orders & payments; it\'s live' },
  { id: 'shop-batch' },
];

describe('production: 3 members, generated MySQL, two namespaces', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => { r = build(arch.Profile.PRODUCTION, { namespaces: NAMESPACES }); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('cluster mode with the ordinal member list', () => {
    const env = envOf(one(r.out.objects, 'StatefulSet', 'config', 'config'));
    expect(env.MODE).toBe('cluster');
    expect(env.PREFER_HOST_MODE).toBe('hostname');
    expect(env.NACOS_SERVERS).toBe([0, 1, 2].map((i) => `${member(i)}:8848`).join(' '));
    expect(env.NACOS_APPLICATION_PORT).toBe('8848');
    expect(env.EMBEDDED_STORAGE).toBeUndefined();
    expect(one(r.out.objects, 'StatefulSet', 'config', 'config').spec.replicas).toBe(3);
  });

  test('MySQL wiring: the generated instance, its schema and the password from a Secret', () => {
    const env = envOf(one(r.out.objects, 'StatefulSet', 'config', 'config'));
    expect(env.SPRING_DATASOURCE_PLATFORM).toBe('mysql');
    expect(env.MYSQL_SERVICE_HOST).toBe('config-mysql.config.svc.cluster.local');
    expect(env.MYSQL_SERVICE_PORT).toBe('3306');
    expect(env.MYSQL_SERVICE_DB_NAME).toBe('nacos');
    expect(env.MYSQL_SERVICE_USER).toBe('nacos');
    expect(env.MYSQL_SERVICE_DB_PARAM).toContain('allowPublicKeyRetrieval=true');
    expect(env.MYSQL_SERVICE_PASSWORD).toEqual({ secretKeyRef: { name: 'config-mysql', key: 'password' } });

    const mysql = one(r.out.objects, 'StatefulSet', 'config-mysql', 'config');
    expect(mysql.spec.template.spec.containers[0].image).toBe('mysql:8.4.5');
    const initdb = one(r.out.objects, 'ConfigMap', 'config-mysql-initdb', 'config');
    const sql: string = initdb.data['01-nacos-schema.sql'];
    expect(sql.startsWith('CREATE DATABASE IF NOT EXISTS `nacos` DEFAULT CHARACTER SET utf8mb4;\nUSE `nacos`;\n')).toBe(true);
    expect(sql).toContain('CREATE TABLE `config_info` (');
    expect(sql).toContain('CREATE TABLE `config_info_gray` (');
    expect(sql).toContain('`publish_type` varchar(50)  DEFAULT \'formal\'');
    expect(sql).toContain('CREATE TABLE `users` (');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS `config_info_beta` (');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS `config_info_tag` (');
    expect(sql.trimEnd().endsWith('GRANT ALL PRIVILEGES ON `nacos`.* TO \'nacos\'@\'%\';')).toBe(true);
    // the upstream text is embedded unchanged (the stored file has 13,362 characters)
    expect(NACOS_MYSQL_SCHEMA).toHaveLength(13362);
    expect(sql).toContain(NACOS_MYSQL_SCHEMA);
    expect(NACOS_MYSQL_SCHEMA).not.toMatch(/INSERT INTO users/);
    expect(NACOS_MYSQL_LEGACY_TABLES.match(/CREATE TABLE IF NOT EXISTS/g)).toHaveLength(2);

    // Nacos reaches MySQL and nothing else does (besides MySQL's own members)
    const np = one(r.out.objects, 'NetworkPolicy', 'config-mysql', 'config');
    const nacosPods = one(r.out.objects, 'StatefulSet', 'config', 'config').spec.selector.matchLabels;
    const mysqlClients = np.spec.ingress.filter((i: any) => i.ports.some((p: any) => p.port === 3306)).flatMap((i: any) => i.from);
    expect(mysqlClients).toContainEqual({ podSelector: { matchLabels: nacosPods } });
  });

  test('authentication always on; token and identity from Secrets; listed as external', () => {
    const sts = one(r.out.objects, 'StatefulSet', 'config', 'config');
    const env = envOf(sts);
    expect(env.NACOS_AUTH_ENABLE).toBe('true');
    expect(env.NACOS_AUTH_TOKEN).toEqual({ secretKeyRef: { name: 'config-auth', key: 'token' } });
    expect(env.NACOS_AUTH_IDENTITY_KEY).toEqual({ secretKeyRef: { name: 'config-auth', key: 'identity-key' } });
    expect(env.NACOS_AUTH_IDENTITY_VALUE).toEqual({ secretKeyRef: { name: 'config-auth', key: 'identity-value' } });
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('config-auth,config-mysql');
  });

  test('the heap follows the memory limit', () => {
    const c = nacosContainer(r.out);
    expect(c.resources.limits.memory).toBe('2048Mi');
    const env = envOf(one(r.out.objects, 'StatefulSet', 'config', 'config'));
    expect([env.JVM_XMS, env.JVM_XMX, env.JVM_XMN]).toEqual(['1228m', '1228m', '614m']);
  });

  test('restricted security: uid 1000, read-only root, writable conf/logs/data/tmp volumes', () => {
    const spec = one(r.out.objects, 'StatefulSet', 'config', 'config').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    }
    const init = spec.initContainers[0];
    expect(init.image).toBe('nacos/nacos-server:v2.5.3');
    // the image's conf/, then the generated nacos-logback.xml over the image's
    expect(init.command).toEqual(['/bin/sh', '-c', 'cp -R /home/nacos/conf/. /conf-rw/ && cp /etc/nacos-logback/nacos-logback.xml /conf-rw/nacos-logback.xml']);
    expect(init.volumeMounts).toEqual([{ name: 'conf', mountPath: '/conf-rw' }, { name: 'logback', mountPath: '/etc/nacos-logback', readOnly: true }]);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'conf', mountPath: '/home/nacos/conf' },
      { name: 'logs', mountPath: '/home/nacos/logs' },
      { name: 'data', mountPath: '/home/nacos/data' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['conf', 'logback', 'logs', 'tmp']);
    const sts = one(r.out.objects, 'StatefulSet', 'config', 'config');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    const env = envOf(sts);
    expect(env.SERVER_TOMCAT_BASEDIR).toBe('/tmp/tomcat');
  });

  test('2.x probes with a startup budget of at least 3 minutes', () => {
    const c = nacosContainer(r.out);
    const readiness = { path: '/nacos/v1/console/health/readiness', port: 'http', scheme: 'HTTP' };
    expect(c.startupProbe.httpGet).toEqual(readiness);
    expect(c.readinessProbe.httpGet).toEqual(readiness);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/nacos/v1/console/health/liveness', port: 'http', scheme: 'HTTP' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(180);
  });

  test('ports: http and grpc on the client Service; raft and peer gRPC only on the headless one', () => {
    expect(one(r.out.objects, 'Service', 'config', 'config').spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 8848], ['grpc', 9848]]);
    expect(one(r.out.objects, 'Service', 'config-headless', 'config').spec.ports.map((p: any) => p.port)).toEqual([8848, 9848, 7848, 9849]);
  });

  test('the disruption budget keeps a majority', () => {
    expect(one(r.out.objects, 'PodDisruptionBudget', 'config', 'config').spec.minAvailable).toBe(2);
  });

  test('address and console URL', () => {
    expect(r.center.address).toBe(`${HOST}:8848`);
    expect(r.center.uiUrl).toBe(`http://${HOST}:8848/nacos`);
  });

  test('consumer env: server, first namespace, group, data id; credentials only from Secrets', () => {
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'shop'));
    expect(env.NACOS_SERVER_ADDR).toBe(`${HOST}:8848`);
    expect(env.CONFIG_SERVER_ADDRESS).toBe(`${HOST}:8848`);
    expect(env.NACOS_NAMESPACE).toBe('shop-prod');
    expect(env.NACOS_GROUP).toBe('DEFAULT_GROUP');
    expect(env.NACOS_DATA_ID).toBe('orders.properties');
    // its own Nacos user (the one the provisioning Job creates) and its own Secret
    expect(env.NACOS_USERNAME).toBe('shop.orders');
    expect(env.NACOS_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-config-client', key: 'password' } });
    const deployment = one(r.out.objects, 'Deployment', 'orders', 'shop');
    expect(deployment.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toContain('orders-config-client');
  });

  test('consumers reach the members on 8848 and 9848 only', () => {
    const consumer = one(r.out.objects, 'NetworkPolicy', 'orders', 'shop');
    const nacosPods = one(r.out.objects, 'StatefulSet', 'config', 'config').spec.selector.matchLabels;
    const toNacos = consumer.spec.egress.filter((e: any) => e.to[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'config');
    expect(toNacos).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'config' } }, podSelector: { matchLabels: nacosPods } }],
      ports: [{ port: 8848, protocol: 'TCP' }, { port: 9848, protocol: 'TCP' }],
    }]);
    const nacos = one(r.out.objects, 'NetworkPolicy', 'config', 'config');
    const fromShop = nacos.spec.ingress.filter((i: any) => i.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'shop');
    // both consumers use the same ports: one rule lists them both
    expect(fromShop).toHaveLength(1);
    expect(fromShop[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['orders', 'payments']);
    expect(fromShop[0].ports).toEqual([{ port: 8848, protocol: 'TCP' }, { port: 9848, protocol: 'TCP' }]);
  });

  test('the provisioning Job: curl image, restricted, admin and consumer passwords from Secrets, edge to 8848', () => {
    const job = provisionJob(r.out);
    expect(job.metadata.name).toMatch(/^config-provision-[0-9a-f]{10}$/);
    const spec = job.spec.template.spec;
    const c = spec.containers[0];
    expect(c.image).toBe('curlimages/curl:8.11.1');
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100 });
    expect(spec.restartPolicy).toBe('OnFailure');
    expect(c.env).toEqual([
      { name: 'NACOS_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'config-auth', key: 'admin-password' } } },
      { name: 'NACOS_CONSUMER_PASSWORD_0', valueFrom: { secretKeyRef: { name: 'config-consumers', key: 'shop.orders' } } },
      { name: 'NACOS_CONSUMER_PASSWORD_1', valueFrom: { secretKeyRef: { name: 'config-consumers', key: 'shop.payments' } } },
    ]);
    expect(job.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('config-auth,config-consumers');
    const script: string = c.args[0];
    expect(script).toContain(`base='http://${HOST}:8848/nacos'`);
    expect(script).toContain('namespace \'shop-prod\' \'Shop (production)\' \'orders & payments; it\'\\\'\'s live\'');
    expect(script).toContain('namespace \'shop-batch\' \'shop-batch\' \'\'');
    expect(script).toContain('reader \'shop.orders\' "$NACOS_CONSUMER_PASSWORD_0" \'shop-prod:*:*\'');
    expect(script).toContain('reader \'shop.payments\' "$NACOS_CONSUMER_PASSWORD_1" \'shop-prod:*:*\'');
    expect(script).not.toMatch(/password=[^$"]/);

    const np = one(r.out.objects, 'NetworkPolicy', 'config-provision', 'config');
    const nacosPods = one(r.out.objects, 'StatefulSet', 'config', 'config').spec.selector.matchLabels;
    expect(np.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: nacosPods } }], ports: [{ port: 8848, protocol: 'TCP' }] }]);
  });

  test('the Job name changes with what it provisions', () => {
    const other = build(arch.Profile.PRODUCTION, { namespaces: [NAMESPACES[0]] });
    expect(provisionJob(other.out).metadata.name).not.toBe(provisionJob(r.out).metadata.name);
    const same = build(arch.Profile.PRODUCTION, { namespaces: NAMESPACES });
    expect(provisionJob(same.out).metadata.name).toBe(provisionJob(r.out).metadata.name);
  });
});

test('metrics: the actuator\'s Prometheus endpoint alone is exposed, scraped by Prometheus on 8848 with the Nacos alerts', () => {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos({ namespaces: NAMESPACES }) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 }).uses(center);
  new arch.ObservabilityStack(shop, 'obs', { metrics: arch.Metrics.prometheus({ alertmanager: { dropUnroutedAlerts: true } }) });
  const out = synthApp(app);
  const sts = one(out.objects, 'StatefulSet', 'config', 'config');
  // Spring Boot exposes only `health` by default: the endpoint exists once exposed, and nothing else is
  expect(envOf(sts).MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE).toBe('prometheus');
  expect(sts.spec.template.metadata.annotations).toMatchObject({
    'cdk8s-architect.dev/scrape': 'true',
    'cdk8s-architect.dev/scrape-port': '8848',
    'cdk8s-architect.dev/scrape-path': '/nacos/actuator/prometheus',
    'cdk8s-architect.dev/scrape-kind': 'nacos',
  });
  const nacos = one(out.objects, 'NetworkPolicy', 'config', 'config');
  const fromObs = nacos.spec.ingress.flatMap((i: any) => i.from
    .filter((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'obs')
    .map((f: any) => [f.podSelector.matchLabels['app.kubernetes.io/name'], i.ports]));
  expect(fromObs).toEqual([['obs-prometheus', [{ port: 8848, protocol: 'TCP' }]]]);
  const rules = one(out.objects, 'ConfigMap', 'obs-prometheus-config', 'obs').data['alerts.yml'] as string;
  expect(rules).toContain('alert: NacosDatabaseErrors');
  expect(rules).toContain('alert: NacosConfigNotifyFailing');
  expect(checkAll(out.objects)).toEqual([]);
});

describe('development: standalone on embedded storage', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => { r = build(arch.Profile.DEVELOPMENT, {}); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('one standalone member, no MySQL, no member list, data on an emptyDir', () => {
    const sts = one(r.out.objects, 'StatefulSet', 'config', 'config');
    const env = envOf(sts);
    expect(sts.spec.replicas).toBe(1);
    expect(env.MODE).toBe('standalone');
    expect(env.NACOS_SERVERS).toBeUndefined();
    expect(env.SPRING_DATASOURCE_PLATFORM).toBeUndefined();
    expect(env.MYSQL_SERVICE_HOST).toBeUndefined();
    expect(find(r.out.objects, 'StatefulSet', 'config-mysql')).toHaveLength(0);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['conf', 'logback', 'logs', 'tmp', 'data']);
    expect(find(r.out.objects, 'PodDisruptionBudget', 'config')).toHaveLength(0);
    expect(sts.spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('config-auth');
    expect([env.JVM_XMX, env.JVM_XMN]).toEqual(['614m', '307m']);
  });

  test('consumers read "public" and get read permission on it', () => {
    expect(envOf(one(r.out.objects, 'Deployment', 'orders', 'shop')).NACOS_NAMESPACE).toBe('public');
    const script: string = provisionJob(r.out).spec.template.spec.containers[0].args[0];
    expect(script).toContain('reader \'shop.orders\' "$NACOS_CONSUMER_PASSWORD_0" \':*:*\'');
    expect(script).not.toMatch(/^namespace '/m);
  });
});

describe('other storage layouts', () => {
  test('an external database: MySQL env from the options, egress to its port, no generated MySQL', () => {
    const r = build(arch.Profile.PRODUCTION, {
      database: { host: 'mysql.db.example.com', port: 3307, user: 'nacos_app', passwordSecret: { secretName: 'nacos-db', key: 'pw' } },
    });
    expect(checkAll(r.out.objects)).toEqual([]);
    const env = envOf(one(r.out.objects, 'StatefulSet', 'config', 'config'));
    expect([env.MYSQL_SERVICE_HOST, env.MYSQL_SERVICE_PORT, env.MYSQL_SERVICE_DB_NAME, env.MYSQL_SERVICE_USER]).toEqual(['mysql.db.example.com', '3307', 'nacos', 'nacos_app']);
    expect(env.MYSQL_SERVICE_PASSWORD).toEqual({ secretKeyRef: { name: 'nacos-db', key: 'pw' } });
    expect(find(r.out.objects, 'StatefulSet', 'config-mysql')).toHaveLength(0);
    const egress = one(r.out.objects, 'NetworkPolicy', 'config-database-egress', 'config');
    expect(egress.spec.egress).toEqual([{ ports: [{ port: 3307, protocol: 'TCP' }] }]);
    expect(one(r.out.objects, 'StatefulSet', 'config', 'config').spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('config-auth,nacos-db');
  });

  test('development with 3 members and no database: cluster on JRaft-replicated embedded storage', () => {
    const r = build(arch.Profile.DEVELOPMENT, { members: 3 });
    expect(checkAll(r.out.objects)).toEqual([]);
    const env = envOf(one(r.out.objects, 'StatefulSet', 'config', 'config'));
    expect(env.MODE).toBe('cluster');
    expect(env.EMBEDDED_STORAGE).toBe('embedded');
    expect(env.SPRING_DATASOURCE_PLATFORM).toBeUndefined();
  });
});

test('consumers read the configured group', () => {
  const { out } = build(arch.Profile.DEVELOPMENT, { group: 'SHOP_GROUP' });
  expect(envOf(one(out.objects, 'Deployment', 'orders', 'shop')).NACOS_GROUP).toBe('SHOP_GROUP');
});

describe('log volume', () => {
  /** The loggers of upstream's nacos-logback.xml (2.5.1), standalone profile included. */
  const UPSTREAM_LOGGERS = ['com.alibaba.nacos.address.main', 'com.alibaba.nacos.cmdb.main', 'com.alibaba.nacos.core.remote', 'com.alibaba.nacos.core.remote.push',
    'com.alibaba.nacos.core.remote.digest', 'com.alibaba.nacos.plugin.control', 'com.alibaba.nacos.plugin.control.tps', 'com.alibaba.nacos.plugin.control.connection',
    'com.alibaba.nacos.naming.main', 'com.alibaba.nacos.naming.raft', 'com.alibaba.nacos.naming.distro', 'com.alibaba.nacos.naming.event',
    'com.alibaba.nacos.naming.push', 'com.alibaba.nacos.naming.rt', 'com.alibaba.nacos.naming.performance', 'com.alibaba.nacos.config.dumpLog',
    'com.alibaba.nacos.config.pullLog', 'com.alibaba.nacos.config.pullCheckLog', 'com.alibaba.nacos.config.fatal', 'com.alibaba.nacos.config.monitorLog',
    'com.alibaba.nacos.config.clientLog', 'com.alibaba.nacos.config.notifyLog', 'com.alibaba.nacos.config.traceLog', 'com.alibaba.nacos.config.startLog',
    'com.alibaba.nacos.istio.main', 'com.alibaba.nacos.core.auth', 'com.alibaba.nacos.core.protocol.raft', 'com.alipay.sofa.jraft',
    'com.alibaba.nacos.core.protocol.distro', 'com.alibaba.nacos.core.cluster', 'com.alibaba.nacos.persistence',
    'com.alibaba.nacos.core.listener.StartingApplicationListener', 'com.alibaba.nacos.common.notify.NotifyCenter', 'com.alibaba.nacos.sys.file.WatchFileCenter',
    'com.alibaba.nacos.common.executor.ThreadPoolManager'];
  /** docker-startup.sh (nacos-docker v2.5.3, Java 8): -XX:NumberOfGCLogFiles=10 -XX:GCLogFileSize=100M, set after anything the environment can change. */
  const GC_LOG_BYTES = 10 * 100 * 1024 ** 2;

  const cases: Array<[string, () => ReturnType<typeof build>, boolean]> = [
    ['production (cluster: a heap dump too)', () => build(arch.Profile.PRODUCTION, {}), true],
    ['development (standalone: no heap dump)', () => build(arch.Profile.DEVELOPMENT, {}), false],
    ['a larger heap', () => build(arch.Profile.PRODUCTION, { resources: { memoryRequestMebibytes: 6144, memoryLimitMebibytes: 6144 } }), true],
  ];
  for (const [what, make, heapDump] of cases) {
    test(`${what}: the logs volume holds the generated logback configuration's bound, the GC log and a heap dump (read from the manifests)`, () => {
      const r = make();
      const sts = one(r.out.objects, 'StatefulSet', 'config', 'config');
      const spec = sts.spec.template.spec;
      const xml: string = one(r.out.objects, 'ConfigMap', 'config-logback', 'config').data['nacos-logback.xml'];
      const parsed = parseLogback(xml);
      // plain logback: no Spring extensions, so the configuration means the same under any loader
      expect(xml).not.toMatch(/springProperty|springProfile/);
      for (const a of parsed.appenders) {
        // docker-startup.sh passes -Dnacos.home=/home/nacos; /home/nacos/logs is the volume
        expect(a.file.startsWith('${nacos.home}/logs/')).toBe(true);
        expect(a.fileNamePattern.startsWith('${nacos.home}/logs/')).toBe(true);
        expect(a.fileNamePattern).not.toMatch(/\.(gz|zip)$/);
        expect(a.maxIndex).toBeLessThanOrEqual(20);
      }
      for (const logger of UPSTREAM_LOGGERS) expect(parsed.loggers.get(logger)?.length).toBeGreaterThan(0);
      for (const refs of parsed.loggers.values()) for (const ref of refs) expect(parsed.classes.has(ref)).toBe(true);
      expect(spec.volumes.find((v: any) => v.name === 'logback').configMap.name).toBe('config-logback');
      const logs = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/home/nacos/logs');
      const limit = quantityBytes(spec.volumes.find((v: any) => v.name === logs.name).emptyDir.sizeLimit);
      const heap = Number(/^([0-9]+)m$/.exec(envOf(sts).JVM_XMX)![1]) * 1024 ** 2;
      // an HPROF dump can exceed the heap (8-byte object ids where compressed oops take 4): at least 1.5 x -Xmx
      const written = logbackBoundBytes(parsed) + GC_LOG_BYTES + (heapDump ? 1.5 * heap : 0);
      expect(envOf(sts).MODE).toBe(heapDump ? 'cluster' : 'standalone');
      expect(limit).toBeGreaterThanOrEqual(written * 1.05);
      expect(limit).toBeLessThan(written * 1.2 + 128 * 1024 ** 2);
    });
  }

  test('a digest of the logback configuration on the pod template rolls the members when it changes', () => {
    const r = build(arch.Profile.PRODUCTION, {});
    const xml: string = one(r.out.objects, 'ConfigMap', 'config-logback', 'config').data['nacos-logback.xml'];
    const annotations = one(r.out.objects, 'StatefulSet', 'config', 'config').spec.template.metadata.annotations;
    expect(annotations['cdk8s-architect.dev/config-hash']).toBe(createHash('sha256').update(xml).digest('hex').slice(0, 16));
  });
});

describe('validation', () => {
  const invalid = (options: arch.NacosOptions, ...fragments: string[]) => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    let message = '';
    try {
      new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos(options) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[shop/config]');
    expect(message).toContain('Fix:');
    for (const f of fragments) expect(message).toContain(f);
  };

  test('even members (JRaft majority)', () => invalid({ members: 4 }, 'members 4 is even', 'JRaft', 'majority'));
  test('too many members', () => invalid({ members: 9 }, 'members 9 is out of range'));
  test('unpinned image', () => invalid({ image: 'nacos/nacos-server:latest' }, '"nacos/nacos-server:latest"'));
  test('memory too small for the JVM', () => invalid({ resources: { memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 } }, 'memoryLimitMebibytes 512'));
  test('storage size', () => invalid({ storageGibibytes: 0 }, 'storageGibibytes 0'));
  test('storage class', () => invalid({ storageClassName: 'Fast_SSD' }, 'storageClassName "Fast_SSD"'));
  test('group', () => invalid({ group: 'shop group' }, 'group "shop group"', 'SHOP_GROUP'));
  test('namespace id', () => invalid({ namespaces: [{ id: 'shop prod' }] }, 'namespace id "shop prod"'));
  test('namespace id too long', () => invalid({ namespaces: [{ id: 'x'.repeat(129) }] }, `namespace id "${'x'.repeat(129)}"`));
  test('namespace "public"', () => invalid({ namespaces: [{ id: 'public' }] }, 'namespace id "public"'));
  test('duplicate namespace', () => invalid({ namespaces: [{ id: 'a' }, { id: 'a' }] }, 'namespace id "a" is listed twice'));
  test('namespace name', () => invalid({ namespaces: [{ id: 'a', name: 'a#b' }] }, 'namespace name "a#b"'));
  test('namespace description', () => invalid({ namespaces: [{ id: 'a', description: 'd'.repeat(257) }] }, 'namespace "a" has 257 characters'));
  test('database host', () => invalid({ database: { host: 'my sql', user: 'n', passwordSecret: { secretName: 's', key: 'k' } } }, 'database.host "my sql"'));
  test('database port', () => invalid({ database: { host: 'db', port: 70000, user: 'n', passwordSecret: { secretName: 's', key: 'k' } } }, 'database.port 70000'));
  test('database name', () => invalid({ database: { host: 'db', database: 'nacos-db', user: 'n', passwordSecret: { secretName: 's', key: 'k' } } }, 'database.database "nacos-db"'));
  test('database user', () => invalid({ database: { host: 'db', user: 'nacos app', passwordSecret: { secretName: 's', key: 'k' } } }, 'database.user "nacos app"'));
  test('database password Secret', () => invalid({ database: { host: 'db', user: 'n', passwordSecret: { secretName: 'Pw', key: 'k' } } }, 'database.passwordSecret.secretName "Pw"'));
  test('auth token Secret key', () => invalid({ authTokenSecret: { secretName: 'auth', key: 'a/b' } }, 'authTokenSecret.key "a/b"'));
  test('identity Secret', () => invalid({ identitySecretName: 'Identity' }, 'identitySecretName "Identity"'));
  test('admin password Secret', () => invalid({ adminPasswordSecret: { secretName: 'admin_pw', key: 'p' } }, 'adminPasswordSecret.secretName "admin_pw"'));
  test('consumer credentials Secret', () => invalid({ consumerCredentialsSecret: 'Client' }, 'consumerCredentialsSecret "Client"'));
  test('consumer passwords Secret', () => invalid({ consumerPasswordsSecret: 'consumers.' }, 'consumerPasswordsSecret "consumers."'));

  test('a consumer whose Nacos user name is too long', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos() });
    const long = 'a'.repeat(30);
    const svc = new arch.Microservice(shop, long, { image: 'ghcr.io/acme/x:1.0.0', port: 8080, context: 'b'.repeat(25) });
    expect(() => svc.uses(center)).toThrow(/\[shop\/config\] the Nacos user ".*" for "a{30}" has 56 characters.*Fix:/);
  });
});

/**
 * The Job's script, run by sh with curl against a mock of the Nacos 2.x OpenAPI that follows the
 * controllers' behavior (alibaba/nacos UserController, RoleController, PermissionController,
 * NamespaceController): the admin can be initialized once, writes need the token, creating an
 * existing user fails, a member learns about a new role only after a delay. Run twice: the second
 * run changes nothing and still succeeds.
 */
describe('the provisioning script against a mock Nacos', () => {
  const tools = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' });
  const haveTools = tools.status === 0;
  jest.setTimeout(90_000);

  interface State {
    adminPassword?: string;
    namespaces: Map<string, { name: string; desc: string }>;
    users: Map<string, string>;
    roles: Array<{ role: string; username: string }>;
    permissions: Array<{ role: string; resource: string; action: string }>;
    roleLag: Set<string>;
    writes: number;
  }

  function mock(state: State): http.Server {
    const page = (items: unknown[]) => JSON.stringify({ totalCount: items.length, pageNumber: 1, pagesAvailable: 1, pageItems: items });
    return http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const url = new URL(req.url!, 'http://mock');
        const p = new URLSearchParams(url.searchParams);
        for (const [k, v] of new URLSearchParams(body)) p.set(k, v);
        const send = (code: number, text: string) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(text); };
        const path = url.pathname;
        const m = req.method;
        if (path === '/nacos/v1/console/health/readiness') return send(200, 'OK');
        if (path === '/nacos/v1/auth/users/admin' && m === 'POST') {
          if (state.adminPassword !== undefined) return send(200, '{"code":409,"message":"have admin user cannot use it","data":null}');
          state.adminPassword = p.get('password')!;
          return send(200, JSON.stringify({ username: 'nacos', password: state.adminPassword }));
        }
        if (path === '/nacos/v1/auth/login' && m === 'POST') {
          if (p.get('username') === 'nacos' && p.get('password') === state.adminPassword) {
            return send(200, '{"accessToken":"tok-123","tokenTtl":18000,"globalAdmin":true,"username":"nacos"}');
          }
          return send(403, 'unknown user!');
        }
        if (p.get('accessToken') !== 'tok-123') return send(403, 'user not found!');
        if (m !== 'GET') state.writes++;
        const bad = (msg: string) => send(400, `caused: ${msg};`);
        switch (`${m} ${path}`) {
          case 'GET /nacos/v1/console/namespaces':
            return send(200, String(state.namespaces.has(p.get('customNamespaceId')!)));
          case 'POST /nacos/v1/console/namespaces': {
            const id = p.get('customNamespaceId')!;
            if (state.namespaces.has(id)) return send(200, 'false');
            state.namespaces.set(id, { name: p.get('namespaceName')!, desc: p.get('namespaceDesc') ?? '' });
            return send(200, 'true');
          }
          case 'PUT /nacos/v1/console/namespaces':
            state.namespaces.set(p.get('namespace')!, { name: p.get('namespaceShowName')!, desc: p.get('namespaceDesc') ?? '' });
            return send(200, 'true');
          case 'GET /nacos/v1/auth/users': {
            const u = p.get('username')!;
            return send(200, page(state.users.has(u) ? [{ username: u, password: '$2a$10$hash' }] : []));
          }
          case 'POST /nacos/v1/auth/users':
            if (state.users.has(p.get('username')!)) return bad(`user '${p.get('username')}' already exist!`);
            state.users.set(p.get('username')!, p.get('password')!);
            return send(200, '{"code":200,"message":"create user ok!","data":null}');
          case 'PUT /nacos/v1/auth/users':
            if (!state.users.has(p.get('username')!)) return bad('user not exist!');
            state.users.set(p.get('username')!, p.get('newPassword')!);
            return send(200, '{"code":200,"message":"update user ok!","data":null}');
          case 'GET /nacos/v1/auth/roles':
            return send(200, page(state.roles.filter((x) => x.username === p.get('username') && x.role === p.get('role'))));
          case 'POST /nacos/v1/auth/roles':
            if (!state.users.has(p.get('username')!)) return bad('user not found!');
            if (state.roles.some((x) => x.role === p.get('role') && x.username === p.get('username'))) return bad('already bound');
            state.roles.push({ role: p.get('role')!, username: p.get('username')! });
            state.roleLag.add(p.get('role')!);
            return send(200, '{"code":200,"message":"add role ok!","data":null}');
          case 'GET /nacos/v1/auth/permissions':
            return send(200, page(state.permissions.filter((x) => x.role === p.get('role'))));
          case 'POST /nacos/v1/auth/permissions': {
            const role = p.get('role')!;
            // the answering member has not refreshed its role cache yet: once
            if (state.roleLag.delete(role)) return bad(`role ${role} not found!`);
            if (state.permissions.some((x) => x.role === role && x.resource === p.get('resource') && x.action === p.get('action'))) return send(500, 'duplicate');
            state.permissions.push({ role, resource: p.get('resource')!, action: p.get('action')! });
            return send(200, '{"code":200,"message":"add permission ok!","data":null}');
          }
          default:
            return send(404, `no mock for ${m} ${path}`);
        }
      });
    });
  }

  function run(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
      let output = '';
      child.stdout.on('data', (d) => { output += d; });
      child.stderr.on('data', (d) => { output += d; });
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
    });
  }

  (haveTools ? test : test.skip)('creates namespaces, users, roles and read permissions, idempotently', async () => {
    const { out } = build(arch.Profile.DEVELOPMENT, { namespaces: NAMESPACES });
    const container = provisionJob(out).spec.template.spec.containers[0];
    const state: State = { namespaces: new Map(), users: new Map(), roles: [], permissions: [], roleLag: new Set(), writes: 0 };
    const server = mock(state);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const script = (container.args[0] as string).replace(`http://${HOST}:8848/nacos`, `http://127.0.0.1:${port}/nacos`);
      const env = { NACOS_ADMIN_PASSWORD: 'adm in&=%pw\'"', NACOS_CONSUMER_PASSWORD_0: 'o&rders pw=1', NACOS_CONSUMER_PASSWORD_1: 'pay+ments' };
      const first = await run(script, env);
      expect(first.output).toContain('nacos-provision: done');
      expect(first.code).toBe(0);
      expect(first.output).toContain('admin user initialized');
      expect(first.output).not.toContain(env.NACOS_ADMIN_PASSWORD);
      expect(state.adminPassword).toBe(env.NACOS_ADMIN_PASSWORD);
      expect([...state.namespaces.entries()]).toEqual([
        ['shop-prod', { name: 'Shop (production)', desc: 'orders & payments; it\'s live' }],
        ['shop-batch', { name: 'shop-batch', desc: '' }],
      ]);
      expect([...state.users.entries()]).toEqual([['shop.orders', 'o&rders pw=1'], ['shop.payments', 'pay+ments']]);
      expect(state.roles).toEqual([{ role: 'shop.orders', username: 'shop.orders' }, { role: 'shop.payments', username: 'shop.payments' }]);
      expect(state.permissions).toEqual([
        { role: 'shop.orders', resource: 'shop-prod:*:*', action: 'r' },
        { role: 'shop.payments', resource: 'shop-prod:*:*', action: 'r' },
      ]);

      // second run: the admin exists, everything else is found; only password resets and namespace updates write
      state.users.set('shop.orders', 'changed in the console');
      const writesBefore = state.writes;
      const second = await run(script, env);
      expect(second.code).toBe(0);
      expect(second.output).toContain('admin user exists');
      expect(state.users.get('shop.orders')).toBe('o&rders pw=1');
      expect(state.roles).toHaveLength(2);
      expect(state.permissions).toHaveLength(2);
      expect(state.writes - writesBefore).toBe(2 + 2);

      // a wrong admin password fails the Job (no silent success)
      const wrong = await run(script, { ...env, NACOS_ADMIN_PASSWORD: 'wrong' });
      expect(wrong.code).not.toBe(0);
      expect(wrong.output).toContain('admin login failed');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('per-consumer credentials', () => {
  const two = (options: arch.NacosOptions) => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos(options) });
    new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'checkout' }).uses(center);
    new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1', context: 'checkout' }).uses(center);
    return synthApp(app);
  };
  test('two services in one namespace are two Nacos users with two Secrets', () => {
    const out = two({});
    const env = (svc: string) => envOf(one(out.objects, 'Deployment', svc, 'checkout'));
    expect([env('orders').NACOS_USERNAME, env('billing').NACOS_USERNAME]).toEqual(['checkout.orders', 'checkout.billing']);
    expect(env('orders').NACOS_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-config-client', key: 'password' } });
    expect(env('billing').NACOS_PASSWORD).toEqual({ secretKeyRef: { name: 'billing-config-client', key: 'password' } });
    expect(checkAll(out.objects)).toEqual([]);
  });
  test('a fixed Secret name shared by two consumers of one namespace fails with the fix', () => {
    expect(() => two({ consumerCredentialsSecret: 'nacos-client' })).toThrow(
      /\[shop\/config\] consumerCredentialsSecret "nacos-client" would hold the credentials of both "checkout.orders" and "checkout.billing".*Fix: remove consumerCredentialsSecret/);
  });
});
