import { ComputeResources } from '../architecture/resources';

/**
 * Options of the Apache Kafka engine (KRaft mode, no ZooKeeper).
 *
 * Development runs one combined node (`process.roles=broker,controller`) with every replication
 * setting at 1. Production runs dedicated controllers (a Raft quorum) and brokers as two
 * StatefulSets. Counts and replication settings are validated against the production topology
 * in both profiles, so a value that production would reject fails in development too.
 */
export interface KafkaOptions {
  /**
   * The Kafka image: the Apache Kafka project's own JVM image, pinned by tag or digest. The engine
   * relies on its start script (`/etc/kafka/docker/run`: `KAFKA_*` variables to
   * server.properties, storage formatting with `CLUSTER_ID`) and on Kafka 4.x (log4j2).
   * @default "apache/kafka:4.3.1"
   */
  readonly image?: string;
  /**
   * Dedicated KRaft controllers in production: an odd number from 1 to 7 (3 tolerate one failure,
   * 5 tolerate two). Development always runs one combined node.
   * @default 3
   */
  readonly controllers?: number;
  /**
   * Brokers in production (1 to 99). Development always runs one combined node.
   * @default 3
   */
  readonly brokers?: number;
  /**
   * The cluster id every node's storage is formatted with: 22 characters of URL-safe base64
   * without padding encoding 16 bytes (what `kafka-storage.sh random-uuid` prints), e.g.
   * "4L6g3nShT-eMCtK--X86sw". Nodes refuse to join a cluster with another id.
   *
   * The default is derived from the architecture's and the component's names, so the output is
   * identical on every synth and stable for this cluster forever. Renaming the architecture or the
   * component changes it: existing nodes keep the id written in their storage (`meta.properties`)
   * and then refuse to start, so pin the old id here before renaming, or start with empty volumes.
   * @default - derived from the architecture and component names
   */
  readonly clusterId?: string;
  /**
   * Replicas of topics created without an explicit replication factor, and of declared topics
   * that set none; also the replication of the internal topics (`__consumer_offsets`,
   * `__transaction_state`, `__share_group_state`). At most the number of brokers. Development: 1.
   * @default - min(3, brokers)
   */
  readonly defaultReplicationFactor?: number;
  /**
   * `min.insync.replicas`: replicas that must have a write before a producer with `acks=all` gets
   * its acknowledgement. Must be lower than the replication factor (unless that is 1): equal
   * would make every `acks=all` write fail as soon as one replica is down. Also applied to the
   * internal topics. Development: 1.
   * @default - defaultReplicationFactor - 1, at least 1
   */
  readonly minInSyncReplicas?: number;
  /**
   * Size of each broker's volume in GiB (a PersistentVolumeClaim in production, an emptyDir limit
   * in development).
   * @default 20
   */
  readonly storageGibibytes?: number;
  /**
   * Size of each dedicated controller's metadata volume in GiB (production).
   * @default 5
   */
  readonly controllerStorageGibibytes?: number;
  /**
   * StorageClass of the brokers' and controllers' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per broker (and of the combined development node). The JVM heap is half the
   * memory limit; the rest is page cache, direct buffers and metaspace. At least 512 MiB.
   * @default - 500m/2000m CPU and 2048/2048 MiB in production; 100m/1000m and 1024/1024 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * CPU and memory per dedicated controller (production). At least 512 MiB.
   * @default - 250m/1000m CPU and 1024/1024 MiB
   */
  readonly controllerResources?: ComputeResources;
  /**
   * Authentication and authorization (on by default in both profiles, so a service that works in
   * development works in production). Every listener is SASL: clients use SCRAM-SHA-512 on the
   * client listener, each Microservice as its own Kafka user `<namespace>.<service>`; brokers and
   * controllers authenticate to each other with PLAIN; the `StandardAuthorizer` denies everything
   * no ACL allows (`allow.everyone.if.no.acl.found=false`). The provisioning Job creates each
   * consumer's SCRAM credential and its ACLs from the graph: producers get WRITE and DESCRIBE on
   * their topics, consumers READ and DESCRIBE on their topics and READ on their consumer group.
   *
   * `false` turns all of it off (PLAINTEXT listeners, no authorizer, no credentials): only for a
   * throwaway development cluster.
   * @default true
   */
  readonly authentication?: boolean;
  /**
   * The Secret in the Kafka namespace, managed outside these manifests, with the passwords of the
   * cluster's own principals: keys `controller-password` (controllers and brokers on the
   * controller listener), `broker-password` (replication between brokers) and `admin-password`
   * (the provisioning Job). All three are super users.
   * @default - "<name>-sasl"
   */
  readonly clusterCredentialsSecret?: string;
  /**
   * The Secret in the Kafka namespace, managed outside these manifests, that gives the provisioning
   * Job each client's SCRAM password: one key per Kafka user, named `<namespace>.<service>`. Each
   * service reads the same password from its own Secret `<service>-<name>-client` (key
   * `password`) in its own namespace. Passwords must be 8 to 128 characters of letters, digits
   * and `-._~+/=` (e.g. `openssl rand -hex 32`); the Job refuses others.
   * @default - "<name>-consumers"
   */
  readonly consumerPasswordsSecret?: string;
  /**
   * Runs kafka_exporter (danielqsj/kafka-exporter) beside the cluster, one pod: broker count,
   * partitions, in-sync replicas, under-replicated partitions and each consumer group's offsets and
   * lag, on `:9308/metrics`, scraped by the architecture's Prometheus as `kind="kafka"` with alerts
   * for under-replicated partitions, a broker gone and a growing lag. With authentication it is its
   * own Kafka user `<namespace>.<name>-exporter`, allowed DESCRIBE on the cluster, every topic and
   * every group (nothing else), its password the key of that name in `consumerPasswordsSecret`; the
   * password reaches the process through an argument file on a memory volume, not its command line.
   * @default true
   */
  readonly exporter?: boolean;
  /**
   * The exporter's image, pinned by tag or digest (a static binary at `/bin/kafka_exporter` on
   * busybox, running as `nobody`).
   * @default "danielqsj/kafka-exporter:v1.9.0"
   */
  readonly exporterImage?: string;
  /**
   * When the provisioning (topics; with authentication also the clients' SCRAM credentials and
   * ACLs) runs again, as a CronJob (5-field cron expression). Every step converges, so each run
   * applies passwords rotated in `consumerPasswordsSecret`, recreates a deleted topic and restores
   * a removed ACL; the one-off Job runs it at once whenever its content changes, but it cannot see
   * a Secret's new value. Each run starts the Kafka CLI a few times per topic and per user (about
   * 3 s each), hence hourly. "" for no CronJob (then a rotated password takes deleting the
   * completed Job). Setting it where there is nothing to provision (no topics, authentication off)
   * is an error.
   * @default "23 * * * *" (hourly)
   */
  readonly reprovisionSchedule?: string;
}
