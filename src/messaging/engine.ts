/** The message-queue software. */
export enum MessageQueueKind {
  /** Redis (primary, replicas and Sentinel): Streams, Pub/Sub, and caching. */
  REDIS = 'redis',
  /** RabbitMQ: AMQP 0-9-1 broker with quorum queues. */
  RABBITMQ = 'rabbitmq',
  /** Apache Kafka in KRaft mode. */
  KAFKA = 'kafka',
  /** Apache RocketMQ: NameServer and brokers. */
  ROCKETMQ = 'rocketmq',
  /** Apache Pulsar: brokers on BookKeeper, with ZooKeeper metadata. */
  PULSAR = 'pulsar',
}

/** A message-queue engine, chosen with the static factories of {@link MessageQueueEngine}. */
export interface IMessageQueueEngine {
  /** Which software this engine deploys. */
  readonly kind: MessageQueueKind;
}
