import { IMessageQueueEngine } from './engine';
import { KafkaEngine } from './kafka';
import { KafkaOptions } from './kafka-options';
import { PulsarEngine } from './pulsar';
import { PulsarOptions } from './pulsar-options';
import { RabbitMqEngine } from './rabbitmq';
import { RabbitMqOptions } from './rabbitmq-options';
import { RedisEngine } from './redis';
import { RedisOptions } from './redis-options';
import { RocketMqEngine } from './rocketmq';
import { RocketMqOptions } from './rocketmq-options';

/** Factories for the message-queue engines. */
export class MessageQueueEngine {
  /**
   * Apache Kafka 4.x in KRaft mode (no ZooKeeper): one combined node in development; dedicated
   * controllers (a Raft quorum) and brokers in production. Declared topics are created by a Job;
   * services get `<PREFIX>BOOTSTRAP_SERVERS` (`host:9092,...`, one entry per broker).
   */
  public static kafka(options: KafkaOptions = {}): IMessageQueueEngine {
    return new KafkaEngine(options);
  }

  /**
   * RabbitMQ 4.x: a cluster of nodes (1 in development, 3 in production) formed by the Kubernetes
   * peer discovery plugin, with the topology imported from definitions at boot. Each topic is a
   * durable topic exchange; each consumer group a quorum queue `<topic>.<group>` bound with `#`,
   * dead-lettered to `<topic>.<group>.dlq` after `deliveryLimit` deliveries. Services get
   * `<PREFIX>ADDRESS` (`amqp://host:5672/<vhost>`), `<PREFIX>USERNAME`/`PASSWORD` from a Secret,
   * and the exchange (`<TOPIC>_EXCHANGE`) or queue (`<TOPIC>_QUEUE`) of their role.
   */
  public static rabbitmq(options: RabbitMqOptions = {}): IMessageQueueEngine {
    return new RabbitMqEngine(options);
  }

  /**
   * Apache Pulsar 4.0 LTS: one `pulsar standalone` member in development; in production a
   * ZooKeeper ensemble, BookKeeper bookies, brokers and proxies, initialized by two one-shot Jobs.
   * Topics are `persistent://<tenant>/<namespace>/<topic>` (partitioned when they have more than
   * one partition), created with a durable subscription per consumer group by a Job. Services get
   * `<PREFIX>ADDRESS` and `<PREFIX>SERVICE_URL` (`pulsar://<proxy>:6650`), `<TOPIC>_TOPIC`, and as
   * consumers `<TOPIC>_GROUP` and `<TOPIC>_SUBSCRIPTION`.
   */
  public static pulsar(options: PulsarOptions = {}): IMessageQueueEngine {
    return new PulsarEngine(options);
  }

  /**
   * Redis: one instance in development; in production a primary with replicas (3 pods) and 3
   * Sentinels that fail over to a replica when the primary is down. Topics are Redis Streams (the
   * stream key is the topic's name, each consumer group a stream consumer group, created by a Job
   * and idempotently by clients with `XGROUP CREATE <stream> <group> $ MKSTREAM`); Pub/Sub works
   * over the same connection without persistence. Services get `<PREFIX>ADDRESS` (`host:6379`, the
   * client Service), `<PREFIX>PASSWORD` from a Secret and, in production, `<PREFIX>SENTINELS` and
   * `<PREFIX>MASTER_NAME`: writers there need a Sentinel-aware client, since the client Service
   * also reaches the read-only replicas. Topic roles add `<TOPIC>_TOPIC` (the stream key),
   * `<TOPIC>_RETENTION_MS` (producers trim with `XADD ... MINID`), and `<TOPIC>_GROUP`.
   */
  public static redis(options: RedisOptions = {}): IMessageQueueEngine {
    return new RedisEngine(options);
  }

  /**
   * Apache RocketMQ 5.x: NameServers (1 in development, 2 in production) and broker groups (one
   * master in development; in production 2 groups of two brokers whose master three controllers
   * elect, RocketMQ 5's controller mode, `failover`), ACL 2.0 on every broker, metrics from the
   * brokers' and controllers' own endpoint. Declared topics (`partitions` queues per group),
   * consumer groups, and each service's user and ACLs are created by a Job with mqadmin. Services
   * get `<PREFIX>ADDRESS` and `<PREFIX>NAMESRV_ADDR` (`host:9876;host:9876`), `<PREFIX>USERNAME`
   * and `<PREFIX>PASSWORD`, `<TOPIC>_TOPIC`, and as consumers `<TOPIC>_GROUP`.
   */
  public static rocketmq(options: RocketMqOptions = {}): IMessageQueueEngine {
    return new RocketMqEngine(options);
  }

  private constructor() {}
}
