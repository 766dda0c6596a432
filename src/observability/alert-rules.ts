import { Yaml } from 'cdk8s';

/** One Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A rule group. */
export interface AlertRuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

export interface AlertRulesInput {
  /** The platform kinds being scraped ("etcd", "zookeeper", ...): selects the platform groups. */
  readonly platformKinds: string[];
  /** 5xx ratio above which a microservice alerts (0..1). */
  readonly errorRatioThreshold: number;
  /** p95 latency threshold in seconds. */
  readonly latencySeconds: number;
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
 * Alerts for the platform kinds the library scrapes. Only metrics the components export without
 * extra exporters (etcd, ZooKeeper's PrometheusMetricsProvider, rabbitmq_prometheus, Pulsar
 * brokers) are used; nothing is invented for components that need an exporter.
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

/** The default alert rules: golden signals per microservice, availability and health per platform kind. */
export function alertRuleGroups(input: AlertRulesInput): AlertRuleGroup[] {
  const ms = `kind="${MICROSERVICE_KIND}"`;
  const total = `sum by (${BY}) (rate(${HTTP_DURATION}_count{${ms}}[5m]))`;
  const errors = `sum by (${BY}) (rate(${HTTP_DURATION}_count{${ms}, http_response_status_code=~"5.."}[5m]))`;
  const groups: AlertRuleGroup[] = [{
    name: 'microservices',
    rules: [
      rule('ServiceDown', `up{${ms}} == 0`, '5m', 'critical',
        '{{ $labels.job }} instance {{ $labels.pod }} is down',
        'Prometheus cannot scrape {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.job }}) for 5 minutes.'),
      rule('ServiceHighErrorRatio', `${errors} / ${total} > ${input.errorRatioThreshold}`, '10m', 'warning',
        '{{ $labels.job }} fails too many requests',
        `{{ $value | humanizePercentage }} of the HTTP requests of {{ $labels.namespace }}/{{ $labels.job }} fail with 5xx (threshold ${input.errorRatioThreshold}).`),
      rule('ServiceHighLatency',
        `histogram_quantile(0.95, sum by (${BY}, le) (rate(${HTTP_DURATION}_bucket{${ms}}[5m]))) > ${input.latencySeconds}`, '10m', 'warning',
        '{{ $labels.job }} answers slowly',
        `The 95th percentile HTTP latency of {{ $labels.namespace }}/{{ $labels.job }} is {{ $value | humanizeDuration }} (threshold ${input.latencySeconds}s).`),
    ],
  }];
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
  return Yaml.stringify({ groups: alertRuleGroups(input) });
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
  const receivers = [...input.receivers].sort((a, b) => (a.team === undefined ? -1 : b.team === undefined ? 1 : a.name.localeCompare(b.name)));
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
  return Yaml.stringify(config);
}
