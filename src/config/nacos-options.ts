import { SecretKeyReference } from '../architecture/binding';
import { MySqlBackupOptions } from '../architecture/database-backup';
import { ComputeResources } from '../architecture/resources';

/** An external MySQL database for Nacos (its schema loaded from Nacos's `mysql-schema.sql` beforehand). */
export interface NacosDatabase {
  /** Host name of the MySQL server. */
  readonly host: string;
  /**
   * Port of the MySQL server.
   * @default 3306
   */
  readonly port?: number;
  /**
   * Database (schema) name.
   * @default "nacos"
   */
  readonly database?: string;
  /** The MySQL user Nacos connects as. */
  readonly user: string;
  /** The key of a Secret in the config center's namespace holding that user's password. */
  readonly passwordSecret: SecretKeyReference;
}

/** A Nacos namespace (a tenant: configurations of different namespaces are isolated). */
export interface NacosNamespace {
  /** The namespace id clients use (`NACOS_NAMESPACE`): 1-128 letters, digits, "_" or "-". */
  readonly id: string;
  /**
   * The name the console shows.
   * @default - the id
   */
  readonly name?: string;
  /**
   * A description shown in the console.
   * @default - none
   */
  readonly description?: string;
}

/** Options of the Nacos 2.x config engine. */
export interface NacosOptions {
  /**
   * Cluster members. Must be odd and at most 7: Nacos's AP (Distro) protocol tolerates any size,
   * but its CP (JRaft) group — persistent instances, leader election, embedded storage — needs a
   * majority, which an even size does not make more available. One member runs standalone.
   * @default - 1 in development, 3 in production
   */
  readonly members?: number;
  /**
   * The Nacos server image, pinned by tag or digest (a 2.x image of nacos-group/nacos-docker).
   * @default "nacos/nacos-server:v2.5.3"
   */
  readonly image?: string;
  /**
   * CPU and memory per member. The JVM heap is derived from the memory limit (-Xmx = 60 %).
   * @default - 500m/2000m CPU and 2048/2048 MiB in production; 100m/1000m and 768/1024 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * Size of each member's data volume (`/home/nacos/data`: JRaft log and snapshots, config cache,
   * embedded Derby) in GiB: a PersistentVolumeClaim in production, an emptyDir limit in development.
   * @default 8
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the members' claims (and of the generated MySQL's claim).
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * An external MySQL database. Without one, development runs on Nacos's embedded storage
   * (standalone with one member, JRaft-replicated Derby with more) and production generates a
   * MySQL 8.4 instance in the config center's namespace whose init script loads Nacos's schema;
   * that instance reads the externally managed Secret `<name>-mysql` with the keys
   * `root-password` and `password` (the password of the user `nacos`).
   * @default - embedded storage in development, a generated MySQL in production
   */
  readonly database?: NacosDatabase;
  /**
   * The Base64 key Nacos signs access tokens with (`NACOS_AUTH_TOKEN`, at least 32 bytes before
   * encoding; the same on every member). Authentication is always on, so it is required.
   * @default - key "token" of the Secret "<name>-auth"
   */
  readonly authTokenSecret?: SecretKeyReference;
  /**
   * The Secret with the server-identity header members use to call each other
   * (`NACOS_AUTH_IDENTITY_KEY` and `NACOS_AUTH_IDENTITY_VALUE`, keys "identity-key" and
   * "identity-value").
   * @default "<name>-auth"
   */
  readonly identitySecretName?: string;
  /**
   * The password of the console's admin user `nacos`: the provisioning Job initializes the admin
   * with it on first run (`POST /nacos/v1/auth/users/admin`) and logs in with it to create
   * namespaces, users, roles and permissions. Change it here, not in the console.
   * @default - key "admin-password" of the Secret "<name>-auth"
   */
  readonly adminPasswordSecret?: SecretKeyReference;
  /**
   * The Nacos namespaces to create (the provisioning Job creates or updates them). Consumers read
   * the first one; without any they read "public".
   * @default - none (every consumer reads "public")
   */
  readonly namespaces?: NacosNamespace[];
  /**
   * The configuration group consumers read (`NACOS_GROUP`): Nacos groups partition data ids
   * within a namespace, e.g. per product or per team. Letters, digits and "-", "_", ".", ":" (at
   * most 127 characters).
   * @default "DEFAULT_GROUP"
   */
  readonly group?: string;
  /**
   * The name of the Secret, in a consumer's namespace, with that consumer's Nacos password (key
   * "password"; `NACOS_USERNAME` is the user the provisioning Job creates,
   * `<consumer namespace>.<consumer name>`). Every consumer is its own Nacos user, so by default
   * every consumer has its own Secret; a fixed name here allows one consumer per namespace (a
   * second one is a synth error).
   * @default "<consumer>-<name>-client"
   */
  readonly consumerCredentialsSecret?: string;
  /**
   * The Secret in the config center's namespace that gives the provisioning Job each consumer's
   * password: one key per consumer, named `<consumer namespace>.<consumer name>`, holding the
   * same password as that consumer's credentials Secret.
   * @default "<name>-consumers"
   */
  readonly consumerPasswordsSecret?: string;
  /**
   * When the provisioning runs again, as a CronJob (5-field cron expression). Provisioning
   * converges, so each run restores what a recreated pod lost (development keeps Nacos's embedded
   * storage in an emptyDir) and applies rotated consumer passwords from the Secrets; the one-off
   * Job runs it at once whenever its content changes. "" for no CronJob (then a rotated password
   * or a lost data set is only restored by deleting the completed Job).
   * @default - every 10 minutes
   */
  readonly reprovisionSchedule?: string;
  /**
   * Backups of the generated MySQL (production without `database`): a CronJob writes a consistent
   * `mysqldump` of the Nacos database to its own PersistentVolumeClaim and keeps the newest ones.
   * Setting it where no MySQL is generated (development, or an external `database`) is an error.
   * @default - daily at 02:30, the 7 newest kept, on a claim as large as the database's
   */
  readonly databaseBackup?: MySqlBackupOptions;
}

