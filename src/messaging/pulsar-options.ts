import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/** The ZooKeeper ensemble that holds Pulsar's metadata (production only). */
export interface PulsarZooKeeperOptions {
  /**
   * Ensemble members: odd, at most 7 (every metadata write waits for a majority).
   * @default 3
   */
  readonly members?: number;
  /**
   * Size of each member's PersistentVolumeClaim in GiB (snapshots and transaction log).
   * @default 10
   */
  readonly storageGibibytes?: number;
  /**
   * CPU and memory per member. The JVM heap is half the memory limit, which must be at least 256 MiB.
   * @default - 100m/1000m CPU and 512/512 MiB
   */
  readonly resources?: ComputeResources;
}

/** The BookKeeper bookies that store the messages (production only). */
export interface PulsarBookKeeperOptions {
  /**
   * Bookies. At least the ensemble size and every topic's replication factor (checked in both
   * profiles); one more than the ensemble lets a bookie be drained without blocking new ledgers.
   * @default 4
   */
  readonly bookies?: number;
  /**
   * Size of each bookie's PersistentVolumeClaim in GiB. It holds the journal
   * (`/pulsar/data/bookkeeper/journal`) and the ledgers (`/pulsar/data/bookkeeper/ledgers`).
   * @default 64
   */
  readonly storageGibibytes?: number;
  /**
   * CPU and memory per bookie. The JVM's own memory (512 MiB plus 1/8 of the limit) and RocksDB
   * (a block cache of 5 % of the limit and 16 MiB memtables, set in bookkeeper.conf) come off the
   * memory limit first; heap and direct memory (the ledger storage's write and read-ahead caches)
   * share the rest equally. The limit must be at least 1408 MiB (256 MiB of heap).
   * @default - 500m/2000m CPU and 2048/2048 MiB
   */
  readonly resources?: ComputeResources;
}

/** Brokers or proxies: stateless Pulsar servers (production only). */
export interface PulsarServerOptions {
  /**
   * Replicas.
   * @default 3
   */
  readonly replicas?: number;
  /**
   * CPU and memory per replica. Brokers: the JVM's own memory (512 MiB plus 1/8 of the limit) comes
   * off the memory limit first, heap and direct memory share the rest equally. Proxies: heap and
   * direct memory are 35 % of the memory limit each.
   * @default - brokers 500m/2000m CPU and 2048/2048 MiB (at least 1280 MiB); proxies 200m/1000m CPU and 768/768 MiB (at least 256 MiB)
   */
  readonly resources?: ComputeResources;
}

/** The single `pulsar standalone` member of the development profile. */
export interface PulsarStandaloneOptions {
  /**
   * Size of the member's emptyDir (`/pulsar/data`: metadata, journal and ledgers) in GiB.
   * @default 8
   */
  readonly storageGibibytes?: number;
  /**
   * CPU and memory. ZooKeeper/metadata, a bookie and a broker share one JVM: the JVM's own memory
   * (512 MiB plus 1/8 of the limit) and the embedded bookie's RocksDB (BookKeeper's defaults: up
   * to 256 MiB of memtables and a block cache of 10 % of direct memory) come off the memory limit
   * first, heap and direct memory share the rest equally; the limit must be at least 1664 MiB.
   * @default - 200m/2000m CPU and 2048/2048 MiB
   */
  readonly resources?: ComputeResources;
}

/**
 * Options of the Apache Pulsar engine. Development runs one `pulsar standalone` member;
 * production runs a ZooKeeper ensemble, BookKeeper bookies, brokers and proxies (clients connect
 * to the proxies), initialized by two one-shot Jobs.
 */
export interface PulsarOptions {
  /**
   * The Pulsar image, pinned by tag or digest. It must behave like `apachepulsar/pulsar` (Pulsar
   * under `/pulsar`, `bin/apply-config-from-env.py`, `bin/pulsar`, `bin/bookkeeper`,
   * `bin/pulsar-admin`, busybox `sh`, `sed`, `nc` and coreutils `timeout`; user 10000).
   * @default "apachepulsar/pulsar:4.0.12"
   */
  readonly image?: string;
  /**
   * The Pulsar cluster's name (`clusterName`, `initialize-cluster-metadata --cluster`).
   * @default - the component's name
   */
  readonly clusterName?: string;
  /**
   * The Pulsar tenant of the declared topics (letters, digits, `_`, `-`, `=`, `:` and `.`).
   * @default - the architecture's name
   */
  readonly tenant?: string;
  /**
   * The Pulsar namespace of the declared topics, inside the tenant (not the Kubernetes namespace,
   * which `MessageQueueProps.namespace` sets). Topics are `persistent://<tenant>/<namespace>/<topic>`.
   * @default - the component's name
   */
  readonly namespace?: string;
  /**
   * Bookies each ledger is striped across (`managedLedgerDefaultEnsembleSize`); at most the
   * bookies. Replication settings are validated against the production topology in both profiles;
   * the development profile's standalone member (one bookie) always uses 1/1/1.
   * @default - min(3, bookies)
   */
  readonly ensembleSize?: number;
  /**
   * Copies written of each entry (`managedLedgerDefaultWriteQuorum`); at most the ensemble size.
   * @default - min(3, ensembleSize)
   */
  readonly writeQuorum?: number;
  /**
   * Copies acknowledged before a write succeeds (`managedLedgerDefaultAckQuorum`); at most the
   * write quorum.
   * @default - min(2, writeQuorum)
   */
  readonly ackQuorum?: number;
  /**
   * Backlog size that triggers compaction of a topic with `CleanupPolicy.COMPACT`, in MiB
   * (`pulsar-admin topics set-compaction-threshold`). Consumers read the compacted view with
   * `readCompacted(true)`.
   * @default 100
   */
  readonly compactionThresholdMebibytes?: number;
  /**
   * StorageClass of the ZooKeeper members' and bookies' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The ZooKeeper ensemble (production).
   * @default - 3 members
   */
  readonly zookeeper?: PulsarZooKeeperOptions;
  /**
   * The BookKeeper bookies (production).
   * @default - 4 bookies
   */
  readonly bookkeeper?: PulsarBookKeeperOptions;
  /**
   * The brokers (production).
   * @default - 3 brokers
   */
  readonly brokers?: PulsarServerOptions;
  /**
   * The proxies, the clients' entry point (production).
   * @default - 3 proxies
   */
  readonly proxies?: PulsarServerOptions;
  /**
   * The standalone member (development).
   * @default - 8 GiB, 2048 MiB
   */
  readonly standalone?: PulsarStandaloneOptions;
  /**
   * Token authentication and authorization (Pulsar's `AuthenticationProviderToken` with an HS256
   * secret key, and the broker's authorization on). Brokers, proxies and the standalone server
   * refuse connections without a valid token; each service is its own role
   * `<namespace>.<service>`, allowed `produce` on the topics it produces, `consume` on the topics
   * it consumes, and the only role allowed on its subscriptions (consumer groups). The brokers,
   * proxies and the provisioning Job sign their own tokens (super-user roles `broker`, `proxy`,
   * `admin`) at start from the key; the provisioning Job signs each service's token and writes it
   * into the Secret `<service>-<name>-pulsar` (key `token`) in the service's namespace, which the
   * service mounts (`<QUEUE>_AUTH_PARAMS` is `file://` of it). `false` serves every client without
   * a token (a throwaway cluster).
   * @default true
   */
  readonly authentication?: boolean;
  /**
   * The Secret in the Pulsar namespace, managed outside these manifests, with the HS256 key that
   * signs and verifies every token, key `secret.key`: at least 32 random bytes, read as the raw
   * bytes of the file (e.g. `openssl rand 32 > secret.key` then
   * `kubectl create secret generic <name>-token-key --from-file=secret.key`). Replacing it
   * invalidates every token: restart the brokers, proxies and services after the provisioning
   * has run again.
   * @default - "<name>-token-key"
   */
  readonly tokenKeySecret?: string;
  /**
   * How long a service's token is valid (its `exp` claim). The provisioning (the Job and its
   * CronJob) signs a new token into the service's Secret once half of the lifetime has passed; the
   * client reads the mounted file again whenever it authenticates, and brokers make connected
   * clients re-authenticate or reconnect when their token expires (`authenticationRefreshCheckSeconds`,
   * 60 s), so a running service moves to the renewed token long before the old one expires; a
   * service removed from the program keeps a valid token for at most this long. Whole
   * hours, from 1 to 365 days. The servers' own super-user tokens are signed at their start, kept
   * in memory volumes and do not expire.
   * @default Duration.days(7)
   */
  readonly tokenLifetime?: Duration;
  /**
   * The address range of the Kubernetes API server, which the provisioning Job calls to write the
   * services' token Secrets (NetworkPolicy egress on 443 and 6443).
   * @default - any address on ports 443 and 6443 (Cilium does not match host addresses with an ipBlock)
   */
  readonly kubernetesApiCidr?: string;
  /**
   * When the provisioning (tenant, namespace, topics, subscriptions; with authentication also the
   * services' token Secrets and permissions) runs again, as a CronJob (5-field cron expression).
   * Every step converges, so each run recreates a deleted topic, subscription, permission or
   * token Secret, renews the services' tokens past half their `tokenLifetime` and re-signs them
   * after the key was replaced; the one-off Job runs at once whenever its content changes, but it
   * cannot see a Secret's new value. Each run starts pulsar-admin once per step (a JVM each), hence
   * hourly. "" for no CronJob, only without authentication (nothing would renew the tokens).
   * @default "41 * * * *" (hourly)
   */
  readonly reprovisionSchedule?: string;
}
