/**
 * The seed's five message queues, each in its own architecture with a producer and two consumer
 * groups, and every engine option in use:
 *
 * - `streams`: Kafka (KRaft) with 5 controllers and 4 brokers, replication 3 / min ISR 2,
 *   compacted and time-retained topics;
 * - `work`: RabbitMQ 3-node cluster with quorum queues, extra vhosts, exchanges, queues and
 *   bindings, a delivery limit before dead-lettering;
 * - `orders`: RocketMQ with 3 NameServers and two synchronous master/slave broker groups, each
 *   service its own user with exactly its ACLs;
 * - `tenants`: Pulsar with ZooKeeper, BookKeeper, brokers and proxies, quorum 3/3/2, a tenant
 *   and namespace of its own, a compacted topic;
 * - `realtime`: Redis with Sentinel as a stream queue (AOF) plus a separate LRU cache;
 * - `dev`: the development profile of Kafka and Pulsar (combined node, standalone).
 *
 * Output in dist/messaging/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

function producersAndConsumers(scope: arch.BackendArchitecture, mq: arch.MessageQueue, topic: string): void {
  const context = `${scope.name}-app`;
  const producer = new arch.Microservice(scope, 'publisher', { image: 'ghcr.io/acme/publisher:1.2.0', context });
  const billing = new arch.Microservice(scope, 'billing', { image: 'ghcr.io/acme/billing:4.1.0', context });
  const audit = new arch.Microservice(scope, 'audit', { image: 'ghcr.io/acme/audit:2.0.3', context });
  producer.uses(mq.topic(topic).producer());
  billing.uses(mq.topic(topic).consumer('billing'));
  audit.uses(mq.topic(topic).consumer('audit'));
}

export function build(app: App): void {
  const streams = new arch.BackendArchitecture(app, 'streams', {
    profile: arch.Profile.PRODUCTION,
    lint: {
      suppressions: [
        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },
        { rule: arch.LintRule.UNUSED_COMPONENT, path: 'streams/kafka', reason: 'the compacted customer-profiles topic shows the topic options; its producer and consumers are outside this example' },
      ],
    },
  });
  producersAndConsumers(streams, new arch.MessageQueue(streams, 'kafka', {
    engine: arch.MessageQueueEngine.kafka({
      image: 'apache/kafka:4.3.1',
      controllers: 5,
      brokers: 4,
      clusterId: '4L6g3nShT-eMCtK--X86sw',
      defaultReplicationFactor: 3,
      minInSyncReplicas: 2,
      storageGibibytes: 200,
      controllerStorageGibibytes: 10,
      storageClassName: 'fast-ssd',
      resources: { cpuRequestMillis: 1000, memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 },
      controllerResources: { cpuRequestMillis: 250, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 },
    }),
    topics: [
      { name: 'payments', partitions: 24, replicationFactor: 3, retention: Duration.days(14) },
      { name: 'customer-profiles', partitions: 6, cleanupPolicy: arch.CleanupPolicy.COMPACT },
    ],
  }), 'payments');

  const work = new arch.BackendArchitecture(app, 'work', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  producersAndConsumers(work, new arch.MessageQueue(work, 'rabbitmq', {
    engine: arch.MessageQueueEngine.rabbitmq({
      nodes: 3,
      image: 'rabbitmq:4.3.5-management',
      storageGibibytes: 20,
      storageClassName: 'fast-ssd',
      resources: { cpuRequestMillis: 500, memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
      diskFreeLimitMebibytes: 2048,
      vhost: 'shop',
      vhosts: ['reporting'],
      exchanges: [{ name: 'reports', vhost: 'reporting', type: arch.RabbitMqExchangeType.FANOUT }],
      queues: [
        { name: 'reports.archive', vhost: 'reporting', type: arch.RabbitMqQueueType.QUORUM },
        { name: 'reports.stream', vhost: 'reporting', type: arch.RabbitMqQueueType.STREAM },
      ],
      bindings: [
        { source: 'reports', destination: 'reports.archive', destinationType: arch.RabbitMqBindingDestinationType.QUEUE, vhost: 'reporting' },
        { source: 'reports', destination: 'reports.stream', vhost: 'reporting', routingKey: '#' },
      ],
      deliveryLimit: 5,
      erlangCookieSecretName: 'rabbitmq-cookie',
      adminSecretName: 'rabbitmq-admin',
      clientSecretName: 'rabbitmq-client',
      terminationGracePeriod: Duration.minutes(30),
    }),
    topics: [{ name: 'invoices', retention: Duration.days(3) }],
  }), 'invoices');

  const orders = new arch.BackendArchitecture(app, 'orders', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  producersAndConsumers(orders, new arch.MessageQueue(orders, 'rocketmq', {
    engine: arch.MessageQueueEngine.rocketmq({
      image: 'apache/rocketmq:5.3.3',
      nameServers: 3,
      brokerGroups: 2,
      replicasPerGroup: 2,
      // three controllers elect a slave of the group when its master is lost (the default with slaves)
      failover: arch.RocketMqFailover.CONTROLLER,
      controllers: 3,
      controllerResources: { cpuRequestMillis: 100, memoryRequestMebibytes: 512, memoryLimitMebibytes: 512 },
      replication: arch.RocketMqReplication.SYNC,
      flushDiskType: arch.RocketMqFlushDiskType.ASYNC_FLUSH,
      deleteHour: 4,
      storageGibibytes: 100,
      storageClassName: 'fast-ssd',
      brokerResources: { cpuRequestMillis: 1000, memoryRequestMebibytes: 4096, memoryLimitMebibytes: 4096 },
      nameServerResources: { cpuRequestMillis: 250, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 },
    }),
    // replicationFactor 2: a send is acknowledged only with both brokers of its group in sync; a
    // group whose slave fell out refuses sends and the producer retries the other group
    topics: [{ name: 'order-events', partitions: 8, replicationFactor: 2, retention: Duration.days(3) }],
  }), 'order-events');

  const tenants = new arch.BackendArchitecture(app, 'tenants', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

        { rule: arch.LintRule.UNUSED_COMPONENT, path: 'tenants/pulsar', reason: 'the prices topic shows the topic options; its producer and consumers are outside this example' },

      ],
    },

  });
  producersAndConsumers(tenants, new arch.MessageQueue(tenants, 'pulsar', {
    engine: arch.MessageQueueEngine.pulsar({
      image: 'apachepulsar/pulsar:4.0.12',
      clusterName: 'eu-west',
      tenant: 'retail',
      namespace: 'checkout',
      ensembleSize: 3,
      writeQuorum: 3,
      ackQuorum: 2,
      compactionThresholdMebibytes: 50,
      storageClassName: 'fast-ssd',
      zookeeper: { members: 3, storageGibibytes: 10, resources: { memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 } },
      bookkeeper: { bookies: 4, storageGibibytes: 100, resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 } },
      brokers: { replicas: 3, resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 } },
      proxies: { replicas: 2, resources: { memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 } },
    }),
    topics: [
      { name: 'carts', partitions: 6, replicationFactor: 3, retention: Duration.days(2) },
      { name: 'prices', cleanupPolicy: arch.CleanupPolicy.COMPACT },
    ],
  }), 'carts');

  const realtime = new arch.BackendArchitecture(app, 'realtime', {
    profile: arch.Profile.PRODUCTION,

    lint: {

      suppressions: [

        { rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'each example shows one concern; a real architecture adds an ObservabilityStack with Metrics.prometheus() (see observability.ts)' },

      ],
    },

  });
  producersAndConsumers(realtime, new arch.MessageQueue(realtime, 'redis', {
    engine: arch.MessageQueueEngine.redis({
      image: 'redis:8.10.1',
      replicas: 3,
      sentinels: 3,
      sentinelQuorum: 2,
      masterName: 'realtime',
      sentinelDownAfter: Duration.seconds(20),
      persistence: arch.RedisPersistence.AOF,
      maxmemoryMebibytes: 1024,
      maxmemoryPolicy: arch.RedisMaxmemoryPolicy.NOEVICTION,
      minReplicasToWrite: 1,
      streamMaxLength: 1_000_000,
      createConsumerGroups: true,
      authSecretName: 'redis-auth',
      clientSecretName: 'redis-client',
      storageGibibytes: 20,
      storageClassName: 'fast-ssd',
      resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 },
      sentinelResources: { memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 },
    }),
    topics: [{ name: 'clicks', retention: Duration.hours(6) }],
  }), 'clicks');
  const sessions = new arch.MessageQueue(realtime, 'sessions', {
    // a replicated cache keeps RDB snapshots (persistence NONE with replicas is refused)
    engine: arch.MessageQueueEngine.redis({ persistence: arch.RedisPersistence.RDB, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.ALLKEYS_LRU }),
  });
  new arch.Microservice(realtime, 'web', { image: 'ghcr.io/acme/web:7.0.0', context: 'realtime-app' }).uses(sessions);

  const dev = new arch.BackendArchitecture(app, 'dev', {
    profile: arch.Profile.DEVELOPMENT,

    lint: {

      suppressions: [

        { rule: arch.LintRule.TOPIC_WITHOUT_CONSUMER, path: 'dev/kafka', reason: 'the development sandbox shows the producer side only; the consumers run in other teams\' sandboxes' },

        { rule: arch.LintRule.TOPIC_WITHOUT_PRODUCER, path: 'dev/pulsar', reason: 'the development sandbox shows the consumer side only; the carts producer runs in another team\'s sandbox' },

      ],
    },

  });
  const devKafka = new arch.MessageQueue(dev, 'kafka', { namespace: 'dev-kafka', engine: arch.MessageQueueEngine.kafka(), topics: [{ name: 'payments' }] });
  const devPulsar = new arch.MessageQueue(dev, 'pulsar', {
    namespace: 'dev-pulsar',
    engine: arch.MessageQueueEngine.pulsar({
      standalone: { storageGibibytes: 5, resources: { memoryRequestMebibytes: 2048, memoryLimitMebibytes: 2048 } },
    }),
    topics: [{ name: 'carts' }],
  });
  // a pure in-memory cache: one Redis pod, nothing on disk
  const devCache = new arch.MessageQueue(dev, 'cache', {
    namespace: 'dev-cache',
    engine: arch.MessageQueueEngine.redis({ persistence: arch.RedisPersistence.NONE, maxmemoryPolicy: arch.RedisMaxmemoryPolicy.ALLKEYS_LRU }),
  });
  const app1 = new arch.Microservice(dev, 'app', { image: 'ghcr.io/acme/app:0.1.0', context: 'dev-app' });
  app1.uses(devCache);
  app1.uses(devKafka.topic('payments').producer());
  app1.uses(devPulsar.topic('carts').consumer('app'));
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/messaging' });
  build(app);
  app.synth();
}
