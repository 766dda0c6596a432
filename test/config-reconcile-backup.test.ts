import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { find, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';

/**
 * Issue #10: provisioning converges on a schedule — Nacos (a recreated development member lost its
 * users; rotated consumer passwords), Kafka (rotated SCRAM passwords, deleted topics or ACLs) and
 * Consul (tokens the servers lost, a service's deleted token Secret, a changed agent token) — and
 * every generated MySQL (Nacos, Apollo, Zabbix) is backed up by a CronJob in production.
 */

function nacos(profile: arch.Profile, options: arch.NacosOptions = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos(options) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' }).uses(center);
  return synthApp(app);
}

const podSpec = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

describe('Nacos provisioning runs again on a schedule', () => {
  test.each([arch.Profile.PRODUCTION, arch.Profile.DEVELOPMENT])('%s: a CronJob with exactly the Job\'s provisioning', (profile) => {
    const out = nacos(profile);
    expect(checkAll(out.objects)).toEqual([]);
    const job = find(out.objects, 'Job', undefined, 'config')[0];
    const cron = one(out.objects, 'CronJob', 'config-provision', 'config');
    expect(cron.spec.schedule).toBe('*/10 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    // same script, same Secrets, same identity (NetworkPolicy and ServiceAccount)
    expect(podSpec(cron).containers).toEqual(podSpec(job).containers);
    expect(podSpec(cron).serviceAccountName).toBe(podSpec(job).serviceAccountName);
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toEqual(job.spec.template.metadata.labels);
    expect(cron.spec.jobTemplate.spec.template.metadata.annotations).toEqual(job.spec.template.metadata.annotations);
    // the script converges: users that exist get their password reset from the Secret
    expect(podSpec(cron).containers[0].args[0]).toContain('retry f PUT /v1/auth/users --data-urlencode "username=$1" --data-urlencode "newPassword=$2"');
  });

  test('"" turns it off; a bad schedule fails at synth with the path and the fix', () => {
    expect(find(nacos(arch.Profile.PRODUCTION, { reprovisionSchedule: '' }).objects, 'CronJob', 'config-provision')).toHaveLength(0);
    expect(() => nacos(arch.Profile.PRODUCTION, { reprovisionSchedule: 'every 10 minutes' }))
      .toThrow(/shop\/config.*reprovisionSchedule "every 10 minutes" is not a 5-field cron expression.*"\*\/10 \* \* \* \*"/s);
  });
});

function kafka(profile: arch.Profile, options: arch.KafkaOptions = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(options), topics: [{ name: 'orders', partitions: 3 }] });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' }).uses(mq.topic('orders').producer());
  new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.1' }).uses(mq.topic('orders').consumer('billing'));
  return synthApp(app);
}

function consul(profile: arch.Profile, options: arch.ConsulOptions = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.consul(options) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' }).uses(registry);
  return synthApp(app);
}

/** The CronJob runs exactly the one-off Job's pod: same script, env, Secrets, identity and token. */
function expectSamePod(job: any, cron: any): void {
  expect(cron.spec.concurrencyPolicy).toBe('Forbid');
  expect(podSpec(cron)).toEqual(podSpec(job));
  expect(cron.spec.jobTemplate.spec.template.metadata).toEqual(job.spec.template.metadata);
}

describe('Kafka provisioning runs again on a schedule', () => {
  test.each([
    [arch.Profile.PRODUCTION, 'events-provision'],
    [arch.Profile.DEVELOPMENT, 'events-provision'],
  ])('%s: an hourly CronJob with exactly the Job\'s topics, SCRAM credentials and ACLs', (profile, name) => {
    const out = kafka(profile);
    expect(checkAll(out.objects)).toEqual([]);
    const job = find(out.objects, 'Job', undefined, 'events')[0];
    const cron = one(out.objects, 'CronJob', name, 'events');
    expect(cron.spec.schedule).toBe('23 * * * *');
    expectSamePod(job, cron);
    const script = podSpec(cron).containers[0].args[0];
    // the credential is set from the Secret on every run: a rotated password converges
    expect(script).toContain('--alter --entity-type users --entity-name \'shop.billing\' --add-config "SCRAM-SHA-512=[password=$CLIENT_PASSWORD_1]"');
    expect(script).toContain('--create --if-not-exists --topic \'orders\'');
    expect(podSpec(cron).containers[0].env).toContainEqual({ name: 'CLIENT_PASSWORD_1', valueFrom: { secretKeyRef: { name: 'events-consumers', key: 'shop.billing' } } });
  });

  test('without authentication the topics Job runs again too; "" turns it off; a bad schedule fails at synth', () => {
    const plain = kafka(arch.Profile.DEVELOPMENT, { authentication: false });
    expectSamePod(find(plain.objects, 'Job', undefined, 'events')[0], one(plain.objects, 'CronJob', 'events-topics', 'events'));
    expect(find(kafka(arch.Profile.PRODUCTION, { reprovisionSchedule: '' }).objects, 'CronJob', undefined, 'events')).toHaveLength(0);
    // nothing to provision (no topics, no users): the schedule would be ignored, so it is an error
    const bare = () => {
      const app = newTestApp();
      const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
      new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka({ authentication: false, reprovisionSchedule: '5 * * * *' }) });
      return synthApp(app);
    };
    expect(bare).toThrow(/shop\/events.*reprovisionSchedule is set, but with no topics and authentication off.*remove reprovisionSchedule, or declare topics/s);
    expect(() => kafka(arch.Profile.PRODUCTION, { reprovisionSchedule: '@hourly' }))
      .toThrow(/shop\/events.*reprovisionSchedule "@hourly" is not a 5-field cron expression.*"23 \* \* \* \*"/s);
  });
});

describe('the Consul bootstrap runs again on a schedule', () => {
  test('production (ACLs, TLS): a CronJob every 10 minutes with exactly the Job\'s pod, API token included', () => {
    const out = consul(arch.Profile.PRODUCTION);
    expect(checkAll(out.objects)).toEqual([]);
    const job = find(out.objects, 'Job', undefined, 'registry')[0];
    const cron = one(out.objects, 'CronJob', 'registry-bootstrap', 'registry');
    expect(cron.spec.schedule).toBe('*/10 * * * *');
    expectSamePod(job, cron);
    // it writes the services' Secrets through the API: the token is mounted
    expect(podSpec(cron).automountServiceAccountToken).toBe(true);
    const script = podSpec(cron).containers[0].args[0];
    // a token is created only if its SecretID does not authenticate; a Secret with a token keeps it
    expect(script).toContain('"$consul/v1/acl/token/self")" = 200 ]; then\n    jq -r .AccessorID /tmp/self.json >> /tmp/keep\n    log "token $2 exists"\n    return');
    expect(script).toContain('consumer \'shop\' \'orders-registry-consul\' \'orders\'');
  });

  test('"" turns it off; set without ACLs and TLS, or malformed, it fails at synth with the path and the fix', () => {
    expect(find(consul(arch.Profile.PRODUCTION, { reprovisionSchedule: '' }).objects, 'CronJob', undefined, 'registry')).toHaveLength(0);
    // development: no ACLs, no TLS, no bootstrap at all
    expect(find(consul(arch.Profile.DEVELOPMENT).objects, 'CronJob', undefined, 'registry')).toHaveLength(0);
    expect(() => consul(arch.Profile.DEVELOPMENT, { reprovisionSchedule: '*/5 * * * *' }))
      .toThrow(/shop\/registry.*reprovisionSchedule is set, but without ACLs or TLS there is no bootstrap Job.*remove reprovisionSchedule, or turn on acl or tls/s);
    expect(() => consul(arch.Profile.PRODUCTION, { reprovisionSchedule: '*/10 * *' }))
      .toThrow(/shop\/registry.*reprovisionSchedule "\*\/10 \* \*" is not a 5-field cron expression/s);
  });
});

function apollo(profile: arch.Profile, options: Partial<arch.ApolloOptions> = {}): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.apollo(options as arch.ApolloOptions) });
  return synthApp(app);
}

function zabbix(profile: arch.Profile): SynthResult {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.zabbix() });
  return synthApp(app);
}

describe('generated MySQL backups', () => {
  const cases: Array<[string, () => SynthResult, string, string, string]> = [
    ['Nacos', () => nacos(arch.Profile.PRODUCTION), 'config', 'config-mysql', 'config-mysql'],
    ['Apollo', () => apollo(arch.Profile.PRODUCTION), 'config', 'config-mysql', 'config-mysql'],
    ['Zabbix', () => zabbix(arch.Profile.PRODUCTION), 'observability', 'zabbix-mysql', 'zabbix-mysql'],
  ];
  test.each(cases)('%s in production: a daily dump to its own claim, the root password from the Secret, a path to MySQL only', (_, build, ns, db, service) => {
    const out = build();
    expect(checkAll(out.objects)).toEqual([]);
    const cron = one(out.objects, 'CronJob', `${db}-backup`, ns);
    expect(cron.spec.schedule).toBe('30 2 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const spec = podSpec(cron);
    const c = spec.containers[0];
    const mysql = one(out.objects, 'StatefulSet', db, ns);
    expect(c.image).toBe(mysql.spec.template.spec.containers[0].image);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    const rootPassword = mysql.spec.template.spec.containers[0].env.find((e: any) => e.name === 'MYSQL_ROOT_PASSWORD').valueFrom;
    expect(env.MYSQL_PWD).toEqual(rootPassword);
    expect(env.MYSQL_HOST).toBe(`${service}.${ns}.svc.cluster.local`);
    expect(env.KEEP).toBe('7');
    expect(c.command.join(' ')).not.toMatch(/(^|\s)-p|--password/);
    const claim = one(out.objects, 'PersistentVolumeClaim', `${db}-backup`, ns);
    expect(spec.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: claim.metadata.name } });
    expect(c.volumeMounts).toContainEqual({ name: 'backup', mountPath: env.BACKUP_DIR });
    const claimSize = claim.spec.resources.requests.storage;
    expect(claimSize).toBe(mysql.spec.volumeClaimTemplates[0].spec.resources.requests.storage);
    // the backup pods reach MySQL on 3306, and only MySQL
    const policy = one(out.objects, 'NetworkPolicy', `${db}-backup`, ns);
    const egress = policy.spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 3306));
    expect(egress.flatMap((r: any) => r.to)).toEqual([{ podSelector: { matchLabels: mysql.spec.selector.matchLabels } }]);
    const ingress = one(out.objects, 'NetworkPolicy', db, ns).spec.ingress
      .filter((r: any) => r.ports.some((p: any) => p.port === 3306)).flatMap((r: any) => r.from);
    expect(ingress).toContainEqual({ podSelector: { matchLabels: policy.spec.podSelector.matchLabels } });
  });

  test('development (emptyDir database): no backup unless a schedule is given', () => {
    expect(find(apollo(arch.Profile.DEVELOPMENT).objects, 'CronJob', 'config-mysql-backup')).toHaveLength(0);
    expect(find(zabbix(arch.Profile.DEVELOPMENT).objects, 'CronJob', 'zabbix-mysql-backup')).toHaveLength(0);
    const out = apollo(arch.Profile.DEVELOPMENT, { mysqlBackup: { schedule: '0 * * * *', keep: 2, storageGibibytes: 3 } });
    expect(one(out.objects, 'CronJob', 'config-mysql-backup', 'config').spec.schedule).toBe('0 * * * *');
    expect(one(out.objects, 'PersistentVolumeClaim', 'config-mysql-backup', 'config').spec.resources.requests.storage).toBe('3Gi');
  });

  test('bad settings fail at synth with the path and the fix; an external database takes no backup settings', () => {
    expect(() => nacos(arch.Profile.PRODUCTION, { databaseBackup: { keep: 0 } })).toThrow(/shop\/config.*databaseBackup\.keep.*0/s);
    expect(() => nacos(arch.Profile.PRODUCTION, { databaseBackup: { schedule: 'daily' } })).toThrow(/databaseBackup\.schedule "daily" is not a 5-field cron expression/);
    // no generated MySQL to back up: the option would be ignored, so it is an error
    expect(() => nacos(arch.Profile.DEVELOPMENT, { databaseBackup: { keep: 3 } })).toThrow(/shop\/config.*databaseBackup is set, but development runs on Nacos's embedded storage/s);
    expect(() => nacos(arch.Profile.PRODUCTION, {
      database: { host: 'mysql.example.internal', user: 'nacos', passwordSecret: { secretName: 'nacos-db', key: 'password' } },
      databaseBackup: { keep: 3 },
    })).toThrow(/databaseBackup is set, but database points to the external MySQL "mysql.example.internal"/);
    expect(() => apollo(arch.Profile.PRODUCTION, {
      database: { host: 'mysql.example.internal', user: 'apollo', passwordSecret: { secretName: 'apollo-db', key: 'password' } },
      mysqlBackup: { keep: 3 },
    })).toThrow(/mysqlBackup is set, but database points to the external MySQL/);
  });

  test('the backup script, as synthesized: dumps to a partial file, renames it, keeps the newest KEEP (stub mysqldump and date)', () => {
    const out = nacos(arch.Profile.PRODUCTION);
    const c = podSpec(one(out.objects, 'CronJob', 'config-mysql-backup', 'config')).containers[0];
    expect(c.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const dir = tmpDir('backup-');
    const backupDir = path.join(dir, 'backup'); // stands for the claim mounted at BACKUP_DIR
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(backupDir);
    fs.mkdirSync(bin);
    // mysqldump: checks how it is called, fails when told to
    fs.writeFileSync(path.join(bin, 'mysqldump'), [
      '#!/bin/sh',
      '[ -n "$MYSQL_PWD" ] || { echo "no MYSQL_PWD" >&2; exit 2; }',
      'case " $* " in *" --single-transaction "*" --all-databases "*) ;; *) echo "unexpected args: $*" >&2; exit 2 ;; esac',
      'case " $* " in *" -h $MYSQL_HOST -P 3306 -uroot "*) ;; *) echo "unexpected target: $*" >&2; exit 2 ;; esac',
      'echo "-- dump $(cat "$STUB_DIR/n")"',
      '[ ! -f "$STUB_DIR/fail" ] || { echo partial; exit 3; }',
      '',
    ].join('\n'), { mode: 0o755 });
    // date: a new second on every call
    fs.writeFileSync(path.join(bin, 'date'), '#!/bin/sh\nn=$(cat "$STUB_DIR/n"); printf "20261204T0000%02dZ\\n" "$n"\n', { mode: 0o755 });
    const run = (n: number) => {
      fs.writeFileSync(path.join(dir, 'n'), String(n));
      return spawnSync(c.command[0], [...c.command.slice(1)], {
        env: { ...env, BACKUP_DIR: backupDir, MYSQL_PWD: 'root-secret', STUB_DIR: dir, PATH: `${bin}:/usr/bin:/bin` },
        encoding: 'utf8',
      });
    };
    for (let n = 1; n <= 9; n++) expect(run(n).status).toBe(0);
    const kept = fs.readdirSync(backupDir).sort();
    expect(kept).toEqual([3, 4, 5, 6, 7, 8, 9].map((n) => `mysql-20261204T0000${String(n).padStart(2, '0')}Z.sql`));
    expect(fs.readFileSync(path.join(backupDir, kept[6]), 'utf8')).toBe('-- dump 9\n');
    // a failed dump keeps the previous backups and leaves no complete-looking file
    fs.writeFileSync(path.join(dir, 'fail'), '');
    expect(run(10).status).not.toBe(0);
    expect(fs.readdirSync(backupDir).sort()).toEqual([...kept, 'mysql-20261204T000010Z.sql.partial']);
    fs.rmSync(path.join(dir, 'fail'));
    expect(run(11).status).toBe(0);
    expect(fs.readdirSync(backupDir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(fs.readdirSync(backupDir)).toHaveLength(7);
  });
});
