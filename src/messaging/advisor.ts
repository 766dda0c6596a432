import { MessageQueueKind } from './engine';

/** The ordering a workload needs (or an engine provides). */
export enum OrderingScope {
  /** No ordering needed. */
  NONE = 'none',
  /** Messages with the same key stay in order (a partition, a sharding key, a Key_Shared subscription). */
  PER_KEY = 'per-key',
  /** All messages of one queue/stream stay in order, with one active consumer. */
  PER_QUEUE = 'per-queue',
  /** Every message of a topic in one total order (one partition/queue: no parallelism). */
  GLOBAL = 'global',
}

/** Delivery guarantees. */
export enum DeliverySemantics {
  /** A message may be lost, never duplicated. */
  AT_MOST_ONCE = 'at-most-once',
  /** A message is never lost but may be delivered again: consumers must be idempotent. */
  AT_LEAST_ONCE = 'at-least-once',
  /** Effects happen once within the broker (idempotent producers + transactions). */
  EXACTLY_ONCE = 'exactly-once',
}

/** Orders of magnitude of messages per second a single node sustains (rule of thumb, not a benchmark). */
export enum ThroughputClass {
  /** Thousands per second. */
  THOUSANDS = 'thousands',
  /** Tens of thousands per second. */
  TENS_OF_THOUSANDS = 'tens-of-thousands',
  /** Hundreds of thousands per second and more. */
  HUNDREDS_OF_THOUSANDS = 'hundreds-of-thousands',
}

/** How much operational effort a team can afford (or an engine demands). */
export enum OperationalLevel {
  /** One process type, few moving parts. */
  LOW = 'low',
  /** A replicated cluster with its own quorum and tuning. */
  MEDIUM = 'medium',
  /** Several cooperating clusters (e.g. brokers, storage, metadata). */
  HIGH = 'high',
}

/** How well an engine supports a feature. */
export enum Support {
  /** Not supported. */
  NONE = 'none',
  /** Possible with a plugin, a pattern or significant restrictions. */
  LIMITED = 'limited',
  /** Supported by the broker itself. */
  NATIVE = 'native',
}

/** One engine's entry in the seed's comparison, with the evidence behind it. */
export interface MessageQueueProfile {
  /** The engine. */
  readonly kind: MessageQueueKind;
  /** Display name. */
  readonly name: string;
  /** The seed's "HA" dimension: how the engine replicates and fails over. */
  readonly highAvailability: string;
  /** The seed's "throughput" dimension, as an order of magnitude (rule of thumb). */
  readonly throughput: ThroughputClass;
  /** The seed's "feature richness" dimension, in short. */
  readonly features: string;
  /** The seed's "duplicate consumption" dimension: when duplicates happen and what prevents them. */
  readonly duplicateConsumption: string;
  /** The seed's "ordering" dimension. */
  readonly ordering: OrderingScope;
  /** How ordering is obtained. */
  readonly orderingNote: string;
  /** The strongest delivery guarantee the broker offers. */
  readonly delivery: DeliverySemantics;
  /** Delayed or scheduled delivery. */
  readonly delayedMessages: Support;
  /** Transactional messaging. */
  readonly transactions: Support;
  /** Tenants/namespaces/vhosts with their own policies. */
  readonly multiTenancy: Support;
  /** Re-reading past messages (replay from an offset or a time). */
  readonly replay: Support;
  /** Dead-letter handling by the broker. */
  readonly deadLetter: Support;
  /** The operational effort it demands on Kubernetes as deployed by this library. */
  readonly operations: OperationalLevel;
  /** Where these facts come from. */
  readonly sources: string[];
}

/** What a workload needs from a message queue; every field is optional. */
export interface MessagingRequirements {
  /**
   * The ordering the workload relies on.
   * @default OrderingScope.NONE
   */
  readonly ordering?: OrderingScope;
  /**
   * Peak messages per second per node.
   * @default ThroughputClass.THOUSANDS
   */
  readonly throughput?: ThroughputClass;
  /**
   * The delivery guarantee needed.
   * @default DeliverySemantics.AT_LEAST_ONCE
   */
  readonly delivery?: DeliverySemantics;
  /** @default false */
  readonly delayedMessages?: boolean;
  /** @default false */
  readonly transactions?: boolean;
  /** @default false */
  readonly multiTenancy?: boolean;
  /** @default false */
  readonly replay?: boolean;
  /** @default false */
  readonly deadLetter?: boolean;
  /**
   * The operational effort the team can afford.
   * @default OperationalLevel.HIGH (no constraint)
   */
  readonly operationalBudget?: OperationalLevel;
}

/** One engine, ranked for a set of requirements. */
export interface EngineRecommendation {
  /** The engine. */
  readonly kind: MessageQueueKind;
  /** False if a requirement is not met at all. */
  readonly suitable: boolean;
  /** Higher is better (only comparable within one call). */
  readonly score: number;
  /** Why: each requirement met, met with limits, or missed. */
  readonly reasons: string[];
  /** The factory to use, e.g. "MessageQueueEngine.kafka()". */
  readonly factory: string;
}

const THROUGHPUT_RANK: Record<ThroughputClass, number> = {
  [ThroughputClass.THOUSANDS]: 0, [ThroughputClass.TENS_OF_THOUSANDS]: 1, [ThroughputClass.HUNDREDS_OF_THOUSANDS]: 2,
};
const OPS_RANK: Record<OperationalLevel, number> = { [OperationalLevel.LOW]: 0, [OperationalLevel.MEDIUM]: 1, [OperationalLevel.HIGH]: 2 };
const DELIVERY_RANK: Record<DeliverySemantics, number> = {
  [DeliverySemantics.AT_MOST_ONCE]: 0, [DeliverySemantics.AT_LEAST_ONCE]: 1, [DeliverySemantics.EXACTLY_ONCE]: 2,
};
const ORDERING_RANK: Record<OrderingScope, number> = {
  [OrderingScope.NONE]: 0, [OrderingScope.PER_QUEUE]: 1, [OrderingScope.PER_KEY]: 2, [OrderingScope.GLOBAL]: 3,
};

const COMPARISON_SOURCE = 'Huawei Cloud DMS, "Comparing RocketMQ, Kafka, and RabbitMQ" (support.huaweicloud.com/intl/en-us/productdesc-hrm/hrm-pd-005.html, 2025-10-28)';
const THROUGHPUT_NOTE = 'throughput orders of magnitude: widely repeated comparison tables (rule of thumb, not a benchmark)';

/**
 * The seed's comparison of the five systems on high availability, throughput, feature richness,
 * duplicate consumption and ordering, plus the features teams ask about, as typed data with
 * sources. Facts reflect the versions this library deploys (Kafka 4.x KRaft, RabbitMQ 4.x,
 * RocketMQ 5.x, Pulsar 4.0, Redis Streams).
 */
const PROFILES: MessageQueueProfile[] = [
  {
    kind: MessageQueueKind.KAFKA,
    name: 'Apache Kafka',
    highAvailability: 'partition leader + in-sync replicas (replication factor, min.insync.replicas, acks=all); KRaft controller quorum (Raft) for metadata',
    throughput: ThroughputClass.HUNDREDS_OF_THOUSANDS,
    features: 'log retention and compaction, consumer groups, idempotent producers, transactions, Connect/Streams ecosystem; no broker-side delay, priority or routing',
    duplicateConsumption: 'at-least-once by default: a rebalance or retry redelivers uncommitted records; idempotent producers and transactions give exactly-once read-process-write within Kafka, side effects still need idempotent consumers',
    ordering: OrderingScope.PER_KEY,
    orderingNote: 'per partition: records with the same key go to the same partition',
    delivery: DeliverySemantics.EXACTLY_ONCE,
    delayedMessages: Support.NONE,
    transactions: Support.NATIVE,
    multiTenancy: Support.LIMITED,
    replay: Support.NATIVE,
    deadLetter: Support.LIMITED,
    operations: OperationalLevel.MEDIUM,
    sources: ['kafka.apache.org/documentation (design: replication, semantics; KRaft)', 'kafka.apache.org/42/getting-started/upgrade (share groups, KIP-932)', COMPARISON_SOURCE, THROUGHPUT_NOTE],
  },
  {
    kind: MessageQueueKind.RABBITMQ,
    name: 'RabbitMQ',
    highAvailability: 'quorum queues and streams replicated by Raft (a majority must be up); classic queues are not replicated since 4.0; Khepri (Raft) metadata store',
    throughput: ThroughputClass.TENS_OF_THOUSANDS,
    features: 'rich routing (direct, topic, fanout, headers exchanges), dead-letter exchanges, delivery limits, priorities, TTLs, vhosts, AMQP 0-9-1/1.0, MQTT, STOMP, streams',
    duplicateConsumption: 'at-least-once with publisher confirms and manual acks: a consumer that fails before acking gets the message again; no exactly-once, consumers must be idempotent',
    ordering: OrderingScope.PER_QUEUE,
    orderingNote: 'per queue with a single active consumer; competing consumers and requeues break the order',
    delivery: DeliverySemantics.AT_LEAST_ONCE,
    delayedMessages: Support.LIMITED,
    transactions: Support.LIMITED,
    multiTenancy: Support.NATIVE,
    replay: Support.LIMITED,
    deadLetter: Support.NATIVE,
    operations: OperationalLevel.LOW,
    sources: ['rabbitmq.com/docs/quorum-queues', 'rabbitmq.com/docs/dlx', 'rabbitmq.com/docs/streams', 'RabbitMQ 4.0 and 4.3 release notes', COMPARISON_SOURCE, THROUGHPUT_NOTE],
  },
  {
    kind: MessageQueueKind.ROCKETMQ,
    name: 'Apache RocketMQ',
    highAvailability: 'master/slave per broker group (synchronous replication for no loss); automatic failover with DLedger (Raft) or 5.x controller mode; stateless NameServers',
    throughput: ThroughputClass.HUNDREDS_OF_THOUSANDS,
    features: 'ordered (FIFO) messages, delayed messages (arbitrary delay with the 5.x timer wheel), transactional (half) messages, tag and SQL92 filters, automatic retry and dead-letter queues, tracing',
    duplicateConsumption: 'at-least-once: retries and rebalances redeliver, so consumers deduplicate on the message key or id',
    ordering: OrderingScope.PER_KEY,
    orderingNote: 'per message queue: a sharding key selects the queue (ordered messages)',
    delivery: DeliverySemantics.AT_LEAST_ONCE,
    delayedMessages: Support.NATIVE,
    transactions: Support.NATIVE,
    multiTenancy: Support.LIMITED,
    replay: Support.NATIVE,
    deadLetter: Support.NATIVE,
    operations: OperationalLevel.MEDIUM,
    sources: ['rocketmq.apache.org/docs (message types: ordered, delay, transaction; consumer retry and %DLQ%)', 'apache/rocketmq-docker rocketmq-k8s-helm broker configuration', COMPARISON_SOURCE, THROUGHPUT_NOTE],
  },
  {
    kind: MessageQueueKind.PULSAR,
    name: 'Apache Pulsar',
    highAvailability: 'stateless brokers over BookKeeper quorum writes (ensemble / write quorum / ack quorum) with ZooKeeper metadata: compute and storage scale and fail separately',
    throughput: ThroughputClass.HUNDREDS_OF_THOUSANDS,
    features: 'tenants and namespaces with policies, exclusive/failover/shared/key-shared subscriptions, delayed delivery, dead-letter and retry topics, transactions, geo-replication, tiered storage, compaction',
    duplicateConsumption: 'at-least-once by default; broker-side deduplication on producer sequence ids plus transactions give effectively-once',
    ordering: OrderingScope.PER_KEY,
    orderingNote: 'per partition, or per key with Key_Shared subscriptions; exclusive/failover subscriptions keep a partition in order',
    delivery: DeliverySemantics.EXACTLY_ONCE,
    delayedMessages: Support.NATIVE,
    transactions: Support.NATIVE,
    multiTenancy: Support.NATIVE,
    replay: Support.NATIVE,
    deadLetter: Support.NATIVE,
    operations: OperationalLevel.HIGH,
    sources: ['pulsar.apache.org/docs (concepts: messaging, multi-tenancy, transactions)', 'Pulsar PIP-22 dead-letter topic (2.2.0)', 'apache/pulsar-helm-chart values.yaml (components, quorums)', THROUGHPUT_NOTE],
  },
  {
    kind: MessageQueueKind.REDIS,
    name: 'Redis (Streams, Pub/Sub)',
    highAvailability: 'asynchronous primary-to-replica replication with Sentinel failover: acknowledged writes can be lost on failover',
    throughput: ThroughputClass.HUNDREDS_OF_THOUSANDS,
    features: 'Streams with consumer groups, pending-entry lists and claiming; Pub/Sub without persistence; the same server as a cache',
    duplicateConsumption: 'Streams consumer groups are at-least-once (XACK, XPENDING/XCLAIM redeliver unacknowledged entries); Pub/Sub is at-most-once (no persistence)',
    ordering: OrderingScope.PER_QUEUE,
    orderingNote: 'per stream; consumers in one group share the entries, so order holds only with one consumer',
    delivery: DeliverySemantics.AT_LEAST_ONCE,
    delayedMessages: Support.LIMITED,
    transactions: Support.NONE,
    multiTenancy: Support.LIMITED,
    replay: Support.NATIVE,
    deadLetter: Support.NONE,
    operations: OperationalLevel.LOW,
    sources: ['redis.io/docs/latest/develop/data-types/streams', 'redis.io/docs/latest/operate/oss_and_stack/management/sentinel', 'redis.io/docs/latest/develop/interact/pubsub', THROUGHPUT_NOTE],
  },
];

const FACTORY: Record<MessageQueueKind, string> = {
  [MessageQueueKind.KAFKA]: 'MessageQueueEngine.kafka()',
  [MessageQueueKind.RABBITMQ]: 'MessageQueueEngine.rabbitmq()',
  [MessageQueueKind.ROCKETMQ]: 'MessageQueueEngine.rocketmq()',
  [MessageQueueKind.PULSAR]: 'MessageQueueEngine.pulsar()',
  [MessageQueueKind.REDIS]: 'MessageQueueEngine.redis()',
};

/**
 * Chooses between the seed's message queues: the comparison as data, a ranked recommendation for
 * a set of requirements, and the comparison table the README shows (generated from the same data).
 */
export class MessageQueueAdvisor {
  /** Every engine's profile, in the seed's order (Redis, RabbitMQ, Kafka, RocketMQ, Pulsar). */
  public static profiles(): MessageQueueProfile[] {
    const order = [MessageQueueKind.REDIS, MessageQueueKind.RABBITMQ, MessageQueueKind.KAFKA, MessageQueueKind.ROCKETMQ, MessageQueueKind.PULSAR];
    return order.map((k) => MessageQueueAdvisor.profile(k));
  }

  /** One engine's profile. */
  public static profile(kind: MessageQueueKind): MessageQueueProfile {
    const p = PROFILES.find((x) => x.kind === kind);
    if (!p) throw new Error(`no profile for message queue kind ${JSON.stringify(kind)}`);
    return { ...p, sources: [...p.sources] };
  }

  /**
   * Ranks the engines for `requirements`: a requirement an engine cannot meet makes it unsuitable
   * (it is listed after the suitable ones, with the reason); native support scores 2, limited
   * support 1 with the limit stated; an engine demanding more operational effort than the budget
   * loses points. Ties keep the seed's order.
   */
  public static recommend(requirements: MessagingRequirements = {}): EngineRecommendation[] {
    const ranked = MessageQueueAdvisor.profiles().map((p, index) => ({ index, rec: score(p, requirements) }));
    ranked.sort((a, b) => Number(b.rec.suitable) - Number(a.rec.suitable) || b.rec.score - a.rec.score || a.index - b.index);
    return ranked.map((r) => r.rec);
  }

  /** The comparison as a Markdown table (the README's, generated from this data). */
  public static comparisonTable(): string {
    const profiles = MessageQueueAdvisor.profiles();
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const row = (label: string, cell: (p: MessageQueueProfile) => string) => `| ${label} | ${profiles.map((p) => esc(cell(p))).join(' | ')} |`;
    return [
      `| | ${profiles.map((p) => p.name).join(' | ')} |`,
      `|---|${profiles.map(() => '---').join('|')}|`,
      row('High availability', (p) => p.highAvailability),
      row('Throughput (per node, rule of thumb)', (p) => p.throughput),
      row('Feature richness', (p) => p.features),
      row('Duplicate consumption', (p) => p.duplicateConsumption),
      row('Ordering', (p) => `${p.ordering}: ${p.orderingNote}`),
      row('Strongest delivery', (p) => p.delivery),
      row('Delayed messages', (p) => p.delayedMessages),
      row('Transactions', (p) => p.transactions),
      row('Multi-tenancy', (p) => p.multiTenancy),
      row('Replay', (p) => p.replay),
      row('Dead letters', (p) => p.deadLetter),
      row('Operational effort', (p) => p.operations),
      row('Sources', (p) => p.sources.join('; ')),
    ].join('\n');
  }

  private constructor() {}
}

function score(p: MessageQueueProfile, r: MessagingRequirements): EngineRecommendation {
  const reasons: string[] = [];
  let points = 0;
  let suitable = true;
  const feature = (wanted: boolean | undefined, support: Support, what: string) => {
    if (!wanted) return;
    if (support === Support.NATIVE) {
      points += 2;
      reasons.push(`${what}: native`);
    } else if (support === Support.LIMITED) {
      points += 1;
      reasons.push(`${what}: limited (plugin, pattern or restrictions)`);
    } else {
      suitable = false;
      reasons.push(`${what}: not supported`);
    }
  };

  const ordering = r.ordering ?? OrderingScope.NONE;
  if (ordering === OrderingScope.GLOBAL) {
    points += 1;
    reasons.push('global ordering: only with a single partition/queue and one consumer, which gives up parallelism');
  } else if (ordering !== OrderingScope.NONE) {
    if (ORDERING_RANK[p.ordering] >= ORDERING_RANK[ordering]) {
      points += 2;
      reasons.push(`${ordering} ordering: ${p.orderingNote}`);
    } else {
      points += 1;
      reasons.push(`${ordering} ordering: limited, ${p.orderingNote}`);
    }
  }

  const throughput = r.throughput ?? ThroughputClass.THOUSANDS;
  if (THROUGHPUT_RANK[p.throughput] < THROUGHPUT_RANK[throughput]) {
    suitable = false;
    reasons.push(`throughput: ${p.throughput} per node, below the ${throughput} required`);
  } else if (THROUGHPUT_RANK[throughput] > 0) {
    points += 2;
    reasons.push(`throughput: ${p.throughput} per node (rule of thumb)`);
  }

  const delivery = r.delivery ?? DeliverySemantics.AT_LEAST_ONCE;
  if (DELIVERY_RANK[p.delivery] < DELIVERY_RANK[delivery]) {
    suitable = false;
    reasons.push(`delivery: at best ${p.delivery}, ${delivery} required`);
  } else if (delivery === DeliverySemantics.EXACTLY_ONCE) {
    points += 2;
    reasons.push(`delivery: ${p.duplicateConsumption}`);
  }

  feature(r.delayedMessages, p.delayedMessages, 'delayed messages');
  feature(r.transactions, p.transactions, 'transactions');
  feature(r.multiTenancy, p.multiTenancy, 'multi-tenancy');
  feature(r.replay, p.replay, 'replay');
  feature(r.deadLetter, p.deadLetter, 'dead letters');

  const budget = r.operationalBudget ?? OperationalLevel.HIGH;
  const over = OPS_RANK[p.operations] - OPS_RANK[budget];
  if (over > 0) {
    points -= 2 * over;
    reasons.push(`operations: needs ${p.operations} effort, more than the ${budget} budget`);
  } else {
    points += 1;
    reasons.push(`operations: ${p.operations} effort, within the ${budget} budget`);
  }
  return { kind: p.kind, suitable, score: points, reasons, factory: FACTORY[p.kind] };
}
