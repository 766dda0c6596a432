import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/** How Redis keeps its data set on disk (`appendonly` and `save` in redis.conf). */
export enum RedisPersistence {
  /**
   * Append-only file (`appendonly yes`, `appendfsync everysec`) plus RDB snapshots: after a crash
   * at most about one second of acknowledged writes is lost. The setting for a queue.
   */
  AOF = 'aof',
  /**
   * RDB snapshots only (`save 3600 1 300 100 60 10000`): a crash loses everything written since
   * the last snapshot (up to an hour on a quiet instance, a minute on a busy one).
   */
  RDB = 'rdb',
  /**
   * Nothing on disk (`appendonly no`, `save ""`): a pure cache, for a single Redis pod only. With
   * replicas it is refused: a primary that restarts before Sentinel fails it over comes back
   * empty, and its replicas copy the empty data set (use RDB for a replicated cache).
   */
  NONE = 'none',
}

/**
 * What Redis does when `maxmemory` is reached (`maxmemory-policy`). A queue needs
 * `NOEVICTION`: writes fail with an OOM error instead of Redis silently deleting messages. A cache
 * uses an `ALLKEYS_*` policy (usually `ALLKEYS_LRU`): Redis evicts the least recently used keys
 * and writes keep succeeding. `ALLKEYS_*` policies evict whole streams, so they are rejected when
 * the queue declares topics.
 */
export enum RedisMaxmemoryPolicy {
  /** Reject writes that need more memory (the queue setting). */
  NOEVICTION = 'noeviction',
  /** Evict the least recently used keys, any key (the usual cache setting). */
  ALLKEYS_LRU = 'allkeys-lru',
  /** Evict the least frequently used keys, any key. */
  ALLKEYS_LFU = 'allkeys-lfu',
  /** Evict random keys, any key. */
  ALLKEYS_RANDOM = 'allkeys-random',
  /** Evict the least recently used keys among those with a TTL. */
  VOLATILE_LRU = 'volatile-lru',
  /** Evict the least frequently used keys among those with a TTL. */
  VOLATILE_LFU = 'volatile-lfu',
  /** Evict random keys among those with a TTL. */
  VOLATILE_RANDOM = 'volatile-random',
  /** Evict the keys with the nearest expiry among those with a TTL. */
  VOLATILE_TTL = 'volatile-ttl',
}

/**
 * Options of the Redis engine.
 *
 * Development runs one Redis instance. Production runs a StatefulSet of `replicas` Redis pods
 * (member 0 bootstraps as the primary, the others replicate from it) and a separate StatefulSet
 * of Sentinels that monitor the primary and promote a replica when it fails. Replication is
 * asynchronous: a failover can lose the writes the replicas had not received yet.
 *
 * Topics are Redis Streams: the stream key is the topic's name and each consumer group is a
 * stream consumer group. Producers append with `XADD <stream> MINID ~ <now - retention> * field
 * value ...` (or `MAXLEN ~ <n>`): Redis never trims a stream by itself, so trimming is the
 * producer's job (`<TOPIC>_RETENTION_MS`, and `<TOPIC>_MAXLEN` when `streamMaxLength` is set).
 * Consumers create their group idempotently on start (`XGROUP CREATE <stream> <group> $
 * MKSTREAM`, ignoring `BUSYGROUP`), read with `XREADGROUP GROUP <group> <consumer> ... STREAMS
 * <stream> >`, acknowledge with `XACK` and take over entries of crashed consumers with `XAUTOCLAIM`.
 * A deploy-time Job also creates every bound group, so messages produced before a consumer first
 * starts are kept for it. Redis Pub/Sub (`PUBLISH`/`SUBSCRIBE`) works over the same connection
 * but is fire-and-forget: subscribers that are not connected miss the message. Neither gives the
 * broker-side durability of Kafka (replicated, acknowledged logs).
 *
 * Services get `<P>PASSWORD` and, with a single Redis pod, `<P>ADDRESS` (the client Service,
 * `<queue>.<namespace>.svc...:6379`). With Sentinel they get `<P>SENTINELS` (`host:26379,...`)
 * and `<P>MASTER_NAME` for a Sentinel-aware client (the assumed client behaviour: it asks the
 * Sentinels for the primary, writes there and follows failovers), and `<P>READ_ADDRESS`: the client
 * Service, which spreads connections over the primary and the replicas and so only suits reads
 * (replicas reject writes with `READONLY`). A primary that is stopped on purpose (rollout, drain)
 * first asks the Sentinels for a failover (preStop).
 */
export interface RedisOptions {
  /**
   * The Redis image: the Docker Official Image, pinned by tag or digest. The pods run its
   * `redis-server` and `redis-cli` directly (not its entrypoint, so no modules are loaded: Streams
   * and Pub/Sub are core Redis).
   * @default "redis:8.10.1"
   */
  readonly image?: string;
  /**
   * Redis pods: one primary and `replicas - 1` replicas. More than one enables Sentinel.
   * Production needs at least 2.
   * @default - 1 in development, 3 in production
   */
  readonly replicas?: number;
  /**
   * Sentinels (a separate StatefulSet), when `replicas` is more than 1: odd, from 1 to 7, at least
   * 3 in production (a failover needs a majority of the Sentinels to authorize it).
   * @default 3
   */
  readonly sentinels?: number;
  /**
   * Sentinels that must agree the primary is down before a failover starts (the quorum of
   * `sentinel monitor`): at least a majority of the Sentinels and at most all of them.
   * A quorum above the majority survives fewer Sentinel outages: the disruption budget keeps only
   * a majority of Sentinels running.
   * @default - a majority of the Sentinels (2 of 3)
   */
  readonly sentinelQuorum?: number;
  /**
   * The name Sentinel monitors the primary under (`sentinel monitor <name> ...`); Sentinel-aware
   * clients ask for it (`<P>MASTER_NAME`).
   * @default "mymaster"
   */
  readonly masterName?: string;
  /**
   * How long the primary must be unreachable before a Sentinel considers it down
   * (`down-after-milliseconds`); the failover starts when `sentinelQuorum` Sentinels agree.
   * @default Duration.seconds(30)
   */
  readonly sentinelDownAfter?: Duration;
  /**
   * Persistence.
   * @default - RedisPersistence.AOF in production, RedisPersistence.RDB in development
   */
  readonly persistence?: RedisPersistence;
  /**
   * `maxmemory` in MiB: the data set's limit. It must stay well below the container's memory
   * limit: forks for snapshots, AOF rewrites and replica syncs copy pages that are written
   * meanwhile, and replication and client buffers are not counted in `maxmemory`.
   * @default - 60% of the memory limit
   */
  readonly maxmemoryMebibytes?: number;
  /**
   * What happens when `maxmemory` is reached.
   * @default RedisMaxmemoryPolicy.NOEVICTION
   */
  readonly maxmemoryPolicy?: RedisMaxmemoryPolicy;
  /**
   * `min-replicas-to-write`: the primary refuses writes while fewer replicas are connected (with
   * at most 10 s lag). It bounds what a primary cut off from its replicas accepts and then loses in
   * a failover, at the price of rejecting writes while too many replicas are down. From 0 to
   * `replicas - 1`.
   * @default - 1 with 3 or more replicas, otherwise 0
   */
  readonly minReplicasToWrite?: number;
  /**
   * An upper bound of entries per stream that producers should keep (`XADD ... MAXLEN ~ <n>`),
   * handed to producers and consumers as `<TOPIC>_MAXLEN`.
   * @default - no length bound (producers trim by `<TOPIC>_RETENTION_MS`)
   */
  readonly streamMaxLength?: number;
  /**
   * Create the consumer groups of the declared topics with a Job at deploy time (`XGROUP CREATE
   * <stream> <group> $ MKSTREAM`, existing groups are left alone). Clients must still create
   * their group on start: a development instance on an emptyDir, or a failover that loses writes,
   * can lose groups.
   * @default true
   */
  readonly createConsumerGroups?: boolean;
  /**
   * A Secret in the queue's namespace, managed outside these manifests, whose key `password` holds
   * the password of Redis (`requirepass`, `masterauth`) and of the Sentinels (`requirepass`,
   * `sentinel auth-pass`). It must not be empty or contain line breaks (the pods refuse to start).
   * @default "<queue name>-auth"
   */
  readonly authSecretName?: string;
  /**
   * The Secret each consumer namespace holds whose key `password` holds the same password;
   * consumers get it as `<P>PASSWORD`. Sentinel-aware clients use it for the Sentinels too.
   * @default "<queue name>-client"
   */
  readonly clientSecretName?: string;
  /**
   * Size of each Redis pod's volume in GiB (a PersistentVolumeClaim in production, an emptyDir
   * limit in development). The AOF can grow to several times the data set between rewrites.
   * @default 8
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the Redis pods' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per Redis pod. Memory requests equal limits by default: Redis is a memory
   * store and should not be the first pod a node evicts.
   * @default - 250m/1000m CPU and 1024/1024 MiB in production; 50m/500m and 256/256 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * CPU and memory per Sentinel.
   * @default - 25m/250m CPU and 32/64 MiB
   */
  readonly sentinelResources?: ComputeResources;
  /**
   * The Prometheus exporter that runs next to each Redis pod (Redis has no Prometheus endpoint of
   * its own): it reads `INFO` over localhost with the Redis password and serves `/metrics` on
   * 9121, which the architecture's metrics system scrapes.
   * @default "oliver006/redis_exporter:v1.88.0"
   */
  readonly exporterImage?: string;
}
