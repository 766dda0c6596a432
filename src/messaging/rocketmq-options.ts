import { ComputeResources } from '../architecture/resources';

/** How a broker group's master copies messages to its slaves. */
export enum RocketMqReplication {
  /**
   * The master acknowledges a send only once its slaves hold the message too. With
   * `RocketMqFailover.CONTROLLER`: every member of the group's in-sync set (`allAckInSyncStateSet`);
   * a slave that falls 15 s behind leaves the set, and a send is refused
   * (`IN_SYNC_REPLICAS_NOT_ENOUGH`, the producer retries another group) while the set holds fewer
   * members than the largest declared `replicationFactor` (`minInSyncReplicas`; 1 when no topic
   * declares one). Only a member of the set can be elected, so no acknowledged send is lost by a
   * failover. With `RocketMqFailover.NONE` (`SYNC_MASTER`): as many members of the group as the
   * largest `replicationFactor` of the declared topics, a topic without one counting as
   * `replicasPerGroup` (`inSyncReplicas`, the master included); while a slave is down, sends to its
   * group wait `slaveTimeout` (3 s) and answer `FLUSH_SLAVE_TIMEOUT` (the message is on the master only).
   */
  SYNC = 'sync',
  /**
   * A send is acknowledged once the master stored it; slaves catch up later. With a controller, a
   * failover can lose the sends the elected slave had not copied yet.
   */
  ASYNC = 'async',
}

/** What happens when a broker group's master fails. */
export enum RocketMqFailover {
  /**
   * RocketMQ 5's controller mode: a Raft ensemble of controllers (`mqcontroller`, DLedger; a
   * StatefulSet of its own, `<queue>-controller`, on volumes) elects a new master among the
   * group's in-sync members within seconds of a master's loss; the brokers' ids and roles are the
   * controller's (each broker keeps its id in its store), and a returning master rejoins as a slave.
   */
  CONTROLLER = 'controller',
  /**
   * Classic master/slave: ordinal 0 of a group is its master for good. While it is down the group
   * takes no writes (producers send to the other groups, consumers read its messages from the
   * slaves) until it returns with its volume.
   */
  NONE = 'none',
}

/** When a broker considers a message stored (`flushDiskType`). */
export enum RocketMqFlushDiskType {
  /** `ASYNC_FLUSH`: stored in the page cache, flushed in the background (replication gives durability). */
  ASYNC_FLUSH = 'ASYNC_FLUSH',
  /** `SYNC_FLUSH`: fsynced before the send is acknowledged (slower; survives a node power loss without replicas). */
  SYNC_FLUSH = 'SYNC_FLUSH',
}

/**
 * Options of the Apache RocketMQ 5.x engine: NameServers and master/slave broker groups whose
 * masters a controller ensemble elects (RocketMQ 5 controller mode, the default when groups have
 * slaves), with RocketMQ 5's authentication and authorization (ACL 2.0) on every broker by default.
 */
export interface RocketMqOptions {
  /**
   * The RocketMQ image (apache/rocketmq-docker), pinned by tag or digest. It must behave like the
   * official one: uid 3000 with home `/home/rocketmq`, `$ROCKETMQ_HOME/bin/{mqnamesrv,mqbroker,mqadmin}`,
   * JDK 8, `bash` and `readlink`.
   * @default "apache/rocketmq:5.3.3"
   */
  readonly image?: string;
  /**
   * NameServers (a StatefulSet; stateless and independent: every broker registers with each of
   * them, clients list them all). Not a quorum, so any count from 1 to 7 works.
   * @default - 1 in development, 2 in production
   */
  readonly nameServers?: number;
  /**
   * Broker groups (master/slave sets, one StatefulSet each, named `<queue>-broker-a`, `-b`, ...).
   * Every topic gets `partitions` queues on each group's master, so a topic has
   * `partitions x brokerGroups` queues; with two or more groups, producers keep writing when one
   * master is down.
   * @default - 1 in development, 2 in production
   */
  readonly brokerGroups?: number;
  /**
   * Brokers per group: a master and its slaves. With `RocketMqFailover.CONTROLLER` the controller
   * picks the master and the ids; with `RocketMqFailover.NONE` ordinal 0 is the master
   * (`brokerId=0`) and the others its slaves (`brokerId=<ordinal>`). A topic's `replicationFactor`
   * may not exceed it.
   * @default - 1 in development, 2 in production
   */
  readonly replicasPerGroup?: number;
  /**
   * How a group's master is replaced when it fails. `RocketMqFailover.CONTROLLER` needs slaves
   * (`replicasPerGroup` of 2 or more).
   * @default - RocketMqFailover.CONTROLLER when groups have slaves, RocketMqFailover.NONE for groups of one broker
   */
  readonly failover?: RocketMqFailover;
  /**
   * Controllers of `RocketMqFailover.CONTROLLER`: a Raft quorum, an odd number from 1 to 7 (a
   * majority must be up to elect a master; fewer than 3 in production is a `NODE_LOSS` lint error).
   * @default - 3 in production, 1 in development
   */
  readonly controllers?: number;
  /**
   * CPU and memory per controller. The JVM heap is half the memory limit, which must be at least 256 MiB.
   * @default - 100m/1000m CPU and 512/512 MiB in production; 50m/500m and 384/512 MiB in development
   */
  readonly controllerResources?: ComputeResources;
  /**
   * How masters replicate to their slaves (ignored when `replicasPerGroup` is 1).
   * @default RocketMqReplication.SYNC
   */
  readonly replication?: RocketMqReplication;
  /**
   * When a broker considers a message stored.
   * @default RocketMqFlushDiskType.ASYNC_FLUSH
   */
  readonly flushDiskType?: RocketMqFlushDiskType;
  /**
   * Hour of the day (0-23) at which brokers delete commit log files older than the longest topic
   * retention (`deleteWhen`); they also delete early when the disk is 75 % full.
   * @default 4
   */
  readonly deleteHour?: number;
  /**
   * Size of each broker's store volume in GiB (a PersistentVolumeClaim in production, an emptyDir
   * limit in development). Commit log files are 1 GiB each.
   * @default - 32 in production, 4 in development
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the brokers' and the controllers' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per broker. The JVM heap is half the memory limit, direct memory a quarter; the
   * limit must be at least 1024 MiB.
   * @default - 500m/2000m CPU and 4096/4096 MiB in production; 100m/1000m and 768/1024 MiB in development
   */
  readonly brokerResources?: ComputeResources;
  /**
   * CPU and memory per NameServer. The JVM heap is half the memory limit, which must be at least 256 MiB.
   * @default - 100m/1000m CPU and 1024/1024 MiB in production; 50m/500m and 384/512 MiB in development
   */
  readonly nameServerResources?: ComputeResources;
  /**
   * Authentication and authorization (RocketMQ 5 ACL 2.0) on every broker: a client must sign its
   * requests as a user (`AclClientRPCHook` with its access key and secret key) and may do only what
   * an ACL allows. Each service is its own user `<namespace>.<service>` allowed exactly its
   * bindings: `Pub` on the topics it produces, `Sub` and `Get` on the topics it consumes and on its
   * consumer groups; the provisioning Job creates the users and ACLs on every broker, masters and
   * slaves (brokers do not replicate them), and deletes the users it made for services that left.
   * The NameServers have no authentication in RocketMQ 5 (route lookups and broker registrations
   * are open inside the NetworkPolicies). `false` only for a throwaway cluster.
   * @default true
   */
  readonly authentication?: boolean;
  /**
   * The Secret in the queue's namespace, managed outside these manifests, with the passwords of the
   * cluster's two super users: key `admin-password` (user `admin`, the provisioning Job's
   * mqadmin) and key `broker-password` (user `broker`, what a slave signs its sync from its master
   * with). Each broker creates both users with these passwords at its first start and never
   * changes them afterwards (RocketMQ's `initAuthenticationUser` and
   * `innerClientAuthenticationCredentials`): to rotate one, change it on every broker with
   * `mqadmin updateUser` first, then in the Secret, then restart the brokers. Passwords must be 8 to
   * 128 characters of letters, digits and `-._~+/=` (e.g. `openssl rand -hex 32`); brokers and the
   * Job refuse others.
   * @default - "<name>-acl"
   */
  readonly clusterCredentialsSecret?: string;
  /**
   * The Secret in the queue's namespace, managed outside these manifests, that gives the
   * provisioning Job each service's password (its secret key): one key per user, named
   * `<namespace>.<service>`. Each service reads the same password from its own Secret
   * `<service>-<name>-client` (key `password`) in its own namespace. Same character rules as
   * `clusterCredentialsSecret`.
   * @default - "<name>-consumers"
   */
  readonly consumerPasswordsSecret?: string;
  /**
   * When the provisioning (topics, consumer groups; with authentication the users and ACLs) runs
   * again, as a CronJob (5-field cron expression). Every step converges, so each run applies a
   * password rotated in `consumerPasswordsSecret`, restores a deleted ACL and recreates a topic
   * on a broker that lost its volume; the one-off Job runs at once whenever its content changes,
   * but cannot see a Secret's new value. Each run starts mqadmin (a JVM) once per topic and
   * consumer group and, with authentication, twice per service and once more on each broker (22
   * starts for 2 topics, 2 groups, 4 services and 2 brokers took 144 s on a busy 2-core machine),
   * hence hourly. "" for no CronJob. Setting it where there is nothing to provision (no topics,
   * authentication off) is an error.
   * @default "37 * * * *"
   */
  readonly reprovisionSchedule?: string;
}
