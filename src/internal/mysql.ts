import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { fail, show } from './errors';
import { ANNOTATION_EXTERNAL_SECRETS } from './labels';
import { validateDnsLabel, validateImage, validateInteger } from './names';
import { secureContainer } from './pod';
import { persistentStorage, ResolvedResources } from './profile-defaults';
import { StatefulCluster } from './stateful-cluster';
import { TaskPods } from './task-pods';
import { BackendArchitecture } from '../architecture/backend-architecture';
import { NetworkPort, Protocol, SecretKeyReference } from '../architecture/binding';
import { MySqlBackupOptions } from '../architecture/database-backup';

const k8s = kplus.k8s;

/** MySQL's official image (Docker Official Image, 8.4 LTS line). */
export const MYSQL_DEFAULT_IMAGE = 'mysql:8.4.5';
export const MYSQL_PORT = 3306;
/** The `mysql` user of the official image. */
const MYSQL_UID = 999;

export interface MySqlDatabaseProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  /** Name of the StatefulSet/Services, e.g. "config-mysql". */
  readonly name: string;
  readonly namespace: string;
  /** The owning component's name (`app.kubernetes.io/name`). */
  readonly componentName: string;
  /** @default MYSQL_DEFAULT_IMAGE */
  readonly image?: string;
  /** Externally managed Secret key holding the root password (MYSQL_ROOT_PASSWORD). */
  readonly rootPassword: SecretKeyReference;
  /** The application user the entrypoint creates (MYSQL_USER), with its password from a Secret. */
  readonly user: string;
  readonly userPassword: SecretKeyReference;
  /**
   * SQL scripts run once, on first start with an empty data directory, in file-name order
   * (the image's /docker-entrypoint-initdb.d). File name -> SQL text. The scripts must create the
   * databases they use and grant them to `user` (`GRANT ALL ON db.* TO 'user'@'%'`).
   */
  readonly initScripts: Record<string, string>;
  readonly storageGibibytes: number;
  readonly storageClassName?: string;
  readonly resources: ResolvedResources;
  /**
   * mysqld options appended to the defaults, e.g. "--log-bin-trust-function-creators=1" for a
   * schema with triggers imported by a user without SUPER while binary logging is on (Zabbix).
   * @default - none
   */
  readonly extraArgs?: string[];
  /** Backups (see `resolveMySqlBackup`); undefined for none. */
  readonly backup?: ResolvedMySqlBackup;
}

/** Backup settings after validation. */
export interface ResolvedMySqlBackup {
  readonly schedule: string;
  readonly keep: number;
  readonly storageGibibytes: number;
}

/**
 * Backups of a generated MySQL from the user's options: on by default where the database is
 * persistent (production), off where it lives in an emptyDir (development) unless a schedule is
 * given.
 */
export function resolveMySqlBackup(
  scope: Construct, what: string, arch: BackendArchitecture, options: MySqlBackupOptions | undefined, databaseGibibytes: number,
): ResolvedMySqlBackup | undefined {
  const o = options ?? {};
  const schedule = o.schedule ?? (persistentStorage(arch.profile) ? '30 2 * * *' : '');
  if (schedule === '') return undefined;
  if (schedule.trim().split(/\s+/).length !== 5) {
    fail(scope, `${what}.schedule ${show(schedule)} is not a 5-field cron expression`, 'use e.g. "30 2 * * *", or "" for no backups');
  }
  const keep = validateInteger(scope, `${what}.keep`, o.keep ?? 7, 1, 365, 'keep 1 to 365 backups');
  const storageGibibytes = validateInteger(scope, `${what}.storageGibibytes`, o.storageGibibytes ?? databaseGibibytes, 1, 65536, 'use a whole number of GiB');
  return { schedule, keep, storageGibibytes };
}

/**
 * A single MySQL instance (StatefulSet of one) for platform components that need a relational
 * store (Nacos cluster mode, Apollo). Schema initialization uses the official image's
 * /docker-entrypoint-initdb.d from a ConfigMap; credentials come only from Secrets. MySQL
 * replication needs an operator, so this is one instance with a persistent volume: production
 * deployments that need a highly available database point the component at an external one.
 */
export class MySqlDatabase extends Construct {
  public readonly cluster: StatefulCluster;
  public readonly host: string;
  public readonly ports: NetworkPort[] = [{ port: MYSQL_PORT, protocol: Protocol.TCP }];

  constructor(scope: Construct, id: string, props: MySqlDatabaseProps) {
    super(scope, id);
    const image = props.image ?? MYSQL_DEFAULT_IMAGE;
    validateImage(scope, image);
    validateDnsLabel(scope, 'MySQL root password Secret name', props.rootPassword.secretName);
    validateDnsLabel(scope, 'MySQL user password Secret name', props.userPassword.secretName);
    if (!/^[A-Za-z0-9_]{1,32}$/.test(props.user)) {
      fail(scope, `MySQL user ${JSON.stringify(props.user)} is not a valid MySQL user name`, 'use 1-32 letters, digits or "_"');
    }
    const configMapName = `${props.name}-initdb`;
    new k8s.KubeConfigMap(props.chart, `${id}-initdb`, {
      metadata: { name: configMapName, namespace: props.namespace },
      data: props.initScripts,
    });
    const secrets = [...new Set([props.rootPassword.secretName, props.userPassword.secretName])].sort();
    const mysqladmin = ['sh', '-c', 'exec mysqladmin --protocol=TCP -h 127.0.0.1 -uroot -p"$MYSQL_ROOT_PASSWORD" ping'];
    this.cluster = new StatefulCluster(this, id, {
      architecture: props.architecture,
      chart: props.chart,
      name: props.name,
      namespace: props.namespace,
      identity: { name: props.componentName, instance: `${props.architecture.name}-${props.name}`, component: 'mysql', partOf: props.architecture.name },
      replicas: 1,
      quorum: false,
      uid: MYSQL_UID,
      ports: [{ name: 'mysql', port: MYSQL_PORT }],
      storage: { volumeName: 'data', mountPath: '/var/lib/mysql', sizeGibibytes: props.storageGibibytes, storageClassName: props.storageClassName },
      volumes: [
        { name: 'initdb', configMap: { name: configMapName } },
        { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
      ],
      podAnnotations: { [ANNOTATION_EXTERNAL_SECRETS]: secrets.join(',') },
      terminationGracePeriodSeconds: 120,
      containers: () => [secureContainer({
        name: 'mysql',
        image,
        // the official image runs as an arbitrary non-root user when its directories are writable
        args: ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--skip-name-resolve', ...(props.extraArgs ?? [])],
        env: [
          { name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: props.rootPassword.secretName, key: props.rootPassword.key } } },
          { name: 'MYSQL_USER', value: props.user },
          { name: 'MYSQL_PASSWORD', valueFrom: { secretKeyRef: { name: props.userPassword.secretName, key: props.userPassword.key } } },
        ],
        ports: [{ name: 'mysql', containerPort: MYSQL_PORT }],
        resources: props.resources,
        startupProbe: { exec: { command: mysqladmin }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
        readinessProbe: { exec: { command: mysqladmin }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(MYSQL_PORT) }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: [
          { name: 'data', mountPath: '/var/lib/mysql' },
          { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
          { name: 'run', mountPath: '/var/run/mysqld' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      })],
    });
    this.host = this.cluster.clientHost;
    if (props.backup) this.backup(props, image, props.backup);
  }

  /** The backup CronJob, its claim and its network path to the database. */
  private backup(props: MySqlDatabaseProps, image: string, b: ResolvedMySqlBackup): void {
    const name = `${props.name}-backup`;
    const task = new TaskPods(this, 'backup', {
      architecture: props.architecture,
      chart: props.chart,
      name,
      namespace: props.namespace,
      identity: { name: props.componentName, instance: `${props.architecture.name}-${name}`, component: 'mysql-backup', partOf: props.architecture.name },
    });
    task.allowEgressTo(this.cluster, this.ports);
    this.cluster.allowIngressFrom(task, this.ports);
    new k8s.KubePersistentVolumeClaim(props.chart, 'backup-claim', {
      metadata: { name, namespace: props.namespace, labels: task.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
        resources: { requests: { storage: k8s.Quantity.fromString(`${b.storageGibibytes}Gi`) } },
      },
    });
    task.cronJob(b.schedule, task.podTemplate([secureContainer({
      name: 'backup',
      image,
      command: ['/bin/sh', '-c', mysqlBackupScript()],
      env: [
        { name: 'MYSQL_HOST', value: this.host },
        { name: 'BACKUP_DIR', value: '/backup' },
        { name: 'KEEP', value: String(b.keep) },
        // mysqldump reads the password from MYSQL_PWD (not from its command line, which other
        // processes can read); deprecated in MySQL 8 but still honoured by the 8.4 clients
        { name: 'MYSQL_PWD', valueFrom: { secretKeyRef: { name: props.rootPassword.secretName, key: props.rootPassword.key } } },
      ],
      resources: { cpuRequestMillis: 50, cpuLimitMillis: 1000, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 },
      volumeMounts: [{ name: 'backup', mountPath: '/backup' }, { name: 'tmp', mountPath: '/tmp' }],
    })], MYSQL_UID, [
      { name: 'backup', persistentVolumeClaim: { claimName: name } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    ], { [ANNOTATION_EXTERNAL_SECRETS]: props.rootPassword.secretName }));
  }
}

/**
 * The backup: a consistent dump (InnoDB snapshot, no table locks) of every database to a partial
 * file, renamed when complete, then only the newest $KEEP dumps (by the UTC time in their names)
 * are kept. A failed dump leaves the previous ones alone (and the Job fails, which the CronJob's
 * history shows).
 */
export function mysqlBackupScript(): string {
  return [
    'set -eu',
    'rm -f "$BACKUP_DIR"/*.partial',
    'f="$BACKUP_DIR/mysql-$(date -u +%Y%m%dT%H%M%SZ).sql"',
    'mysqldump --protocol=TCP -h "$MYSQL_HOST" -P ' + MYSQL_PORT + ' -uroot --single-transaction --quick --routines --triggers --events --all-databases > "$f.partial"',
    'mv "$f.partial" "$f"',
    'echo "backup: wrote $f ($(wc -c < "$f") bytes)"',
    // names carry the UTC time, so name order is age order
    'ls -1 "$BACKUP_DIR"/mysql-*.sql | sort -r | tail -n +$((KEEP + 1)) | while read -r old; do rm -f -- "$old"; echo "backup: removed $old"; done',
    '',
  ].join('\n');
}
