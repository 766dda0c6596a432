import { ComputeResources } from '../architecture/resources';

/** Options of the ZooKeeper engine. */
export interface ZooKeeperOptions {
  /**
   * Ensemble members: odd, at most 7 (every write waits for a majority, so larger ensembles write
   * slower). A single member runs standalone.
   * @default - 1 in development, 3 in production
   */
  readonly members?: number;
  /**
   * The ZooKeeper image, pinned by tag or digest. It must behave like the Docker Official Image
   * (`/docker-entrypoint.sh`, `zkServer.sh` on the PATH, user 1000, `bash` and `nc` for the probes).
   * @default "zookeeper:3.9.5"
   */
  readonly image?: string;
  /**
   * Size of each member's volume in GiB (a PersistentVolumeClaim in production, an emptyDir limit
   * in development). It holds the snapshots (`/data`) and the transaction log (`/datalog`).
   * @default 8
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the members' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per member. The JVM heap is 75% of the memory limit, which must be at least 256 MiB.
   * @default - 100m/1000m CPU and 1024/1024 MiB in production; 50m/500m and 512/512 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * ZooKeeper's basic time unit in milliseconds (`tickTime`): heartbeats, and session timeouts of
   * 2 to 20 ticks.
   * @default 2000
   */
  readonly tickTimeMillis?: number;
  /**
   * Ticks a follower may take to connect to the leader and sync its data (`initLimit`). Raise it
   * when the data set is large.
   * @default 10
   */
  readonly initLimitTicks?: number;
  /**
   * Ticks a follower may lag behind the leader before it is dropped (`syncLimit`); at most `initLimitTicks`.
   * @default 5
   */
  readonly syncLimitTicks?: number;
  /**
   * Hours between automatic purges of old snapshots and transaction logs (`autopurge.purgeInterval`);
   * 0 disables purging (the volume then fills up).
   * @default 24
   */
  readonly autopurgeIntervalHours?: number;
  /**
   * Snapshots (and their transaction logs) a purge keeps (`autopurge.snapRetainCount`); at least 3.
   * @default 3
   */
  readonly snapRetainCount?: number;
  /**
   * Concurrent connections one client IP address may open to one member (`maxClientCnxns`).
   * @default 60
   */
  readonly maxClientConnections?: number;
}
