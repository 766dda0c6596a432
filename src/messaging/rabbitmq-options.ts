import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/** The type of a RabbitMQ exchange: how it routes a message to its bindings. */
export enum RabbitMqExchangeType {
  /** To the bindings whose routing key equals the message's. */
  DIRECT = 'direct',
  /** To every binding, ignoring the routing key. */
  FANOUT = 'fanout',
  /** To the bindings whose pattern (`*` one word, `#` zero or more words) matches the routing key. */
  TOPIC = 'topic',
  /** By message headers instead of the routing key. */
  HEADERS = 'headers',
}

/** The type of a RabbitMQ queue. */
export enum RabbitMqQueueType {
  /** Replicated with Raft on a majority of nodes: the durable, highly available type. */
  QUORUM = 'quorum',
  /** A single node's queue (not replicated since RabbitMQ 4.0: lost with that node's disk). */
  CLASSIC = 'classic',
  /** A replicated, append-only log that consumers read without removing messages. */
  STREAM = 'stream',
}

/** What a binding delivers to. */
export enum RabbitMqBindingDestinationType {
  /** A queue. */
  QUEUE = 'queue',
  /** Another exchange (exchange-to-exchange binding). */
  EXCHANGE = 'exchange',
}

/** An exchange declared in the broker's definitions, besides the ones the topics generate. */
export interface RabbitMqExchange {
  /** The exchange's name: letters, digits, ".", "_", ":" and "-", not starting with "amq." (reserved). */
  readonly name: string;
  /**
   * The virtual host it belongs to: the queue's `vhost` or one of its `vhosts`.
   * @default - the queue's `vhost`
   */
  readonly vhost?: string;
  /**
   * How it routes.
   * @default RabbitMqExchangeType.DIRECT
   */
  readonly type?: RabbitMqExchangeType;
}

/** A queue declared in the broker's definitions, besides the ones the topics' consumer groups generate. */
export interface RabbitMqQueue {
  /** The queue's name: letters, digits, ".", "_", ":" and "-", not starting with "amq." (reserved). */
  readonly name: string;
  /**
   * The virtual host it belongs to: the queue's `vhost` or one of its `vhosts`.
   * @default - the queue's `vhost`
   */
  readonly vhost?: string;
  /**
   * The queue type. Quorum queues and streams are replicated on min(3, nodes) nodes.
   * @default RabbitMqQueueType.QUORUM
   */
  readonly type?: RabbitMqQueueType;
}

/** A binding declared in the broker's definitions. */
export interface RabbitMqBinding {
  /**
   * The exchange it routes from: one declared here, a topic's exchange, or a built-in
   * `amq.direct`, `amq.fanout`, `amq.topic`, `amq.headers` or `amq.match`.
   */
  readonly source: string;
  /** The queue (declared in `queues`) or exchange it routes to. */
  readonly destination: string;
  /**
   * Whether `destination` is a queue or an exchange.
   * @default RabbitMqBindingDestinationType.QUEUE
   */
  readonly destinationType?: RabbitMqBindingDestinationType;
  /**
   * The routing key (a pattern for topic exchanges).
   * @default "" (the empty routing key)
   */
  readonly routingKey?: string;
  /**
   * The virtual host of both ends.
   * @default - the queue's `vhost`
   */
  readonly vhost?: string;
}

/**
 * Options of the RabbitMQ engine: a cluster of RabbitMQ 4.x nodes (StatefulSet) that form through
 * the Kubernetes peer discovery plugin, with quorum queues and the broker's topology (virtual
 * hosts, exchanges, queues, bindings, dead-letter policies) imported from definitions at boot.
 *
 * Each declared topic becomes a durable topic exchange named after it; each consumer group of a
 * topic becomes a quorum queue `<topic>.<group>` bound to it with `#`, whose rejected (or
 * redelivered more than `deliveryLimit` times) and expired messages are dead-lettered through the
 * direct exchange `<topic>.dlx` to the quorum queue `<topic>.<group>.dlq`. Messages older than the
 * topic's retention expire (policy `message-ttl`), from the group queue into its dead-letter queue
 * and from there for good.
 *
 * Three Secrets in the queue's namespace are managed outside these manifests: the Erlang cookie
 * the nodes share (`erlangCookieSecretName`), and the administrator's and the applications'
 * credentials (`adminSecretName`, `clientSecretName`), which the nodes import as users at boot.
 */
export interface RabbitMqOptions {
  /**
   * RabbitMQ nodes: odd (quorum queues need a majority), at most 7.
   * @default - 1 in development, 3 in production
   */
  readonly nodes?: number;
  /**
   * The RabbitMQ image (the Docker Official Image's management variant), pinned by tag or digest.
   * @default "rabbitmq:4.3.5-management"
   */
  readonly image?: string;
  /**
   * Size of each node's data volume in GiB (a PersistentVolumeClaim in production, an emptyDir
   * limit in development).
   * @default 10
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the nodes' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per node. RabbitMQ's memory alarm is computed from the memory limit (minus
   * 20%, at most 2 GiB, of headroom for the runtime).
   * @default - 500m/2000m CPU and 2048/2048 MiB in production; 100m/1000m and 512/512 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * Free disk space (MiB) below which the nodes block publishers (`disk_free_limit.absolute`).
   * @default - a fifth of the volume, at most 2048
   */
  readonly diskFreeLimitMebibytes?: number;
  /**
   * The virtual host the topics live in, and the one services connect to.
   * @default "/"
   */
  readonly vhost?: string;
  /**
   * More virtual hosts to declare (for `exchanges`, `queues` and `bindings`).
   * @default - none
   */
  readonly vhosts?: string[];
  /**
   * More exchanges to declare.
   * @default - none (only the topics' exchanges)
   */
  readonly exchanges?: RabbitMqExchange[];
  /**
   * More queues to declare.
   * @default - none (only the consumer groups' queues)
   */
  readonly queues?: RabbitMqQueue[];
  /**
   * More bindings to declare.
   * @default - none (only the consumer groups' bindings)
   */
  readonly bindings?: RabbitMqBinding[];
  /**
   * Deliveries of one message to a consumer group's queue before it is dead-lettered (the quorum
   * queues' `delivery-limit` policy: poison-message handling).
   * @default 20
   */
  readonly deliveryLimit?: number;
  /**
   * The Secret (key `cookie`) with the Erlang cookie every node shares: a long random string of
   * letters and digits. Changing it on a running cluster needs a full restart.
   * @default "<queue name>-erlang-cookie"
   */
  readonly erlangCookieSecretName?: string;
  /**
   * The Secret (keys `username` and `password`) with the administrator's credentials: a user with
   * the `administrator` tag and full permissions on every declared virtual host (management UI,
   * `rabbitmqadmin`). The nodes re-import it at every start, so the Secret stays the source of truth.
   * @default "<queue name>-admin"
   */
  readonly adminSecretName?: string;
  /**
   * The Secret (keys `username` and `password`) with the applications' credentials. The nodes
   * import this user (full permissions on every declared virtual host, no management access) from
   * the Secret of this name in the queue's namespace; every service that uses the queue reads the
   * same credentials from a Secret of this name in its own namespace.
   * @default "<queue name>-client"
   */
  readonly clientSecretName?: string;
  /**
   * How long a stopping node may take: with more than one node it first waits until every quorum
   * queue keeps a majority without it (`rabbitmq-upgrade await_online_quorum_plus_one`), then
   * drains its clients (`rabbitmq-upgrade drain`).
   * @default - Duration.hours(1) in production, Duration.minutes(1) in development
   */
  readonly terminationGracePeriod?: Duration;
}
