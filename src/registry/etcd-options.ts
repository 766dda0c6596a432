import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/**
 * TLS for etcd: HTTPS with client-certificate authentication on the client and peer ports. On by
 * default in production.
 */
export interface EtcdTlsOptions {
  /**
   * A `kubernetes.io/tls` Secret in the registry's namespace with `tls.crt`, `tls.key` and
   * `ca.crt` (cert-manager's layout), managed outside these manifests. The certificate must list
   * every member's DNS name (`<name>-<i>.<name>-headless.<namespace>.svc.<domain>`) and the client
   * Service's name, and allow both server and client authentication (members authenticate to each
   * other, and the defragmentation job authenticates as a client).
   * @default "<registry name>-server-tls"
   */
  readonly serverSecretName?: string;
  /**
   * One Secret (same layout) shared by every consumer instead of one per consumer. By default each
   * consumer has its own client certificate — its own identity to etcd — in a Secret named
   * `<consumer>-<registry name>-client-tls` in its namespace. Either way the Secret is mounted as
   * files (`ETCD_CA_CERT_FILE`, `ETCD_CLIENT_CERT_FILE`, `ETCD_CLIENT_KEY_FILE` name them): the
   * private key never travels in an env var.
   * @default - one Secret per consumer
   */
  readonly clientSecretName?: string;
}

/** Options of the etcd engine. */
export interface EtcdOptions {
  /**
   * Cluster members: odd, at most 7.
   * @default - 1 in development, 3 in production
   */
  readonly members?: number;
  /**
   * The etcd image, pinned by tag or digest.
   * @default "gcr.io/etcd-development/etcd:v3.5.33"
   */
  readonly image?: string;
  /**
   * Size of each member's volume in GiB (a PersistentVolumeClaim in production, an emptyDir limit in development).
   * @default 8
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the members' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per member.
   * @default - 100m/500m CPU and 256/1024 MiB in production; 50m/500m and 128/512 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * Backend quota in GiB (`--quota-backend-bytes`); etcd raises a NOSPACE alarm beyond it.
   * @default 2
   */
  readonly quotaBackendGibibytes?: number;
  /**
   * How much history automatic compaction keeps (`--auto-compaction-mode=periodic`).
   * @default Duration.hours(1)
   */
  readonly compactionRetention?: Duration;
  /**
   * Cron schedule of the defragmentation CronJob (`etcdctl defrag --cluster`), which returns the
   * space compaction frees. Empty string: no CronJob.
   * @default "17 3 * * 0" (Sundays 03:17)
   */
  readonly defragmentationSchedule?: string;
  /**
   * TLS with client-certificate authentication.
   * @default - TLS with the default Secret names in production; plain HTTP in development
   */
  readonly tls?: EtcdTlsOptions;
  /**
   * Serve plain HTTP without client authentication in production (only the namespace's
   * NetworkPolicies keep other pods out): an explicit opt-out, for clusters where a mesh encrypts
   * and authenticates the traffic instead. Not allowed together with `tls`.
   * @default false
   */
  readonly insecurePlaintext?: boolean;
}
