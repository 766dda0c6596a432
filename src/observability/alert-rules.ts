import { stringifyYaml } from '../internal/component-chart';
import { compareStrings } from '../internal/names';

/** One Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** One Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** A rule group. */
export interface AlertRuleGroup {
  readonly name: string;
  readonly rules: Array<AlertRule | RecordingRule>;
}

/** A microservice whose RED (rate, errors, duration) metrics the rules watch. */
export interface RedService {
  readonly namespace: string;
  /** The `job` label: the service name. */
  readonly job: string;
  readonly team?: string;
  /** gRPC (rpc_server_duration) rather than HTTP (http_server_request_duration). */
  readonly rpc: boolean;
}

export interface AlertRulesInput {
  /** The platform kinds being scraped ("etcd", "zookeeper", ...): selects the platform groups. */
  readonly platformKinds: string[];
  /** 5xx ratio above which a microservice alerts (0..1). */
  readonly errorRatioThreshold: number;
  /** p95 latency threshold in seconds. */
  readonly latencySeconds: number;
  /** The microservices (each gets its RED alerts). */
  readonly services: RedService[];
  /** Whether microservices are scraped (the ServiceDown rule on `up`). */
  readonly scrapedServices: boolean;
}

/** The `kind` label of microservice targets. */
export const MICROSERVICE_KIND = 'microservice';

// OpenTelemetry HTTP semantic conventions (stable): the histogram `http.server.request.duration`
// (seconds) with `http.response.status_code`, as Prometheus names them.
const HTTP_DURATION = 'http_server_request_duration_seconds';
const BY = 'namespace, job, team';

function rule(alert: string, expr: string, forDuration: string, severity: string, summary: string, description: string): AlertRule {
  return { alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } };
}

/**
 * Alerts for the platform kinds the library scrapes: metrics the components export themselves
 * (etcd, ZooKeeper's PrometheusMetricsProvider, rabbitmq_prometheus, Pulsar brokers, RocketMQ
 * brokers and controllers, the collector, Fluent Bit) or through the exporters the library deploys (redis_exporter, kafka_exporter,
 * elasticsearch_exporter, json_exporter for Filebeat); nothing
 * is invented for components nobody scrapes.
 */
const PLATFORM_RULES: Record<string, AlertRule[]> = {
  'etcd': [
    rule('EtcdNoLeader', 'etcd_server_has_leader{kind="etcd"} == 0', '1m', 'critical',
      'etcd member {{ $labels.pod }} has no leader',
      'etcd member {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} has no leader: the cluster lost its quorum or the member is partitioned.'),
    rule('EtcdFrequentLeaderChanges', 'increase(etcd_server_leader_changes_seen_total{kind="etcd"}[1h]) > 3', '5m', 'warning',
      'etcd {{ $labels.namespace }}/{{ $labels.job }} changes leaders often',
      'etcd member {{ $labels.pod }} saw {{ $value }} leader changes in the last hour (slow disks or network).'),
  ],
  // Consul server agents' /v1/agent/metrics (consul_server_isLeader: every server, every reporting
  // interval; consul_autopilot_*: set by the leader only, NaN on the others, which min/max skip)
  'consul': [
    rule('ConsulNoLeader', 'max by (namespace, job) (consul_server_isLeader{kind="consul"}) == 0', '1m', 'critical',
      'Consul {{ $labels.namespace }}/{{ $labels.job }} has no leader',
      'No server of Consul {{ $labels.namespace }}/{{ $labels.job }} is the leader: the cluster lost its quorum; registrations, health updates and ACL changes fail.'),
    rule('ConsulServerUnhealthy', 'min by (namespace, job) (consul_autopilot_healthy{kind="consul"}) == 0', '10m', 'warning',
      'Consul {{ $labels.namespace }}/{{ $labels.job }} has an unhealthy server',
      'Autopilot of Consul {{ $labels.namespace }}/{{ $labels.job }} reports a server unhealthy (failed, lagging behind the leader or not yet stable) for 10 minutes.'),
    rule('ConsulNoFailureTolerance',
      'max by (namespace, job) (consul_autopilot_failure_tolerance{kind="consul"}) < 1'
      + ' and on (namespace, job) count by (namespace, job) (consul_server_isLeader{kind="consul"}) > 1', '15m', 'warning',
      'Consul {{ $labels.namespace }}/{{ $labels.job }} cannot lose another server',
      'Consul {{ $labels.namespace }}/{{ $labels.job }} has no failure tolerance left for 15 minutes: one more server lost and it loses its quorum.'),
  ],
  'zookeeper': [
    rule('ZooKeeperOutstandingRequests', 'outstanding_requests{kind="zookeeper"} > 10', '5m', 'warning',
      'ZooKeeper server {{ $labels.pod }} queues requests',
      'ZooKeeper server {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} has {{ $value }} outstanding requests.'),
  ],
  'rabbitmq': [
    rule('RabbitMQMemoryAlarm', 'rabbitmq_alarms_memory_used_watermark{kind="rabbitmq"} == 1', '1m', 'critical',
      'RabbitMQ node {{ $labels.pod }} blocks publishers (memory alarm)',
      'RabbitMQ node {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} reached its memory high watermark.'),
    rule('RabbitMQDiskAlarm', 'rabbitmq_alarms_free_disk_space_watermark{kind="rabbitmq"} == 1', '1m', 'critical',
      'RabbitMQ node {{ $labels.pod }} blocks publishers (disk alarm)',
      'RabbitMQ node {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} is below its free disk space limit.'),
    rule('RabbitMQUnroutableMessages',
      'sum by (namespace, job) (rate(rabbitmq_channel_messages_unroutable_dropped_total{kind="rabbitmq"}[5m])'
      + ' + rate(rabbitmq_channel_messages_unroutable_returned_total{kind="rabbitmq"}[5m])) > 0', '10m', 'warning',
      'RabbitMQ {{ $labels.namespace }}/{{ $labels.job }} receives unroutable messages',
      'Publishers send messages that no binding routes ({{ $value }}/s): a missing queue or binding.'),
    rule('RabbitMQQueueGrowing',
      'sum by (namespace, job) (rabbitmq_queue_messages_ready{kind="rabbitmq"}) > 10000'
      + ' and sum by (namespace, job) (deriv(rabbitmq_queue_messages_ready{kind="rabbitmq"}[15m])) > 0', '15m', 'warning',
      'RabbitMQ {{ $labels.namespace }}/{{ $labels.job }} queues keep growing',
      '{{ $value }} ready messages and growing: consumers do not keep up.'),
  ],
  // redis_exporter (oliver006/redis_exporter) next to each Redis pod
  'redis': [
    rule('RedisDown', 'redis_up{kind="redis"} == 0', '2m', 'critical',
      'Redis {{ $labels.pod }} does not answer its exporter',
      'The exporter next to Redis {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} cannot reach it.'),
    rule('RedisMemoryNearMaxmemory',
      'redis_memory_used_bytes{kind="redis"} / (redis_memory_max_bytes{kind="redis"} > 0) > 0.9', '10m', 'warning',
      'Redis {{ $labels.pod }} is close to maxmemory',
      'Redis {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} uses {{ $value | humanizePercentage }} of maxmemory: it evicts keys or, with noeviction, refuses writes.'),
    rule('RedisEvictingKeys', 'rate(redis_evicted_keys_total{kind="redis"}[5m]) > 0', '15m', 'warning',
      'Redis {{ $labels.pod }} evicts keys',
      'Redis {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} evicts {{ $value }} keys/s: maxmemory is too small for the data set (expected only for a cache).'),
    rule('RedisReplicaLinkDown', 'redis_master_link_up{kind="redis"} == 0', '5m', 'critical',
      'Redis replica {{ $labels.pod }} lost its primary',
      'Redis replica {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} has no link to its primary for 5 minutes.'),
  ],
  // the OpenTelemetry Collector's own telemetry (service.telemetry.metrics, docs/monitoring.md)
  'otel-collector': [
    rule('OtelCollectorExportFailing',
      'sum by (namespace, job, pod, exporter) (rate(otelcol_exporter_send_failed_spans_total{kind="otel-collector"}[5m])) > 0', '10m', 'warning',
      'Collector {{ $labels.pod }} fails to deliver spans',
      'Collector {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails to send spans through {{ $labels.exporter }} ({{ $value }}/s): the traces backend is down or refuses them; the sending queue holds them until it is full.'),
    rule('OtelCollectorQueueNearlyFull',
      'max by (namespace, job, pod, exporter) (otelcol_exporter_queue_size{kind="otel-collector"} / otelcol_exporter_queue_capacity{kind="otel-collector"}) > 0.8', '5m', 'warning',
      'Collector {{ $labels.pod }} queue is nearly full',
      'The sending queue of {{ $labels.exporter }} on collector {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} is {{ $value | humanizePercentage }} full: when it is full, new data is dropped.'),
    rule('OtelCollectorDroppingData',
      'sum by (namespace, job, pod) (rate(otelcol_exporter_enqueue_failed_spans_total{kind="otel-collector"}[5m])) > 0'
      + ' or sum by (namespace, job, pod) (rate(otelcol_exporter_enqueue_failed_metric_points_total{kind="otel-collector"}[5m])) > 0', '5m', 'critical',
      'Collector {{ $labels.pod }} drops telemetry',
      'Collector {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} drops data its full sending queue cannot take ({{ $value }}/s).'),
    rule('OtelCollectorRefusingData',
      'sum by (namespace, job, pod) (rate(otelcol_receiver_refused_spans_total{kind="otel-collector"}[5m])) > 0'
      + ' or sum by (namespace, job, pod) (rate(otelcol_receiver_refused_metric_points_total{kind="otel-collector"}[5m])) > 0', '5m', 'warning',
      'Collector {{ $labels.pod }} refuses telemetry',
      'Collector {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} refuses incoming data ({{ $value }}/s), usually because memory_limiter is over its limit: the senders retry or drop it.'),
  ],
  // Fluent Bit's own Prometheus endpoint (/api/v1/metrics/prometheus); `name` is the plugin instance
  'fluent-bit': [
    rule('FluentBitDroppingRecords',
      'sum by (namespace, job, pod, name) (rate(fluentbit_output_retries_failed_total{kind="fluent-bit"}[5m])) > 0', '5m', 'critical',
      'Fluent Bit {{ $labels.pod }} drops log records',
      'Fluent Bit {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} gives up on chunks of output {{ $labels.name }} after its retry limit ({{ $value }}/s): their records are lost.'),
    rule('FluentBitOutputErrors',
      'sum by (namespace, job, pod, name) (rate(fluentbit_output_errors_total{kind="fluent-bit"}[5m])) > 0', '15m', 'warning',
      'Fluent Bit {{ $labels.pod }} cannot write to {{ $labels.name }}',
      'Output {{ $labels.name }} of Fluent Bit {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails ({{ $value }} errors/s) for 15 minutes: records are retried and pile up in its buffer.'),
  ],
  // Filebeat's /stats through the json_exporter sidecar (libbeat's output and pipeline counters)
  'filebeat': [
    rule('FilebeatDroppingEvents',
      'sum by (namespace, job, pod) (rate(filebeat_output_events_dropped_total{kind="filebeat"}[5m]) + rate(filebeat_pipeline_events_dropped_total{kind="filebeat"}[5m])) > 0',
      '5m', 'critical',
      'Filebeat {{ $labels.pod }} drops log events',
      'Filebeat {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} gives up on events ({{ $value }}/s): they are lost.'),
    rule('FilebeatOutputErrors',
      'sum by (namespace, job, pod) (rate(filebeat_output_events_failed_total{kind="filebeat"}[5m])) > 0', '15m', 'warning',
      'Filebeat {{ $labels.pod }} cannot write its events',
      'The output of Filebeat {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails ({{ $value }} events/s) for 15 minutes: events are retried and its queue fills.'),
    rule('FilebeatQueueFull',
      'max by (namespace, job, pod) (filebeat_pipeline_queue_filled_ratio{kind="filebeat"}) > 0.9', '10m', 'warning',
      'Filebeat {{ $labels.pod }} has a full queue',
      'The queue of Filebeat {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} is {{ $value | humanizePercentage }} full for 10 minutes: its inputs pause and logs rotated meanwhile may be lost.'),
  ],
  // prometheus-community's elasticsearch_exporter beside the stack's cluster (collector/cluster_health.go,
  // collector/nodes.go: `cluster` is the cluster name, `name` the node's). Elasticsearch stops
  // allocating shards to a node above 85 % disk (low watermark), moves them away above 90 % (high)
  // and makes every index with a shard there read-only above 95 % (flood stage): ingestion stops.
  'elasticsearch': [
    rule('ElasticsearchClusterRed',
      'max by (namespace, job, cluster) (elasticsearch_cluster_health_status{kind="elasticsearch", color="red"}) == 1', '5m', 'critical',
      'Elasticsearch cluster {{ $labels.cluster }} is red',
      'A primary shard of cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) is unassigned for 5 minutes: writes to its index fail and searches miss its data.'),
    rule('ElasticsearchClusterYellow',
      'max by (namespace, job, cluster) (elasticsearch_cluster_health_status{kind="elasticsearch", color="yellow"}) == 1', '30m', 'warning',
      'Elasticsearch cluster {{ $labels.cluster }} is yellow',
      'Replica shards of cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) are unassigned for 30 minutes: one more node lost and data is unavailable.'),
    rule('ElasticsearchNodeMissing',
      'max_over_time(elasticsearch_cluster_health_number_of_nodes{kind="elasticsearch"}[1h]) - elasticsearch_cluster_health_number_of_nodes{kind="elasticsearch"} > 0', '5m', 'critical',
      'Elasticsearch cluster {{ $labels.cluster }} lost a node',
      '{{ $value }} fewer nodes in cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) than in the last hour, for 5 minutes.'),
    rule('ElasticsearchDiskFilling',
      '1 - elasticsearch_filesystem_data_available_bytes{kind="elasticsearch"} / elasticsearch_filesystem_data_size_bytes{kind="elasticsearch"} > 0.8', '15m', 'warning',
      'Elasticsearch node {{ $labels.name }} has {{ $value | humanizePercentage }} of its disk used',
      'The data disk of node {{ $labels.name }} of cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) is {{ $value | humanizePercentage }} full: at 85 % no new shard is allocated to it, at 95 % its indices become read-only and ingestion stops. Shorten the retention or grow the volume.'),
    rule('ElasticsearchDiskAboveHighWatermark',
      '1 - elasticsearch_filesystem_data_available_bytes{kind="elasticsearch"} / elasticsearch_filesystem_data_size_bytes{kind="elasticsearch"} > 0.9', '5m', 'critical',
      'Elasticsearch node {{ $labels.name }} is above the high disk watermark',
      'The data disk of node {{ $labels.name }} of cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) is {{ $value | humanizePercentage }} full: shards move away from it, and at 95 % its indices become read-only.'),
    rule('ElasticsearchHeapTooHigh',
      'elasticsearch_jvm_memory_used_bytes{kind="elasticsearch", area="heap"} / elasticsearch_jvm_memory_max_bytes{kind="elasticsearch", area="heap"} > 0.9', '15m', 'warning',
      'Elasticsearch node {{ $labels.name }} uses {{ $value | humanizePercentage }} of its heap',
      'Node {{ $labels.name }} of cluster {{ $labels.cluster }} ({{ $labels.namespace }}/{{ $labels.job }}) has used over 90 % of its heap for 15 minutes: circuit breakers reject requests and long GC pauses follow.'),
    rule('ElasticsearchExporterCannotReachCluster',
      'elasticsearch_clusterinfo_up{kind="elasticsearch"} == 0', '5m', 'critical',
      'elasticsearch_exporter {{ $labels.pod }} cannot read its cluster',
      'The exporter {{ $labels.namespace }}/{{ $labels.job }} has not read the cluster for 5 minutes (the cluster is down, or the metrics-exporter user is missing): the other Elasticsearch alerts are blind.'),
  ],
  // Nacos's micrometer counters (config/.../monitor/MetricsMonitor.java, persistence/.../DatasourceMetrics.java):
  // `db` counts failed queries of the external database's health check, `configNotify` failed
  // config-change notifications between members
  'nacos': [
    rule('NacosDatabaseErrors',
      'sum by (namespace, job, pod) (rate(nacos_exception_total{kind="nacos", name="db"}[5m])) > 0', '5m', 'critical',
      'Nacos {{ $labels.pod }} cannot use its database',
      'Nacos member {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails to reach its MySQL ({{ $value }} errors/s) for 5 minutes: configuration writes fail and the member turns unhealthy.'),
    rule('NacosConfigNotifyFailing',
      'sum by (namespace, job, pod) (rate(nacos_exception_total{kind="nacos", name="configNotify"}[5m])) > 0', '15m', 'warning',
      'Nacos {{ $labels.pod }} cannot notify the other members',
      'Nacos member {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails to notify the other members of configuration changes ({{ $value }}/s) for 15 minutes: their clients read stale configuration.'),
  ],
  // Fluentd's fluent-plugin-prometheus (prometheus_output_monitor, counters as counters);
  // `plugin_id` is the output's @id. The buffer drops its oldest chunk when full
  // (overflow_action drop_oldest_chunk): a nearly full buffer is records about to be lost.
  'fluentd': [
    rule('FluentdBufferNearlyFull',
      'min by (namespace, job, pod, plugin_id) (fluentd_output_status_buffer_available_space_ratio{kind="fluentd"}) < 10', '5m', 'critical',
      'Fluentd {{ $labels.pod }} is about to drop log records',
      'The buffer of output {{ $labels.plugin_id }} of Fluentd {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} has {{ $value }}% space left: when it is full the oldest chunks are dropped.'),
    rule('FluentdOutputErrors',
      'sum by (namespace, job, pod, plugin_id) (rate(fluentd_output_status_num_errors{kind="fluentd"}[5m])) > 0', '15m', 'warning',
      'Fluentd {{ $labels.pod }} cannot write to {{ $labels.plugin_id }}',
      'Output {{ $labels.plugin_id }} of Fluentd {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.job }} fails ({{ $value }} errors/s) for 15 minutes: chunks are retried and fill its buffer.'),
  ],
  // danielqsj/kafka-exporter beside each Kafka cluster (its metric names: kafka_exporter.go)
  'kafka': [
    rule('KafkaUnderReplicatedPartitions',
      'sum by (namespace, job, topic) (kafka_topic_partition_under_replicated_partition{kind="kafka"}) > 0', '10m', 'critical',
      'Kafka {{ $labels.namespace }}/{{ $labels.job }}: topic {{ $labels.topic }} is under-replicated',
      '{{ $value }} partitions of topic {{ $labels.topic }} have fewer in-sync replicas than replicas for 10 minutes: one more broker lost and writes with acks=all stop (or data is lost).'),
    rule('KafkaBrokerMissing',
      'max_over_time(kafka_brokers{kind="kafka"}[1h]) - kafka_brokers{kind="kafka"} > 0', '5m', 'critical',
      'Kafka {{ $labels.namespace }}/{{ $labels.job }} lost a broker',
      '{{ $value }} fewer brokers in the cluster metadata than in the last hour, for 5 minutes.'),
    rule('KafkaConsumerGroupLagGrowing',
      'sum by (namespace, job, consumergroup, topic) (kafka_consumergroup_lag{kind="kafka"}) > 1000'
      + ' and sum by (namespace, job, consumergroup, topic) (deriv(kafka_consumergroup_lag{kind="kafka"}[15m])) > 0', '15m', 'warning',
      'Kafka consumer group {{ $labels.consumergroup }} falls behind on {{ $labels.topic }}',
      'Consumer group {{ $labels.consumergroup }} of {{ $labels.namespace }}/{{ $labels.job }} is {{ $value }} messages behind on {{ $labels.topic }} and the lag keeps growing: its consumers do not keep up (or are down).'),
  ],
  // RocketMQ 5's own endpoints (OpenTelemetry, metricsExporterType=PROM). A slave reports the same
  // series as its master (same node_id, the group): max by node_id counts a group once.
  'rocketmq-broker': [
    rule('RocketMQConsumerLagGrowing',
      'sum by (namespace, cluster, consumer_group, topic) (max by (namespace, cluster, node_id, consumer_group, topic) (rocketmq_consumer_lag_messages{kind="rocketmq-broker"})) > 1000'
      + ' and sum by (namespace, cluster, consumer_group, topic) (max by (namespace, cluster, node_id, consumer_group, topic)'
      + ' (deriv(rocketmq_consumer_lag_messages{kind="rocketmq-broker"}[15m]))) > 0', '15m', 'warning',
      'RocketMQ consumer group {{ $labels.consumer_group }} falls behind on {{ $labels.topic }}',
      'Consumer group {{ $labels.consumer_group }} of RocketMQ {{ $labels.namespace }}/{{ $labels.cluster }} is {{ $value }} messages behind on {{ $labels.topic }} and the lag keeps growing: its consumers do not keep up (or are down).'),
    rule('RocketMQDeadLetters',
      'sum by (namespace, cluster, consumer_group, topic) (rate(rocketmq_send_to_dlq_messages_total{kind="rocketmq-broker"}[10m])) > 0', '10m', 'warning',
      'RocketMQ consumer group {{ $labels.consumer_group }} sends messages to its dead-letter queue',
      'Messages of {{ $labels.topic }} that consumer group {{ $labels.consumer_group }} of RocketMQ {{ $labels.namespace }}/{{ $labels.cluster }} failed to consume after every retry go to its dead-letter queue (%DLQ%{{ $labels.consumer_group }}), where nothing consumes them, for 10 minutes.'),
    rule('RocketMQRequestQueueBacklog',
      'max by (namespace, job, pod, processor) (rocketmq_processor_watermark{kind="rocketmq-broker"}) > 1000', '5m', 'warning',
      'RocketMQ broker {{ $labels.pod }} queues {{ $labels.processor }} requests',
      '{{ $value }} {{ $labels.processor }} requests wait in the queue of broker {{ $labels.pod }} ({{ $labels.namespace }}/{{ $labels.job }}) for 5 minutes: the broker does not keep up (slow disk, too little CPU).'),
  ],
  // The controllers' own endpoints: `role`, elections and active brokers per group. RocketMQ 5.3.3's
  // `role` is the role's value minus 2 (its RoleChangeHandler starts from FOLLOWER while the gauge
  // starts at 0): the leader reports 1, a follower 0, a candidate -1, as the real controllers of
  // test/tools/rocketmq.test.ts do.
  'rocketmq-controller': [
    rule('RocketMQControllerNoLeader', 'max by (namespace, job) (role{kind="rocketmq-controller"}) < 1', '2m', 'critical',
      'RocketMQ controllers {{ $labels.namespace }}/{{ $labels.job }} have no leader',
      'No controller of {{ $labels.namespace }}/{{ $labels.job }} is the Raft leader: a master lost now would not be replaced (the controllers lost their majority or cannot reach each other).'),
    rule('RocketMQNoMasterElected',
      'sum by (namespace, job, cluster, broker_set) (rate(election_total{kind="rocketmq-controller", election_result="no_master_elected"}[5m])) > 0', '5m', 'critical',
      'RocketMQ broker group {{ $labels.broker_set }} has no master',
      'The controllers of {{ $labels.namespace }}/{{ $labels.job }} keep failing to elect a master for {{ $labels.broker_set }}: no broker of the group that is alive was in sync. The group takes no writes until its last master returns with its volume.'),
    rule('RocketMQBrokerInactive',
      'max by (namespace, job, cluster, broker_set) (max_over_time(active_broker_num{kind="rocketmq-controller"}[1h]))'
      + ' - max by (namespace, job, cluster, broker_set) (active_broker_num{kind="rocketmq-controller"}) > 0', '5m', 'warning',
      'RocketMQ broker group {{ $labels.broker_set }} lost a broker',
      '{{ $value }} fewer brokers of {{ $labels.broker_set }} heartbeat to the controllers of {{ $labels.namespace }}/{{ $labels.job }} than in the last hour, for 5 minutes: one more loss and the group has no broker to elect.'),
  ],
  'pulsar-broker': [
    rule('PulsarBacklogGrowing',
      'sum by (namespace, job) (pulsar_msg_backlog{kind="pulsar-broker"}) > 10000'
      + ' and sum by (namespace, job) (deriv(pulsar_msg_backlog{kind="pulsar-broker"}[15m])) > 0', '15m', 'warning',
      'Pulsar {{ $labels.namespace }}/{{ $labels.job }} backlog keeps growing',
      '{{ $value }} messages in subscriptions\' backlogs and growing: consumers do not keep up.'),
  ],
};

/** The kinds that have rules of their own (besides "target down"). */
export const KINDS_WITH_RULES = Object.keys(PLATFORM_RULES);

// The RED recording rules: one series per service (namespace, job, team) for the request rate,
// the error rate and the 95th percentile duration, from the OpenTelemetry semantic conventions as
// Prometheus names them (the collector's Prometheus exporter and the SDKs' Prometheus exporters
// alike): HTTP `http.server.request.duration` (seconds, `http.response.status_code`) and RPC
// `rpc.server.duration` (milliseconds, `rpc.grpc.status_code`).
const RPC_DURATION = 'rpc_server_duration_milliseconds';
/** gRPC codes that are the server's fault: UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. */
const RPC_SERVER_ERRORS = '2|4|12|13|14|15';

/** The recorded series (`service:<signal>:<window>`), per protocol. */
export const RED_SERIES = {
  http: { rate: 'service:http_requests:rate5m', errors: 'service:http_request_errors:rate5m', p95: 'service:http_request_duration_seconds:p95_5m', raw: `${HTTP_DURATION}_count` },
  rpc: { rate: 'service:rpc_requests:rate5m', errors: 'service:rpc_request_errors:rate5m', p95: 'service:rpc_request_duration_seconds:p95_5m', raw: `${RPC_DURATION}_count` },
};

function redRecordingRules(): RecordingRule[] {
  const ms = `kind="${MICROSERVICE_KIND}"`;
  const rate = (metric: string, extra = '') => `sum by (${BY}) (rate(${metric}{${ms}${extra}}[5m]))`;
  const p95 = (metric: string) => `histogram_quantile(0.95, sum by (${BY}, le) (rate(${metric}_bucket{${ms}}[5m])))`;
  return [
    { record: RED_SERIES.http.rate, expr: rate(`${HTTP_DURATION}_count`) },
    { record: RED_SERIES.http.errors, expr: rate(`${HTTP_DURATION}_count`, ', http_response_status_code=~"5.."') },
    { record: RED_SERIES.http.p95, expr: p95(HTTP_DURATION) },
    { record: RED_SERIES.rpc.rate, expr: rate(`${RPC_DURATION}_count`) },
    { record: RED_SERIES.rpc.errors, expr: rate(`${RPC_DURATION}_count`, `, rpc_grpc_status_code=~"${RPC_SERVER_ERRORS}"`) },
    { record: RED_SERIES.rpc.p95, expr: `${p95(RPC_DURATION)} / 1000` },
  ];
}

/** The alerts of one microservice, on its recorded RED series. */
function serviceRules(svc: RedService, input: AlertRulesInput): AlertRule[] {
  const series = svc.rpc ? RED_SERIES.rpc : RED_SERIES.http;
  const what = svc.rpc ? 'gRPC calls' : 'HTTP requests';
  const failing = svc.rpc ? 'fail with a server-side status (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS)' : 'fail with 5xx';
  const sel = `{namespace="${svc.namespace}", job="${svc.job}"}`;
  // The service's identity as rule labels: absent() keeps only the selector's equality labels
  // (routing needs the team), and promtool reports rules with the same name and labels as
  // duplicates across services.
  const team: Record<string, string> = { namespace: svc.namespace, job: svc.job, ...(svc.team !== undefined ? { team: svc.team } : {}) };
  const r = (alert: string, expr: string, forDuration: string, severity: string, summary: string, description: string): AlertRule => {
    const base = rule(alert, expr, forDuration, severity, summary, description);
    return { ...base, labels: { ...base.labels, ...team } };
  };
  return [
    r('ServiceHighErrorRatio', `${series.errors}${sel} / ${series.rate}${sel} > ${input.errorRatioThreshold}`, '10m', 'warning',
      `${svc.job} fails too many requests`,
      `{{ $value | humanizePercentage }} of the ${what} of ${svc.namespace}/${svc.job} ${failing} (threshold ${input.errorRatioThreshold}).`),
    r('ServiceHighLatency', `${series.p95}${sel} > ${input.latencySeconds}`, '10m', 'warning',
      `${svc.job} answers slowly`,
      `The 95th percentile duration of the ${what} of ${svc.namespace}/${svc.job} is {{ $value | humanizeDuration }} (threshold ${input.latencySeconds}s).`),
    r('ServiceMetricsAbsent', `absent(${series.raw}{kind="${MICROSERVICE_KIND}", namespace="${svc.namespace}", job="${svc.job}"})`, '30m', 'warning',
      `${svc.job} reports no request metrics`,
      `No ${series.raw} series of ${svc.namespace}/${svc.job} for 30 minutes: the service is not instrumented, not scraped or its OTLP export fails, so its error and latency alerts cannot fire.`),
  ];
}

/**
 * The default rules: RED recording rules, per-microservice error, latency and missing-metrics
 * alerts, availability of scraped services, and health per platform kind.
 */
export function alertRuleGroups(input: AlertRulesInput): AlertRuleGroup[] {
  const ms = `kind="${MICROSERVICE_KIND}"`;
  const groups: AlertRuleGroup[] = [];
  if (input.services.length > 0) {
    groups.push({ name: 'red-recording', rules: redRecordingRules() });
    if (input.scrapedServices) {
      groups.push({
        name: 'microservices',
        rules: [rule('ServiceDown', `up{${ms}} == 0`, '5m', 'critical',
          '{{ $labels.job }} instance {{ $labels.pod }} is down',
          'Prometheus cannot scrape {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.job }}) for 5 minutes.')],
      });
    }
    // one group per service: the same alert names with the same rule labels (team, severity)
    // repeat across services, which promtool reports as duplicates within a group
    for (const svc of [...input.services].sort((a, b) => compareStrings(`${a.namespace}/${a.job}`, `${b.namespace}/${b.job}`))) {
      groups.push({ name: `service-${svc.namespace}-${svc.job}`, rules: serviceRules(svc, input) });
    }
  }
  if (input.platformKinds.length > 0) {
    groups.push({
      name: 'platform',
      rules: [
        rule('PlatformTargetDown', `up{kind!="${MICROSERVICE_KIND}", kind!=""} == 0`, '5m', 'critical',
          '{{ $labels.kind }} member {{ $labels.pod }} is down',
          'Prometheus cannot scrape {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.job }}) for 5 minutes.'),
        ...[...new Set(input.platformKinds)].sort().flatMap((k) => PLATFORM_RULES[k] ?? []),
      ],
    });
  }
  return groups;
}

/** The rules file (`promtool check rules` format). */
export function renderAlertRules(input: AlertRulesInput): string {
  return stringifyYaml({ groups: alertRuleGroups(input) });
}

/** A receiver of the Alertmanager configuration. */
export interface AlertmanagerReceiver {
  /** Receiver name: "default" or "team-<team>". */
  readonly name: string;
  /** The team routed here (undefined for the default receiver). */
  readonly team?: string;
  /** File holding the webhook URL (`url_file`); none: the receiver notifies nobody. */
  readonly urlFile?: string;
}

export interface AlertmanagerConfigInput {
  readonly receivers: AlertmanagerReceiver[];
  /** e.g. "4h". */
  readonly repeatInterval: string;
}

/**
 * `alertmanager.yml`: a default receiver and one route per team (`team="<team>"`); webhook URLs
 * are read from mounted Secret keys (`url_file`, Alertmanager >= 0.26) so tokens stay out of the
 * ConfigMap.
 */
export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
  const receivers = [...input.receivers].sort((a, b) => (a.team === undefined ? -1 : b.team === undefined ? 1 : compareStrings(a.name, b.name)));
  const config = {
    route: {
      receiver: 'default',
      group_by: ['alertname', 'namespace', 'job'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: input.repeatInterval,
      routes: receivers.filter((r) => r.team !== undefined).map((r) => ({ receiver: r.name, matchers: [`team="${r.team}"`] })),
    },
    inhibit_rules: [
      // a critical alert silences the warnings of the same job (e.g. down implies slow)
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['namespace', 'job'] },
    ],
    receivers: receivers.map((r) => ({
      name: r.name,
      ...(r.urlFile ? { webhook_configs: [{ url_file: r.urlFile, send_resolved: true }] } : {}),
    })),
  };
  return stringifyYaml(config);
}
