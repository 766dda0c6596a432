import type { SecretKeyReference } from '../architecture/binding';
import { MySqlBackupOptions } from '../architecture/database-backup';
import type { ComputeResources } from '../architecture/resources';

/**
 * Options of `Metrics.zabbix()`: Zabbix 7.0 LTS (server, nginx web frontend, agent 2 on every node)
 * on a generated MySQL, for traditional host-centric monitoring.
 *
 * What it monitors: the nodes (agent 2 as a DaemonSet with the host's network, process table and
 * root filesystem, read-only) and whatever hosts and templates an operator configures in the web
 * frontend. What it does NOT do: instrument microservices or scrape platform components. Zabbix has
 * no service discovery of Prometheus endpoints: scraping a `/metrics` endpoint takes a host and an
 * HTTP agent item (with Prometheus preprocessing) configured per target through the frontend or
 * API, which this library does not provision. Microservices and platform components therefore get
 * nothing from this pillar (no variables, annotations or network edges); choose
 * `Metrics.prometheus()` to have them scraped.
 *
 * The server runs as one node: Zabbix's native HA cluster (`HANodeName`/`NodeAddress`, one active
 * node, the others standby) is not enabled because how a standby node answers probes on the trapper
 * port is not verified, and a probe that fails on standby nodes would restart them.
 */
export interface ZabbixOptions {
  /**
   * Zabbix server image (MySQL variant).
   * @default "zabbix/zabbix-server-mysql:ubuntu-7.0.16"
   */
  readonly serverImage?: string;
  /**
   * Web frontend image (nginx + PHP-FPM, MySQL variant).
   * @default "zabbix/zabbix-web-nginx-mysql:ubuntu-7.0.16"
   */
  readonly webImage?: string;
  /**
   * Agent 2 image.
   * @default "zabbix/zabbix-agent2:ubuntu-7.0.16"
   */
  readonly agentImage?: string;
  /**
   * MySQL image of the generated database.
   * @default "mysql:8.4.5"
   */
  readonly databaseImage?: string;
  /**
   * Run agent 2 on every node (host monitoring). The agents need the host's network and process
   * namespaces and its root filesystem (read-only), so they run in their own namespace
   * `<namespace>-zabbix-agents` at Pod Security level "privileged".
   * @default true
   */
  readonly hostMonitoring?: boolean;
  /**
   * Web frontend replicas (sessions live in the database, so any replica serves any user).
   * @default - 1 (development) or 2 (production)
   */
  readonly webReplicas?: number;
  /**
   * The frontend's PHP time zone (`PHP_TZ`), an IANA zone name.
   * @default "UTC"
   */
  readonly timezone?: string;
  /**
   * Externally managed Secret key with the MySQL root password (only the MySQL pod reads it).
   * @default - key "root-password" of the Secret "<stack>-zabbix-db"
   */
  readonly databaseRootPasswordSecret?: SecretKeyReference;
  /**
   * Externally managed Secret key with the password of the MySQL user "zabbix" (server and frontend).
   * @default - key "password" of the Secret "<stack>-zabbix-db"
   */
  readonly databasePasswordSecret?: SecretKeyReference;
  /**
   * Size of the database volume in GiB (PersistentVolumeClaim in production, emptyDir limit in development).
   * @default - 2 (development) or 50 (production)
   */
  readonly databaseStorageGibibytes?: number;
  /**
   * Backups of the Zabbix database (the history and trends of every host).
   * @default - daily at 02:30 in production, the 7 newest kept; none in development (emptyDir)
   */
  readonly databaseBackup?: MySqlBackupOptions;
  /**
   * StorageClass of the database volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Resources of the server.
   * @default - 100m-1000m CPU, 256-512 MiB (development); 500m-2000m CPU, 1024-2048 MiB (production)
   */
  readonly serverResources?: ComputeResources;
  /**
   * Resources of each frontend replica.
   * @default - 50m-500m CPU, 128-512 MiB (development); 250m-1000m CPU, 256-1024 MiB (production)
   */
  readonly webResources?: ComputeResources;
  /**
   * Resources of each agent.
   * @default - 20m-200m CPU, 64-128 MiB
   */
  readonly agentResources?: ComputeResources;
}
