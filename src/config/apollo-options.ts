import { SecretKeyReference } from '../architecture/binding';
import { MySqlBackupOptions } from '../architecture/database-backup';
import { ComputeResources } from '../architecture/resources';

/**
 * An Apollo environment (Apollo's `Env`). One config center deploys one environment: its
 * ApolloConfigDB, config service and admin service, plus a portal that manages it.
 */
export enum ApolloEnvironment {
  /** Development. */
  DEV = 'DEV',
  /** Feature acceptance test. */
  FAT = 'FAT',
  /** User acceptance test. */
  UAT = 'UAT',
  /** Production. */
  PRO = 'PRO',
}

/**
 * An external MySQL server that already holds Apollo's databases (created with Apollo's
 * `scripts/sql/profiles/mysql-default/*.sql` for the deployed version).
 */
export interface ApolloDatabase {
  /** Host name or IP address of the MySQL server. */
  readonly host: string;
  /**
   * MySQL port.
   * @default 3306
   */
  readonly port?: number;
  /** The user the three Apollo services connect as (needs SELECT, INSERT, UPDATE and DELETE on both databases). */
  readonly user: string;
  /** The user's password: a Secret in the config center's namespace, managed outside these manifests. */
  readonly passwordSecret: SecretKeyReference;
  /**
   * Name of the config database (config service and admin service).
   * @default "ApolloConfigDB"
   */
  readonly configDatabase?: string;
  /**
   * Name of the portal database.
   * @default "ApolloPortalDB"
   */
  readonly portalDatabase?: string;
}

/** Options of the Apollo engine (config service, admin service, portal and their MySQL). */
export interface ApolloOptions {
  /**
   * Apollo version: the tag of the images `apolloconfig/apollo-configservice`,
   * `apolloconfig/apollo-adminservice` and `apolloconfig/apollo-portal`. The generated MySQL is
   * initialized with the 2.4.0/2.5.x schema; another version needs its own schema (or an external
   * database).
   * @default "2.5.2"
   */
  readonly version?: string;
  /**
   * The Apollo environment this config center serves (consumers get it as `ENV`, the portal
   * lists it in `apollo.portal.envs`).
   * @default - ApolloEnvironment.PRO in the production profile, ApolloEnvironment.DEV in development
   */
  readonly environment?: ApolloEnvironment;
  /**
   * Apollo clusters besides "default" (names of `[0-9a-zA-Z_.-]`, at most 32 characters).
   * Clusters are created per application in the portal; consumers read the first one listed
   * (`APOLLO_CLUSTER`/`IDC`), and Apollo falls back to "default" for keys the cluster does not
   * override.
   * @default - none: consumers read the "default" cluster
   */
  readonly clusters?: string[];
  /**
   * Replicas of the config service and of the admin service.
   * @default - 2 in production, 1 in development
   */
  readonly replicas?: number;
  /**
   * Replicas of the portal (its Service keeps each browser on one replica: sessions are in memory).
   * @default 1
   */
  readonly portalReplicas?: number;
  /**
   * CPU and memory of each Apollo container (config service, admin service, portal). The JVM heap
   * is 60 % of the memory limit; the limit must be at least 512 MiB.
   * @default - 500m/2000m CPU and 1024/1024 MiB in production; 100m/1000m CPU and 512/768 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * An external MySQL server holding ApolloConfigDB and ApolloPortalDB.
   * @default - a MySQL StatefulSet in the config center's namespace, initialized with Apollo's schemas
   */
  readonly database?: ApolloDatabase;
  /**
   * The generated MySQL's root password (ignored with `database`; setting both is an error).
   * @default - key "root-password" of the Secret "<name>-mysql"
   */
  readonly mysqlRootPasswordSecret?: SecretKeyReference;
  /**
   * The password of the generated MySQL's application user "apollo", which the Apollo services use.
   * @default - key "password" of the Secret "<name>-mysql"
   */
  readonly mysqlPasswordSecret?: SecretKeyReference;
  /**
   * Size of the generated MySQL's volume in GiB (a PersistentVolumeClaim in production, an
   * emptyDir limit in development).
   * @default 10
   */
  readonly mysqlStorageGibibytes?: number;
  /**
   * StorageClass of the generated MySQL's claim.
   * @default - the cluster's default StorageClass
   */
  readonly mysqlStorageClassName?: string;
  /**
   * Backups of the generated MySQL (ignored with `database`; setting both is an error).
   * @default - daily at 02:30 in production, the 7 newest kept; none in development (emptyDir)
   */
  readonly mysqlBackup?: MySqlBackupOptions;
  /**
   * The password of the portal's administrator "apollo", as a BCrypt hash (`$2a$`, `$2b$` or
   * `$2y$`, e.g. `htpasswd -nbBC 10 "" '<password>' | tr -d ':\n'`) in a Secret of the config
   * center's namespace. A Job writes it into ApolloPortalDB once the schema exists. Without it the
   * administrator keeps Apollo's well-known initial password "admin": change it in the portal.
   * @default - no Job; the initial password "admin"
   */
  readonly portalAdminSecret?: SecretKeyReference;
  /**
   * A Secret, in each consumer's namespace, whose key holds the Apollo access key secret of that
   * consumer's application (configured in the portal); consumers get it as
   * `APOLLO_ACCESS_KEY_SECRET`.
   * @default - no access keys: the config service serves every application without authentication
   */
  readonly accessKeySecret?: SecretKeyReference;
}
