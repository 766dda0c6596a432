import { Duration } from 'cdk8s';
import type { MessageQueue } from './message-queue';
import { IBindable } from '../architecture/binding';

/** What happens to old messages of a topic. */
export enum CleanupPolicy {
  /** Delete messages older than the retention (or beyond the size limit). */
  DELETE = 'delete',
  /** Keep the latest message per key (Kafka log compaction; engines without it reject this). */
  COMPACT = 'compact',
}

/** A topic (or queue, stream) declared on a message queue. */
export interface TopicOptions {
  /** The topic's name; each engine checks it against its own naming rules. */
  readonly name: string;
  /**
   * Partitions (Kafka, Pulsar partitioned topics), queues (RocketMQ): the unit of ordering and
   * parallelism. Engines without partitions (Redis, RabbitMQ) accept only 1.
   * @default - 1 in development; 3 in production on engines with partitions, otherwise 1
   */
  readonly partitions?: number;
  /**
   * Copies of each message on different brokers (Kafka replication factor, Pulsar write quorum,
   * RocketMQ broker replicas).
   * @default - min(3, brokers)
   */
  readonly replicationFactor?: number;
  /**
   * How long messages are kept.
   * @default Duration.days(7)
   */
  readonly retention?: Duration;
  /**
   * What happens to old messages.
   * @default CleanupPolicy.DELETE
   */
  readonly cleanupPolicy?: CleanupPolicy;
}

/**
 * A topic declared on a {@link MessageQueue}. A service produces to it with
 * `svc.uses(topic.producer())` and consumes from it, as member of a consumer group, with
 * `svc.uses(topic.consumer('group'))`.
 */
export class Topic {
  /** @internal */
  constructor(
    /** The message queue it belongs to. */
    public readonly queue: MessageQueue,
    /** The topic's name. */
    public readonly name: string,
  ) {}

  /** The role of a service that publishes to this topic. */
  public producer(): IBindable {
    return this.queue._role(this.name);
  }

  /**
   * The role of a service that consumes this topic as a member of `group` (Kafka consumer group,
   * RabbitMQ queue, Redis Streams consumer group, RocketMQ consumer group, Pulsar subscription).
   * Instances of one group share the messages; each group gets every message.
   */
  public consumer(group: string): IBindable {
    return this.queue._role(this.name, group);
  }
}
