import type { IMessageQueueEngine } from './engine';
import type { MessageQueue } from './message-queue';
import type { ResolvedTopic } from './topic-internal';
import type { BindingEndpoint, EnvVariable, IWorkload, SecretFiles } from '../architecture/binding';
import type { IConsole } from '../architecture/routable';

/** Env vars and network edges for one consumer of the queue. */
export interface MessageQueueWiring {
  readonly env: EnvVariable[];
  readonly endpoints: BindingEndpoint[];
  /** Secrets mounted as files (credentials such as tokens). */
  readonly secretFiles?: SecretFiles[];
}

/**
 * What an engine deployed. `MessageQueue` calls these when a workload uses the queue itself (a
 * plain connection, e.g. a cache), a topic's producer role, or a topic's consumer role. Every
 * variable an engine hands out starts with `prefix` (the queue's name in upper snake case, e.g.
 * `EVENTS_`), so a service can use several queues; topic variables use `topicPrefix(topic)`
 * (e.g. `EVENTS_ORDERS_`).
 */
export interface DeployedMessageQueue {
  /** The engine's web console (RabbitMQ management), exposable through a Gateway. */
  readonly console?: IConsole;
  /** Connection details (address, credentials) and the edge to the client port(s). */
  connection(consumer: IWorkload): MessageQueueWiring;
  /** What a producer of `topic` needs (connection + `<TOPIC>_TOPIC`, the engine's topic name). */
  producer(topic: ResolvedTopic, consumer: IWorkload): MessageQueueWiring;
  /** What a member of consumer group `group` of `topic` needs (connection + topic + `<TOPIC>_GROUP`). */
  consumer(topic: ResolvedTopic, group: string, consumer: IWorkload): MessageQueueWiring;
}

/** The contract every engine implementation fulfils. */
export interface MessageQueueEngineImpl extends IMessageQueueEngine {
  /** True if topics have partitions (Kafka partitions, RocketMQ queues, Pulsar partitioned topics). */
  readonly partitioned: boolean;
  /**
   * Validates the declared topics against the engine's rules (names, partitions, replication,
   * cleanup policy) and deploys the engine. Consumer groups are known only at synth time:
   * `mq.consumerGroups(topic)` returns them (use it inside `lazy(...)`).
   */
  _deploy(mq: MessageQueue, topics: ResolvedTopic[]): DeployedMessageQueue;
}

export function isMessageQueueEngineImpl(x: IMessageQueueEngine): x is MessageQueueEngineImpl {
  return typeof (x as MessageQueueEngineImpl)._deploy === 'function';
}
