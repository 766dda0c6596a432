/**
 * Backups of a MySQL database the library generates (Nacos in production, Apollo, Zabbix): a
 * CronJob writes a consistent `mysqldump` (`--single-transaction`, all databases, routines,
 * triggers, events) to its own PersistentVolumeClaim and keeps the newest ones. Restore with
 * `mysql < dump.sql` into an empty instance. The generated MySQL is a single instance: for a highly
 * available database, point the component at an external one.
 */
export interface MySqlBackupOptions {
  /**
   * When to back up (5-field cron expression); "" for no backups.
   * @default "30 2 * * *"
   */
  readonly schedule?: string;
  /**
   * How many backups to keep (the oldest are deleted after a successful backup).
   * @default 7
   */
  readonly keep?: number;
  /**
   * Size of the backup claim in GiB; it must hold `keep` + 1 dumps.
   * @default - the size of the database's claim
   */
  readonly storageGibibytes?: number;
}
