import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { envOf, find, K8sObject, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';
import { APOLLO_CONFIG_DB_SQL, APOLLO_PORTAL_DB_SQL } from '../src/config/apollo-schema';

/**
 * The Apollo config engine: production (replicated services, generated MySQL, clusters, access
 * keys, the portal-admin Job), development (single replicas) and an external MySQL, each used by a
 * microservice; the Job's script is run with a stub MySQL client.
 */

const NS = 'config';
const CONFIG_HOST = 'config-configservice.config.svc.cluster.local';
const ADMIN_HOST = 'config-adminservice.config.svc.cluster.local';
const PORTAL_HOST = 'config-portal.config.svc.cluster.local';
const MYSQL_HOST = 'config-mysql.config.svc.cluster.local';
const SERVICES = ['configservice', 'adminservice', 'portal'] as const;
const PORTS: Record<string, number> = { configservice: 8080, adminservice: 8090, portal: 8070 };

interface Built { out: SynthResult; center: arch.ConfigCenter; orders: arch.Microservice }

function build(profile: arch.Profile, options: arch.ApolloOptions = {}): Built {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.apollo(options) });
  const orders = new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' });
  orders.uses(center);
  return { out: synthApp(app), center, orders };
}

const deployment = (out: SynthResult, service: string) => one(out.objects, 'Deployment', `config-${service}`, NS);
const container = (out: SynthResult, service: string) => deployment(out, service).spec.template.spec.containers[0];
const policy = (out: SynthResult, name: string, ns = NS) => one(out.objects, 'NetworkPolicy', name, ns);
const selector = (service: string) => ({
  'app.kubernetes.io/name': 'config',
  'app.kubernetes.io/instance': `shop-config-${service}`,
  'app.kubernetes.io/component': service,
});
const MYSQL_SELECTOR = { 'app.kubernetes.io/name': 'config', 'app.kubernetes.io/instance': 'shop-config-mysql', 'app.kubernetes.io/component': 'mysql' };
const ORDERS_SELECTOR = { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/instance': 'shop-orders', 'app.kubernetes.io/component': 'microservice' };
const tcp = (port: number) => ({ port, protocol: 'TCP' });

/** The peers (pod selectors) a policy admits (ingress) or reaches (egress) on a port. */
function peers(p: K8sObject, direction: 'ingress' | 'egress', port: number): any[] {
  return (p.spec[direction] ?? [])
    .filter((r: any) => (r.ports ?? []).some((x: any) => x.port === port))
    .flatMap((r: any) => r[direction === 'ingress' ? 'from' : 'to'] ?? []);
}

const PROD_OPTIONS: arch.ApolloOptions = {
  clusters: ['blue', 'green'],
  portalAdminSecret: { secretName: 'apollo-admin', key: 'bcrypt' },
  accessKeySecret: { secretName: 'apollo-access-key', key: 'secret' },
};

describe('production: generated MySQL, replicated services', () => {
  let r: Built;
  beforeAll(() => { r = build(arch.Profile.PRODUCTION, PROD_OPTIONS); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('three Deployments of the pinned images, one port each, config and admin services replicated', () => {
    expect(find(r.out.objects, 'Deployment', undefined, NS).map((d) => d.metadata.name).sort())
      .toEqual(['config-adminservice', 'config-configservice', 'config-portal']);
    for (const s of SERVICES) {
      const c = container(r.out, s);
      expect(c.image).toBe(`apolloconfig/apollo-${s}:2.5.2`);
      expect(c.ports).toEqual([{ name: 'http', containerPort: PORTS[s], protocol: 'TCP' }]);
      expect(one(r.out.objects, 'Service', `config-${s}`, NS).spec.ports).toEqual([
        { name: 'http', port: PORTS[s], targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      ]);
      expect(deployment(r.out, s).metadata.labels?.['app.kubernetes.io/version']).toBe('2.5.2');
    }
    expect(deployment(r.out, 'configservice').spec.replicas).toBe(2);
    expect(deployment(r.out, 'adminservice').spec.replicas).toBe(2);
    expect(deployment(r.out, 'portal').spec.replicas).toBe(1);
  });

  test('Spring profiles, ports and datasources from variables; the password only from the Secret', () => {
    const password = { secretKeyRef: { name: 'config-mysql', key: 'password' } };
    const config = envOf(deployment(r.out, 'configservice'));
    expect(config).toMatchObject({
      SPRING_PROFILES_ACTIVE: 'github,kubernetes',
      SERVER_PORT: '8080',
      SPRING_DATASOURCE_URL: `jdbc:mysql://${MYSQL_HOST}:3306/ApolloConfigDB?characterEncoding=utf8`,
      SPRING_DATASOURCE_USERNAME: 'apollo',
      SPRING_DATASOURCE_PASSWORD: password,
      APOLLO_CONFIG_SERVICE_URL: `http://${CONFIG_HOST}:8080`,
      APOLLO_ADMIN_SERVICE_URL: `http://${ADMIN_HOST}:8090`,
      JAVA_OPTS: '-Xms614m -Xmx614m -Duser.home=/tmp',
      HOME: '/tmp',
    });
    const admin = envOf(deployment(r.out, 'adminservice'));
    expect(admin).toMatchObject({
      SPRING_PROFILES_ACTIVE: 'github,kubernetes',
      SERVER_PORT: '8090',
      SPRING_DATASOURCE_URL: `jdbc:mysql://${MYSQL_HOST}:3306/ApolloConfigDB?characterEncoding=utf8`,
      SPRING_DATASOURCE_PASSWORD: password,
    });
    expect(admin.APOLLO_CONFIG_SERVICE_URL).toBeUndefined();
    const portal = envOf(deployment(r.out, 'portal'));
    expect(portal).toMatchObject({
      SPRING_PROFILES_ACTIVE: 'github,auth',
      SERVER_PORT: '8070',
      SPRING_DATASOURCE_URL: `jdbc:mysql://${MYSQL_HOST}:3306/ApolloPortalDB?characterEncoding=utf8`,
      SPRING_DATASOURCE_PASSWORD: password,
      APOLLO_PORTAL_ENVS: 'pro',
      PRO_META: `http://${CONFIG_HOST}:8080`,
    });
    for (const s of SERVICES) {
      expect(deployment(r.out, s).spec.template.metadata.annotations).toEqual({ 'cdk8s-architect.dev/external-secrets': 'config-mysql' });
      expect(JSON.stringify(container(r.out, s).env)).not.toMatch(/LOG_DIR/);
    }
  });

  test('the generated MySQL loads Apollo\'s real schemas, then grants the application user row access only', () => {
    const initdb = one(r.out.objects, 'ConfigMap', 'config-mysql-initdb', NS);
    expect(Object.keys(initdb.data)).toEqual(['01-apolloconfigdb.sql', '02-apolloportaldb.sql', '03-grants.sql']);
    expect(initdb.data['01-apolloconfigdb.sql']).toBe(APOLLO_CONFIG_DB_SQL);
    expect(initdb.data['02-apolloportaldb.sql']).toBe(APOLLO_PORTAL_DB_SQL);
    const configSql: string = initdb.data['01-apolloconfigdb.sql'];
    expect(configSql).toContain('CREATE DATABASE IF NOT EXISTS ApolloConfigDB DEFAULT CHARACTER SET = utf8mb4;');
    for (const table of ['App', 'AppNamespace', 'Cluster', 'Namespace', 'Item', 'Release', 'ReleaseMessage', 'ServerConfig', 'AccessKey', 'ServiceRegistry', 'AuditLog']) {
      expect(configSql).toContain(`CREATE TABLE \`${table}\` (`);
    }
    // the v2.3.0 -> v2.4.0 delta is part of it
    expect(configSql).toContain('`Mode` tinyint unsigned NOT NULL DEFAULT \'0\'');
    const portalSql: string = initdb.data['02-apolloportaldb.sql'];
    expect(portalSql).toContain('CREATE DATABASE IF NOT EXISTS ApolloPortalDB DEFAULT CHARACTER SET = utf8mb4;');
    for (const table of ['App', 'Consumer', 'ConsumerToken', 'Permission', 'Role', 'RolePermission', 'UserRole', 'Users', 'Authorities', 'SPRING_SESSION', 'ServerConfig']) {
      expect(portalSql).toContain(`CREATE TABLE \`${table}\` (`);
    }
    expect(portalSql).toContain('`LimitCount` int NOT NULL DEFAULT 20');
    expect(portalSql).toContain("('superAdmin', 'apollo', 'Portal超级管理员')");
    expect(initdb.data['03-grants.sql']).toBe([
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `ApolloConfigDB`.* TO 'apollo'@'%';",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `ApolloPortalDB`.* TO 'apollo'@'%';",
      '',
    ].join('\n'));
    const mysql = one(r.out.objects, 'StatefulSet', 'config-mysql', NS);
    expect(envOf(mysql)).toMatchObject({
      MYSQL_USER: 'apollo',
      MYSQL_PASSWORD: { secretKeyRef: { name: 'config-mysql', key: 'password' } },
      MYSQL_ROOT_PASSWORD: { secretKeyRef: { name: 'config-mysql', key: 'root-password' } },
    });
    expect(mysql.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
  });

  test('restricted: numeric non-root user, read-only root, emptyDirs for /opt/logs and /tmp', () => {
    for (const s of SERVICES) {
      const spec = deployment(r.out, s).spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
      expect(spec.automountServiceAccountToken).toBe(false);
      const c = spec.containers[0];
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toEqual([
        { name: 'writable-opt-logs', mountPath: '/opt/logs' },
        { name: 'writable-tmp', mountPath: '/tmp' },
      ]);
      expect(spec.volumes).toEqual([
        { name: 'writable-opt-logs', emptyDir: { sizeLimit: '1536Mi' } },
        { name: 'writable-tmp', emptyDir: { sizeLimit: '256Mi' } },
      ]);
      expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    }
  });

  test('probes: readiness GET /health, liveness TCP, startup with a 5-minute budget', () => {
    for (const s of SERVICES) {
      const c = container(r.out, s);
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: PORTS[s], scheme: 'HTTP' } });
      expect(c.livenessProbe).toMatchObject({ tcpSocket: { port: PORTS[s] } });
      expect(c.startupProbe).toMatchObject({ tcpSocket: { port: PORTS[s] } });
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(180);
    }
  });

  test('disruption budgets and spread for the replicated services, none for the single portal', () => {
    for (const s of ['configservice', 'adminservice']) {
      expect(one(r.out.objects, 'PodDisruptionBudget', `config-${s}`, NS).spec).toMatchObject({ selector: { matchLabels: selector(s) }, maxUnavailable: 1 });
      expect(deployment(r.out, s).spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    }
    expect(find(r.out.objects, 'PodDisruptionBudget', 'config-portal', NS)).toEqual([]);
    expect(deployment(r.out, 'portal').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('the portal Service keeps each client on one pod (in-memory sessions)', () => {
    expect(one(r.out.objects, 'Service', 'config-portal', NS).spec.sessionAffinity).toBe('ClientIP');
    expect(one(r.out.objects, 'Service', 'config-configservice', NS).spec.sessionAffinity).toBeUndefined();
  });

  test('NetworkPolicies: consumers and portal -> config service, portal -> admin service, all -> MySQL', () => {
    const cross = (ns: string, labels: Record<string, string>) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: labels },
    });
    const local = (labels: Record<string, string>) => ({ podSelector: { matchLabels: labels } });
    const config = policy(r.out, 'config-configservice');
    expect(peers(config, 'ingress', 8080)).toEqual(expect.arrayContaining([cross('ordering', ORDERS_SELECTOR), local(selector('portal'))]));
    expect(peers(config, 'ingress', 8080)).toHaveLength(2);
    expect(peers(config, 'egress', 3306)).toEqual([local(MYSQL_SELECTOR)]);
    const admin = policy(r.out, 'config-adminservice');
    expect(peers(admin, 'ingress', 8090)).toEqual([local(selector('portal'))]);
    expect(peers(admin, 'egress', 3306)).toEqual([local(MYSQL_SELECTOR)]);
    const portal = policy(r.out, 'config-portal');
    expect(portal.spec.ingress).toBeUndefined();
    expect(peers(portal, 'egress', 8080)).toEqual([local(selector('configservice'))]);
    expect(peers(portal, 'egress', 8090)).toEqual([local(selector('adminservice'))]);
    expect(peers(portal, 'egress', 3306)).toEqual([local(MYSQL_SELECTOR)]);
    const mysqlPeers = peers(policy(r.out, 'config-mysql'), 'ingress', 3306).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/component']).sort();
    // mysql-backup: the backup CronJob's pods
    expect(mysqlPeers).toEqual(['adminservice', 'configservice', 'mysql', 'mysql-backup', 'portal', 'portal-admin']);
    expect(peers(policy(r.out, 'orders', 'ordering'), 'egress', 8080)).toEqual([cross(NS, selector('configservice'))]);
  });

  test('the consumer gets the meta server, its app id, the first cluster, the environment and its access key', () => {
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env).toMatchObject({
      CONFIG_CENTER_TYPE: 'apollo',
      CONFIG_SERVER_ADDRESS: `http://${CONFIG_HOST}:8080`,
      APOLLO_META: `http://${CONFIG_HOST}:8080`,
      APP_ID: 'orders',
      APOLLO_CLUSTER: 'blue',
      IDC: 'blue',
      ENV: 'PRO',
      APOLLO_CACHE_DIR: '/tmp/apollo-cache',
      APOLLO_ACCESS_KEY_SECRET: { secretKeyRef: { name: 'apollo-access-key', key: 'secret' } },
    });
    expect(one(r.out.objects, 'Deployment', 'orders', 'ordering').spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('apollo-access-key');
    expect(r.center.address).toBe(`http://${CONFIG_HOST}:8080`);
    expect(r.center.uiUrl).toBe(`http://${PORTAL_HOST}:8070`);
  });

  test('the portal-admin Job: MySQL client, both Secrets, content-hashed name', () => {
    const jobs = find(r.out.objects, 'Job', undefined, NS);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metadata.name).toMatch(/^config-portal-admin-[0-9a-f]{10}$/);
    const spec = jobs[0].spec.template.spec;
    expect(spec.serviceAccountName).toBe('config-portal-admin');
    expect(spec.restartPolicy).toBe('OnFailure');
    expect(jobs[0].spec.template.metadata.annotations['cdk8s-architect.dev/external-secrets']).toBe('apollo-admin,config-mysql');
    expect(envOf(jobs[0])).toMatchObject({
      DB_HOST: MYSQL_HOST,
      DB_PORT: '3306',
      DB_USER: 'apollo',
      PORTAL_DATABASE: 'ApolloPortalDB',
      DB_PASSWORD: { secretKeyRef: { name: 'config-mysql', key: 'password' } },
      ADMIN_PASSWORD_HASH: { secretKeyRef: { name: 'apollo-admin', key: 'bcrypt' } },
    });
  });
});

describe('the portal-admin script, run with a stub mysql client', () => {
  let script: string;
  let dir: string;
  beforeAll(() => {
    const r = build(arch.Profile.PRODUCTION, PROD_OPTIONS);
    script = find(r.out.objects, 'Job', undefined, NS)[0].spec.template.spec.containers[0].command[2];
    dir = tmpDir('apollo-job-');
    // The stub records its arguments; the first call (schema check) fails once, like a MySQL that is still starting.
    fs.writeFileSync(path.join(dir, 'mysql'), [
      '#!/bin/sh',
      'printf "%s\\n" "$*" >> "$STUB_LOG"',
      'if [ ! -f "$STUB_LOG.ready" ]; then touch "$STUB_LOG.ready"; exit 1; fi',
      'exit 0',
    ].join('\n'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'sleep'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (hash: string) => {
    const log = path.join(dir, `log-${Math.random().toString(16).slice(2)}`);
    const res = spawnSync('sh', ['-c', script], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        STUB_LOG: log,
        ADMIN_PASSWORD_HASH: hash,
        DB_HOST: 'db',
        DB_PORT: '3306',
        DB_USER: 'apollo',
        DB_PASSWORD: 'pw',
        PORTAL_DATABASE: 'ApolloPortalDB',
      },
    });
    return { status: res.status, stderr: res.stderr, calls: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [] };
  };

  test('waits for the schema, then writes the hash for the user apollo', () => {
    const hash = '$2a$10$7r20uS.BQ9uBpf3Baj3uQOZvMVvB1RN3PYoKE94gtz2.WAOuiiwXS';
    const res = run(hash);
    expect(res.status).toBe(0);
    expect(res.calls).toHaveLength(3);
    expect(res.calls[0]).toBe('--protocol=TCP -h db -P 3306 -u apollo -ppw -N -e SELECT COUNT(*) FROM `ApolloPortalDB`.Users');
    expect(res.calls[2]).toBe(`--protocol=TCP -h db -P 3306 -u apollo -ppw -e UPDATE \`ApolloPortalDB\`.Users SET Password = '${hash}' WHERE Username = 'apollo'`);
  });

  test.each([
    ['a plain password', 'admin123'],
    ['an injection attempt', "$2a$10$x' OR '1'='1"],
    ['an unknown scheme', '$1$abcdefgh$abcdefghijklmnopqrstuv'],
  ])('refuses %s before touching the database', (_what, hash) => {
    const res = run(hash);
    expect(res.status).toBe(1);
    expect(res.calls).toEqual([]);
    expect(res.stderr).toMatch(/BCrypt/);
  });
});

describe('development: single replicas, no budgets, DEV environment', () => {
  let r: Built;
  beforeAll(() => { r = build(arch.Profile.DEVELOPMENT); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('one replica each, no budgets or spread, emptyDir MySQL, no Job', () => {
    for (const s of SERVICES) {
      expect(deployment(r.out, s).spec.replicas).toBe(1);
      expect(deployment(r.out, s).spec.template.spec.topologySpreadConstraints).toBeUndefined();
    }
    expect(find(r.out.objects, 'PodDisruptionBudget', undefined, NS)).toEqual([]);
    expect(find(r.out.objects, 'Job', undefined, NS)).toEqual([]);
    expect(one(r.out.objects, 'StatefulSet', 'config-mysql', NS).spec.volumeClaimTemplates).toBeUndefined();
    expect(envOf(deployment(r.out, 'configservice')).JAVA_OPTS).toBe('-Xms460m -Xmx460m -Duser.home=/tmp');
  });

  test('the DEV environment end to end', () => {
    const portal = envOf(deployment(r.out, 'portal'));
    expect(portal.APOLLO_PORTAL_ENVS).toBe('dev');
    expect(portal.DEV_META).toBe(`http://${CONFIG_HOST}:8080`);
    const env = envOf(one(r.out.objects, 'Deployment', 'orders', 'ordering'));
    expect(env).toMatchObject({ ENV: 'DEV', APOLLO_CLUSTER: 'default', IDC: 'default', APP_ID: 'orders' });
    expect(env.APOLLO_ACCESS_KEY_SECRET).toBeUndefined();
  });
});

describe('external MySQL', () => {
  let r: Built;
  beforeAll(() => {
    r = build(arch.Profile.PRODUCTION, {
      environment: arch.ApolloEnvironment.UAT,
      version: '2.4.0',
      portalAdminSecret: { secretName: 'apollo-admin', key: 'bcrypt' },
      database: {
        host: 'mysql.db.example.internal',
        port: 3307,
        user: 'apollo_svc',
        passwordSecret: { secretName: 'apollo-db', key: 'password' },
        configDatabase: 'ApolloConfigDB_UAT',
      },
    });
  });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });

  test('no MySQL or initdb is generated; the services use the external server', () => {
    expect(find(r.out.objects, 'StatefulSet', undefined, NS)).toEqual([]);
    expect(find(r.out.objects, 'ConfigMap', undefined, NS)).toEqual([]);
    expect(envOf(deployment(r.out, 'configservice'))).toMatchObject({
      SPRING_DATASOURCE_URL: 'jdbc:mysql://mysql.db.example.internal:3307/ApolloConfigDB_UAT?characterEncoding=utf8',
      SPRING_DATASOURCE_USERNAME: 'apollo_svc',
      SPRING_DATASOURCE_PASSWORD: { secretKeyRef: { name: 'apollo-db', key: 'password' } },
    });
    expect(envOf(deployment(r.out, 'portal'))).toMatchObject({
      SPRING_DATASOURCE_URL: 'jdbc:mysql://mysql.db.example.internal:3307/ApolloPortalDB?characterEncoding=utf8',
      APOLLO_PORTAL_ENVS: 'uat',
      UAT_META: `http://${CONFIG_HOST}:8080`,
    });
    expect(container(r.out, 'portal').image).toBe('apolloconfig/apollo-portal:2.4.0');
    expect(envOf(find(r.out.objects, 'Job', undefined, NS)[0])).toMatchObject({ DB_HOST: 'mysql.db.example.internal', DB_PORT: '3307', DB_USER: 'apollo_svc' });
  });

  test('one egress policy opens the database port to any address for the Apollo pods and the Job', () => {
    const p = policy(r.out, 'config-database-egress');
    expect(p.spec).toEqual({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'config', 'app.kubernetes.io/part-of': 'shop' },
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['configservice', 'adminservice', 'portal', 'portal-admin'] }],
      },
      policyTypes: ['Egress'],
      egress: [{ ports: [tcp(3307)] }],
    });
    expect(peers(policy(r.out, 'config-configservice'), 'egress', 3307)).toEqual([]);
  });
});

describe('validation', () => {
  function expectError(options: arch.ApolloOptions, value: string, fix: RegExp, profile = arch.Profile.PRODUCTION): void {
    let message = '';
    try {
      build(profile, options);
    } catch (e: any) {
      message = e.message;
    }
    expect(message).toContain('[shop/config]');
    expect(message).toContain(value);
    expect(message).toMatch(/Fix: /);
    expect(message).toMatch(fix);
  }
  const external: arch.ApolloDatabase = { host: 'mysql.internal', user: 'apollo', passwordSecret: { secretName: 'apollo-db', key: 'password' } };

  test('a version that is not a valid tag', () => {
    expectError({ version: 'latest' }, '"apolloconfig/apollo-configservice:latest"', /pin the image/);
    expectError({ version: '2.5.2 beta' }, '"apolloconfig/apollo-configservice:2.5.2 beta"', /pin the image/);
  });
  test('an environment Apollo does not know', () => {
    expectError({ environment: 'PROD' as arch.ApolloEnvironment }, '"PROD"', /use "DEV", "FAT", "UAT", "PRO"/);
  });
  test('an invalid cluster name', () => {
    expectError({ clusters: ['blue sky'] }, '"blue sky"', /letters, digits, "_", "\." or "-"/);
    expectError({ clusters: ['a'.repeat(33)] }, `"${'a'.repeat(33)}"`, /1-32/);
  });
  test('a duplicate cluster, or "default"', () => {
    expectError({ clusters: ['blue', 'blue'] }, '"blue"', /list each cluster once/);
    expectError({ clusters: ['default'] }, '"default"', /"default" always exists/);
  });
  test('zero replicas', () => {
    expectError({ replicas: 0 }, 'replicas 0', /at least 1 replica/);
  });
  test('too many portal replicas', () => {
    expectError({ portalReplicas: 11 }, 'portalReplicas 11', /1 to 10 portal replicas/);
  });
  test('a memory limit too small for a JVM', () => {
    expectError({ resources: { memoryRequestMebibytes: 256, memoryLimitMebibytes: 256 } }, 'memoryLimitMebibytes 256', /at least 512 MiB/);
  });
  test('an invalid Secret reference', () => {
    expectError({ portalAdminSecret: { secretName: 'Apollo_Admin', key: 'bcrypt' } }, '"Apollo_Admin"', /lowercase/);
    expectError({ accessKeySecret: { secretName: 'apollo-key', key: 'a/b' } }, '"a/b"', /valid Secret key|letters, digits/);
    expectError({ mysqlPasswordSecret: { secretName: 'db', key: 'pass word' } }, '"pass word"', /letters, digits/);
  });
  test('a MySQL volume size out of range', () => {
    expectError({ mysqlStorageGibibytes: 0 }, 'mysqlStorageGibibytes 0', /whole number of GiB/);
  });
  test('generated-MySQL options together with an external database', () => {
    expectError({ database: external, mysqlRootPasswordSecret: { secretName: 'x', key: 'y' } }, '"mysql.internal"', /remove mysqlRootPasswordSecret/);
    expectError({ database: external, mysqlStorageGibibytes: 20 }, 'mysqlStorageGibibytes', /remove mysqlStorageGibibytes/);
  });
  test('an external database host with a scheme or port', () => {
    expectError({ database: { ...external, host: 'mysql://db:3306' } }, '"mysql://db:3306"', /without scheme or port/);
  });
  test('an external database port out of range', () => {
    expectError({ database: { ...external, port: 70000 } }, 'database.port 70000', /3306 by default/);
  });
  test('an external database user with spaces', () => {
    expectError({ database: { ...external, user: 'apollo user' } }, '"apollo user"', /1-32 letters/);
  });
  test('an invalid or shared database name', () => {
    expectError({ database: { ...external, configDatabase: 'apollo-config' } }, '"apollo-config"', /1-64 letters, digits or "_"/);
    expectError({ database: { ...external, configDatabase: 'Apollo', portalDatabase: 'Apollo' } }, '"Apollo"', /use two databases/);
  });
});
