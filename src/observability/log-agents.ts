import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LoggingKind } from './pillars';
import { LogSeverity, Severities } from './severity';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort, SecretKeyReference } from '../architecture/binding';
import { WorkloadController } from '../architecture/extension';
import { DOMAIN, recommendedLabels, selectorLabels, ANNOTATION_EXTERNAL_SECRETS } from '../internal/labels';
import { compareStrings, objectName } from '../internal/names';
import { WorkloadNetworkPolicy } from '../internal/network';
import { restrictedContainerSecurityContext, toKubeResources } from '../internal/pod';
import { ResolvedResources } from '../internal/profile-defaults';
import { scrapeAnnotations } from '../internal/stateful-cluster';
import { registerWorkload } from '../internal/workload-registration';

const k8s = kplus.k8s;

/** Pod annotation every agent honours: "false" drops the pod's logs (set for services that opt out). */
export const ANNOTATION_LOGS = `${DOMAIN}/logs`;
/** Fluent Bit's own exclusion annotation (its kubernetes filter with `K8S-Logging.Exclude On`). */
export const ANNOTATION_FLUENT_BIT_EXCLUDE = 'fluentbit.io/exclude';

export const FLUENT_BIT_DEFAULT_IMAGE = 'cr.fluentbit.io/fluent/fluent-bit:5.1.1';
export const FLUENTD_DEFAULT_IMAGE = 'fluent/fluentd-kubernetes-daemonset:v1.19.3-debian-elasticsearch9-1.0';
export const FILEBEAT_DEFAULT_IMAGE = 'docker.elastic.co/beats/filebeat:9.5.2';

export const LOGSTASH_BEATS_PORT = 5044;
export const LOGSTASH_HTTP_PORT = 8080;

/** Where the agent's position database lives on the node (hostPath, see {@link deployLogAgent}). */
export function agentStateDir(stackName: string, kind: LoggingKind): string {
  return `/var/lib/${stackName}-${kind}`;
}

// ---------------------------------------------------------------------------------------------
// RFC 5424 severity mapping (one table, generated from Severities, rendered for each agent)

/**
 * Level names (lowercase) -> RFC 5424 code. Generated from `Severities`: each severity's name
 * (`emergency` ... `debug`) and syslog keyword (`emerg`, `crit`, `err`, ...) map to its code; the
 * library level names (`fatal`, `error`, `warn`, `info`, `debug`) map to the least severe
 * severity that uses them (`fatal` -> crit, `info` -> info); plus `trace` (debug) and the
 * deprecated syslog keywords `panic` (emerg), `error` and `warn`.
 */
export function severityAliases(): Record<string, number> {
  const table = new Map<string, number>();
  for (const s of Severities.all()) table.set(Severities.info(s).libraryLevel, Severities.code(s));
  table.set('trace', Severities.code(LogSeverity.DEBUG));
  table.set('panic', Severities.code(LogSeverity.EMERGENCY));
  for (const s of Severities.all()) {
    table.set(s, Severities.code(s));
    table.set(Severities.info(s).keyword, Severities.code(s));
  }
  return Object.fromEntries([...table.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

/** RFC 5424 code -> syslog keyword (index = code). */
export function severityKeywords(): string[] {
  return Severities.all().map((s) => Severities.info(s).keyword);
}

/** Where a record's level may be (JSON logs): checked in this order. */
export const LEVEL_FIELDS = ['level', 'severity', 'log.level'];

/**
 * The key every agent puts an application's JSON fields under (Fluent Bit's `Merge_Log_Key`,
 * Fluentd's `hash_value_field`, Filebeat's `decode_json_fields` target). At the top level, the
 * fields of every application would share one mapping per daily index: one application logging
 * `user` as a string and another as an object makes every later document of the day fail. The
 * index template maps this key as `flattened` (one field, no sub-mappings, no conflicts).
 */
export const APP_FIELDS_KEY = 'app';

/**
 * Fluent Bit's bounded retries (its scheduler waits 5 s doubling to 2000 s, about 40 minutes over
 * 8 retries): a chunk Elasticsearch keeps refusing (one bad record fails the whole chunk) is
 * dropped and logged instead of being retried forever while the node's tail input pauses.
 */
export const AGENT_RETRY_LIMIT = 8;

// ---------------------------------------------------------------------------------------------
// Destinations

/** Where the agent sends its records. */
export interface AgentDestination {
  /** Directly to Elasticsearch (user log-writer, password from the agent namespace's Secret), or to Logstash. */
  readonly elasticsearch?: { readonly url: string; readonly user: string; readonly passwordSecret: SecretKeyReference; readonly indexPrefix: string };
  readonly logstash?: { readonly host: string };
}

export interface AgentConfigContext {
  readonly destination: AgentDestination;
  readonly maximumCode: number;
  /** The agents' own namespace: its logs are not collected (no feedback loop). */
  readonly agentNamespace: string;
  readonly stateDir: string;
}

function hostPort(url: string): { host: string; port: number; scheme: string } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), scheme: u.protocol.replace(':', '') };
}

// ---- Fluent Bit (classic config + a Lua filter)

export const FLUENT_BIT_HTTP_PORT = 2020;
/**
 * Fluent Bit's Prometheus endpoint on its HTTP server: per plugin instance (`name`, e.g. `es.0`)
 * `fluentbit_output_errors_total`, `fluentbit_output_retries_failed_total` (chunks given up after
 * `Retry_Limit`: their records are lost), `fluentbit_input_records_total`, ...
 */
export const FLUENT_BIT_METRICS_PATH = '/api/v1/metrics/prometheus';
/** The `kind` label of Fluent Bit's metrics (selects its alert rules). */
export const FLUENT_BIT_KIND = 'fluent-bit';

/** The Lua filter: level -> severity/severity_code, drops opted-out pods and records below the minimum. */
export function fluentBitLua(maximumCode: number): string {
  const aliases = Object.entries(severityAliases()).map(([k, v]) => `  ["${k}"] = ${v},`).join('\n');
  const keywords = severityKeywords().map((k, i) => `  [${i}] = "${k}",`).join('\n');
  return `-- generated by cdk8s-architect from the RFC 5424 table (Severities)
local LEVELS = {
${aliases}
}
local KEYWORDS = {
${keywords}
}
local MAXIMUM_CODE = ${maximumCode}

function severity(tag, timestamp, record)
  local k = record["kubernetes"]
  if type(k) == "table" and type(k["annotations"]) == "table" and k["annotations"]["${ANNOTATION_LOGS}"] == "false" then
    return -1, timestamp, record
  end
  local fields = record["${APP_FIELDS_KEY}"]
  if type(fields) ~= "table" then fields = record end
  local raw = fields["level"]
  if raw == nil then raw = fields["severity"] end
  if raw == nil then raw = fields["log.level"] end
  if raw == nil and type(fields["log"]) == "table" then raw = fields["log"]["level"] end
  if type(raw) ~= "string" then return 0, timestamp, record end
  local code = LEVELS[string.lower(raw)]
  if code == nil then return 0, timestamp, record end
  if code > MAXIMUM_CODE then return -1, timestamp, record end
  record["severity"] = KEYWORDS[code]
  record["severity_code"] = code
  return 1, timestamp, record
end
`;
}

export function fluentBitConfig(ctx: AgentConfigContext): string {
  const d = ctx.destination;
  let output: string;
  if (d.elasticsearch) {
    const { host, port } = hostPort(d.elasticsearch.url);
    output = `[OUTPUT]
    Name es
    Match kube.*
    Host ${host}
    Port ${port}
    HTTP_User ${d.elasticsearch.user}
    HTTP_Passwd \${ELASTICSEARCH_PASSWORD}
    Logstash_Format On
    Logstash_Prefix ${d.elasticsearch.indexPrefix}
    Suppress_Type_Name On
    Replace_Dots On
    Generate_ID On
    Trace_Error On
    Retry_Limit ${AGENT_RETRY_LIMIT}
`;
  } else {
    output = `[OUTPUT]
    Name http
    Match kube.*
    Host ${d.logstash!.host}
    Port ${LOGSTASH_HTTP_PORT}
    URI /
    Format json
    Json_Date_Key @timestamp
    Json_Date_Format iso8601
    Retry_Limit ${AGENT_RETRY_LIMIT}
`;
  }
  return `[SERVICE]
    Daemon Off
    Flush 1
    Log_Level info
    HTTP_Server On
    HTTP_Listen 0.0.0.0
    HTTP_Port ${FLUENT_BIT_HTTP_PORT}
    Health_Check On

[INPUT]
    Name tail
    Tag kube.*
    Path /var/log/containers/*.log
    Exclude_Path /var/log/containers/*_${ctx.agentNamespace}_*.log
    multiline.parser docker, cri
    DB ${ctx.stateDir}/tail.db
    DB.locking true
    Mem_Buf_Limit 16MB
    Skip_Long_Lines On
    Refresh_Interval 10

[FILTER]
    Name kubernetes
    Match kube.*
    Kube_Tag_Prefix kube.var.log.containers.
    Merge_Log On
    Merge_Log_Key ${APP_FIELDS_KEY}
    Keep_Log Off
    K8S-Logging.Parser Off
    K8S-Logging.Exclude On
    Labels On
    Annotations On

[FILTER]
    Name lua
    Match kube.*
    script /fluent-bit/etc/conf/severity.lua
    call severity

${output}`;
}

// ---- Fluentd (DSL; tail + kubernetes_metadata + parser + record_transformer + grep)

export const FLUENTD_MONITOR_PORT = 24220;
/**
 * fluent-plugin-prometheus's endpoint (the `prometheus` input, in the image; its port and path are
 * the image's own prometheus.conf defaults). `prometheus_output_monitor` exports per output
 * (`plugin_id` = the output's `@id`, `type`): `fluentd_output_status_num_errors`,
 * `fluentd_output_status_retry_count`, `fluentd_output_status_buffer_available_space_ratio`
 * (percent), `fluentd_output_status_buffer_queue_length`, `fluentd_output_status_emit_records`, ...
 * Counters are exported as counters (`gauge_all false`), so `rate()` reads them as such.
 */
export const FLUENTD_METRICS_PORT = 24231;
export const FLUENTD_METRICS_PATH = '/metrics';
/** The `kind` label of Fluentd's metrics (selects its alert rules). */
export const FLUENTD_KIND = 'fluentd';

/** A Ruby `case` expression (no braces: record_transformer placeholders end at the first "}"). */
function rubyCodeExpression(): string {
  const byCode = new Map<number, string[]>();
  for (const [name, code] of Object.entries(severityAliases())) byCode.set(code, [...(byCode.get(code) ?? []), name]);
  // the application's JSON fields are under APP_FIELDS_KEY (the parser filter's hash_value_field)
  const f = `(record["${APP_FIELDS_KEY}"].is_a?(Hash) ? record["${APP_FIELDS_KEY}"] : record)`;
  const raw = `(${f}["level"] || ${f}["severity"] || ${f}["log.level"] || (${f}["log"].is_a?(Hash) ? ${f}["log"]["level"] : nil))`;
  const whens = [...byCode.entries()].sort(([a], [b]) => a - b).map(([code, names]) => `when ${names.map((n) => `"${n}"`).join(', ')} then ${code}`).join(' ');
  return `(case ${raw}.to_s.downcase ${whens} else nil end)`;
}

export function fluentdConfig(ctx: AgentConfigContext): string {
  const d = ctx.destination;
  const code = rubyCodeExpression();
  const dropped = Array.from({ length: 7 - ctx.maximumCode }, (_, i) => ctx.maximumCode + 1 + i);
  const buffer = `  <buffer>
    @type file
    path ${ctx.stateDir}/buffer
    flush_interval 5s
    flush_thread_count 2
    chunk_limit_size 8MB
    total_limit_size 512MB
    overflow_action drop_oldest_chunk
    # unavailable store: retry (the buffer is bounded above); a refused record is not retried:
    # out_elasticsearch routes a 4xx item to the error stream, out_http drops a 4xx chunk other than 429
    retry_forever true
    retry_max_interval 30
  </buffer>`;
  let output: string;
  if (d.elasticsearch) {
    const { host, port, scheme } = hostPort(d.elasticsearch.url);
    output = `<match kubernetes.**>
  @type elasticsearch
  @id out_elasticsearch
  host ${host}
  port ${port}
  scheme ${scheme}
  user ${d.elasticsearch.user}
  password "#{ENV['ELASTICSEARCH_PASSWORD']}"
  logstash_format true
  logstash_prefix ${d.elasticsearch.indexPrefix}
  suppress_type_name true
  verify_es_version_at_startup false
  include_tag_key false
  # idempotent writes: the id is generated once per record (filter_genid) and travels with the
  # buffered chunk, so a retried bulk request cannot index a record twice
  id_key _hash
  remove_keys _hash
  write_operation create
${buffer}
</match>`;
  } else {
    output = `<match kubernetes.**>
  @type http
  @id out_logstash
  endpoint http://${d.logstash!.host}:${LOGSTASH_HTTP_PORT}/
  json_array true
  # Logstash answers 429 when its queue is full: retry it (and gateway errors) instead of dropping the chunk
  retryable_response_codes [429, 502, 503, 504]
  <format>
    @type json
  </format>
${buffer}
</match>`;
  }
  return `# generated by cdk8s-architect
<system>
  log_level info
</system>

<source>
  @type monitor_agent
  @id in_monitor_agent
  bind 0.0.0.0
  port ${FLUENTD_MONITOR_PORT}
</source>

# Prometheus metrics (fluent-plugin-prometheus): the endpoint and every output's status
<source>
  @type prometheus
  @id in_prometheus
  bind 0.0.0.0
  port ${FLUENTD_METRICS_PORT}
  metrics_path ${FLUENTD_METRICS_PATH}
</source>

<source>
  @type prometheus_output_monitor
  @id in_prometheus_output_monitor
  gauge_all false
</source>

<source>
  @type tail
  @id in_tail_container_logs
  path /var/log/containers/*.log
  exclude_path ["/var/log/containers/*_${ctx.agentNamespace}_*.log"]
  pos_file ${ctx.stateDir}/containers.log.pos
  tag kubernetes.*
  read_from_head true
  follow_inodes true
  <parse>
    # CRI log lines: <time> <stream> <P|F> <message>
    @type regexp
    expression /^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>[PF]) (?<log>.*)$/
    time_format %Y-%m-%dT%H:%M:%S.%N%:z
  </parse>
</source>

# CRI splits lines longer than 16 KiB into partial records (logtag P) ending with a full one (F):
# join them (fluent-plugin-concat, in the image) before anything parses the message
<filter kubernetes.**>
  @type concat
  @id filter_concat_cri_partials
  key log
  use_partial_cri_logtag true
  partial_cri_logtag_key logtag
  partial_cri_stream_key stream
  separator ""
</filter>

<filter kubernetes.**>
  @type kubernetes_metadata
  @id filter_kubernetes_metadata
  annotation_match ["^${ANNOTATION_LOGS.replace(/[.]/g, '\\.')}$"]
</filter>

<filter kubernetes.**>
  @type grep
  @id filter_opted_out
  <exclude>
    key $['kubernetes']['annotations']['${ANNOTATION_LOGS}']
    pattern /^false$/
  </exclude>
</filter>

<filter kubernetes.**>
  @type parser
  @id filter_json
  key_name log
  reserve_data true
  remove_key_name_field true
  hash_value_field ${APP_FIELDS_KEY}
  emit_invalid_record_to_error false
  <parse>
    @type json
  </parse>
</filter>

# RFC 5424: severity_code (0-7) and severity (syslog keyword), from the Severities table
<filter kubernetes.**>
  @type record_transformer
  @id filter_severity
  enable_ruby true
  <record>
    severity_code \${${code}}
    severity \${c = ${code}; c.nil? ? record["severity"] : %w(${severityKeywords().join(' ')})[c]}
  </record>
</filter>
${dropped.length > 0 ? `
<filter kubernetes.**>
  @type grep
  @id filter_minimum_severity
  <exclude>
    key severity_code
    pattern /^(${dropped.join('|')})$/
  </exclude>
</filter>
` : ''}
# label and annotation keys keep no dots: "app" and "app.kubernetes.io/name" would be a mapping
# conflict (a keyword and an object) in Elasticsearch (fluent-plugin-dedot_filter, in the image)
<filter kubernetes.**>
  @type dedot
  @id filter_dedot
  de_dot true
  de_dot_separator _
  de_dot_nested true
</filter>
${d.elasticsearch ? `
<filter kubernetes.**>
  @type elasticsearch_genid
  @id filter_genid
  hash_id_key _hash
</filter>
` : `
# the event time (the CRI timestamp): out_http's JSON formatter sends only the record (out_http
# has no <inject> section), and Logstash would otherwise stamp the arrival time
<filter kubernetes.**>
  @type record_transformer
  @id filter_event_time
  enable_ruby true
  <record>
    @timestamp \${Time.at(time.to_r).utc.iso8601(9)}
  </record>
</filter>
`}
${output}
`;
}

// ---- Filebeat (YAML; filestream + add_kubernetes_metadata + decode_json_fields + script)

export const FILEBEAT_HTTP_PORT = 5066;
/** Filebeat's logs directory (an emptyDir): only the event-data files are written there. */
export const FILEBEAT_LOGS_DIR = '/usr/share/filebeat/logs';
export const FILEBEAT_EVENT_FILE_BYTES = 5 * 1024 * 1024;
/** The current file plus this many rotated ones (Beats keep at least 2). */
export const FILEBEAT_EVENT_FILES = 2;
/** The most Filebeat writes below FILEBEAT_LOGS_DIR. */
export const FILEBEAT_LOGS_MAX_MIB = ((FILEBEAT_EVENT_FILES + 1) * FILEBEAT_EVENT_FILE_BYTES) / (1024 * 1024);
/** The emptyDir: the maximum with a margin. */
export const FILEBEAT_LOGS_VOLUME_MIB = 64;

/**
 * prometheus-community's json_exporter, a sidecar of Filebeat that translates the JSON of its
 * `/stats` (Filebeat has no Prometheus endpoint of its own) into Prometheus metrics: the image's
 * ENTRYPOINT is /bin/json_exporter (busybox, user nobody), its port 7979.
 */
export const FILEBEAT_EXPORTER_DEFAULT_IMAGE = 'quay.io/prometheuscommunity/json-exporter:v0.7.0';
export const FILEBEAT_EXPORTER_PORT = 7979;
/** The busybox image's `nobody` (a name in the image: the number makes runAsNonRoot checkable). */
export const FILEBEAT_EXPORTER_UID = 65534;
/** The `kind` label of Filebeat's metrics (selects its alert rules). */
export const FILEBEAT_KIND = 'filebeat';
/** The exporter's module, and the endpoint it reads in the pod (Filebeat's HTTP endpoint). */
export const FILEBEAT_EXPORTER_MODULE = 'filebeat';
export const FILEBEAT_STATS_URL = `http://localhost:${FILEBEAT_HTTP_PORT}/stats`;

/**
 * The json_exporter configuration (v0.7.0: lower-case keys, Kubernetes JSONPath): the counters and
 * gauges of Filebeat's `/stats` (libbeat/outputs/metrics.go, libbeat/publisher/pipeline/monitoring.go,
 * the queue observer, the harvester and registrar registries) the alert rules and an operator need,
 * named as Prometheus names counters (`_total`).
 */
export function filebeatExporterConfig(): string {
  const counter = (name: string, path: string, help: string) => ({ name, path: `{ ${path} }`, help, valuetype: 'counter' });
  const gauge = (name: string, path: string, help: string) => ({ name, path: `{ ${path} }`, help, valuetype: 'gauge' });
  const config = {
    modules: {
      [FILEBEAT_EXPORTER_MODULE]: {
        metrics: [
          counter('filebeat_output_events_acked_total', '.libbeat.output.events.acked', 'Events the output (Elasticsearch or Logstash) acknowledged.'),
          counter('filebeat_output_events_failed_total', '.libbeat.output.events.failed', 'Events the output failed to write (retried).'),
          counter('filebeat_output_events_dropped_total', '.libbeat.output.events.dropped', 'Events the output gave up on (lost).'),
          counter('filebeat_output_write_errors_total', '.libbeat.output.write.errors', 'Network errors writing to the output.'),
          gauge('filebeat_output_events_active', '.libbeat.output.events.active', 'Events being sent to the output.'),
          counter('filebeat_pipeline_events_published_total', '.libbeat.pipeline.events.published', 'Events published to the queue.'),
          counter('filebeat_pipeline_events_dropped_total', '.libbeat.pipeline.events.dropped', 'Events the pipeline dropped (lost).'),
          counter('filebeat_pipeline_events_failed_total', '.libbeat.pipeline.events.failed', 'Events the pipeline failed to publish.'),
          gauge('filebeat_pipeline_queue_filled_ratio', '.libbeat.pipeline.queue.filled.pct', 'How full the memory queue is (0 to 1); inputs pause when it is full.'),
          gauge('filebeat_harvester_open_files', '.filebeat.harvester.open_files', 'Log files open.'),
          gauge('filebeat_events_active', '.filebeat.events.active', 'Events read and not yet acknowledged.'),
        ],
      },
    },
  };
  return `# Generated by cdk8s-architect: Filebeat's /stats as Prometheus metrics (prometheus-community json_exporter)\n${JSON.stringify(config, null, 2)}\n`;
}

/** The script processor (ECMAScript 5.1): level -> severity/severity_code, drops opted-out pods and records below the minimum. */
export function filebeatScript(maximumCode: number): string {
  return `// generated by cdk8s-architect from the RFC 5424 table (Severities)
var LEVELS = ${JSON.stringify(severityAliases())};
var KEYWORDS = ${JSON.stringify(severityKeywords())};
var MAXIMUM_CODE = ${maximumCode};
function process(event) {
  if (event.Get("kubernetes.annotations.${ANNOTATION_LOGS.replace(/\./g, '_')}") === "false") { event.Cancel(); return; }
  var raw = event.Get("${APP_FIELDS_KEY}.level");
  if (raw === null || raw === undefined) { raw = event.Get("${APP_FIELDS_KEY}.severity"); }
  if (raw === null || raw === undefined) { raw = event.Get("${APP_FIELDS_KEY}.log.level"); }
  if (typeof raw !== "string") { return; }
  // ECS: the original level as log.level
  event.Put("log.level", raw);
  var code = LEVELS[raw.toLowerCase()];
  if (code === undefined) { return; }
  if (code > MAXIMUM_CODE) { event.Cancel(); return; }
  event.Put("severity", KEYWORDS[code]);
  event.Put("severity_code", code);
}
`;
}

export function filebeatConfig(ctx: AgentConfigContext): Record<string, unknown> {
  const d = ctx.destination;
  const output = d.elasticsearch
    ? {
      'output.elasticsearch': {
        hosts: [d.elasticsearch.url],
        username: d.elasticsearch.user,
        password: '${ELASTICSEARCH_PASSWORD}',
        index: `${d.elasticsearch.indexPrefix}-%{+yyyy.MM.dd}`,
      },
      // a custom index: no Filebeat template/ILM policy (the writer may not manage them)
      'setup.template.enabled': false,
      'setup.ilm.enabled': false,
    }
    : { 'output.logstash': { hosts: [`${d.logstash!.host}:${LOGSTASH_BEATS_PORT}`] } };
  return {
    'filebeat.inputs': [{
      'type': 'filestream',
      'id': 'kubernetes-container-logs',
      'paths': ['/var/log/containers/*.log'],
      'prospector.scanner.exclude_files': [`^/var/log/containers/[^/]*_${ctx.agentNamespace}_[^/]*\\.log$`],
      'prospector.scanner.symlinks': true,
      'prospector.scanner.fingerprint.enabled': true,
      'file_identity.fingerprint': null,
      'parsers': [{ container: null }],
      'processors': [
        {
          add_kubernetes_metadata: {
            host: '${NODE_NAME}',
            matchers: [{ logs_path: { logs_path: '/var/log/containers/' } }],
            include_annotations: [ANNOTATION_LOGS],
            // no Deployment/CronJob names: the agent may then not read ReplicaSets and Jobs
            add_resource_metadata: { deployment: false, cronjob: false },
          },
        },
        { decode_json_fields: { fields: ['message'], target: APP_FIELDS_KEY, overwrite_keys: true, add_error_key: false } },
        { script: { lang: 'javascript', id: 'severity', file: '/usr/share/filebeat/severity/severity.js' } },
      ],
    }],
    ...output,
    'path.data': ctx.stateDir,
    // the root filesystem is read-only: logs go to stderr (-e), but raw events of failed requests
    // always go to files (logging.event_data), by default below path.home: an emptyDir, bounded
    'path.logs': FILEBEAT_LOGS_DIR,
    'logging.event_data.files': {
      path: FILEBEAT_LOGS_DIR,
      rotateeverybytes: FILEBEAT_EVENT_FILE_BYTES,
      keepfiles: FILEBEAT_EVENT_FILES,
    },
    'http.enabled': true,
    'http.host': '0.0.0.0',
    'http.port': FILEBEAT_HTTP_PORT,
  };
}

// ---- Logstash pipeline

export function logstashPipeline(kind: LoggingKind, es: { url: string; user: string; indexPrefix: string }): string {
  const input = kind === LoggingKind.FILEBEAT
    ? `  beats {\n    port => ${LOGSTASH_BEATS_PORT}\n  }`
    : `  http {\n    port => ${LOGSTASH_HTTP_PORT}\n    codec => json\n  }`;
  return `# generated by cdk8s-architect: the agents already add severity/severity_code (RFC 5424)
input {
${input}
}
filter {
  # the document id is a hash of the whole event: an event the agent resends (it got no answer)
  # or Logstash retries is refused as a duplicate ("create") instead of indexed twice
  fingerprint {
    concatenate_all_fields => true
    method => "SHA256"
    target => "[@metadata][id]"
  }
}
output {
  elasticsearch {
    hosts => ["${es.url}"]
    user => "${es.user}"
    password => "\${ELASTICSEARCH_PASSWORD}"
    index => "${es.indexPrefix}-%{+YYYY.MM.dd}"
    document_id => "%{[@metadata][id]}"
    action => "create"
    data_stream => false
    manage_template => false
    ilm_enabled => false
  }
}
`;
}

// ---------------------------------------------------------------------------------------------
// The DaemonSet

export interface LogAgentProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  readonly kind: LoggingKind;
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly resources: ResolvedResources;
  readonly stateDir: string;
  /** ConfigMap data: file name -> content. */
  readonly files: Record<string, string>;
  readonly passwordSecret?: SecretKeyReference;
  /**
   * Prometheus scrapes the agent's own metrics (Fluent Bit: its HTTP server's Prometheus endpoint;
   * Fluentd: fluent-plugin-prometheus on 24231; Filebeat: its `/stats` through a json_exporter
   * sidecar, `exporterImage`).
   * @default false
   */
  readonly scraped?: boolean;
  /** Filebeat, scraped: the json_exporter image of its metrics sidecar. */
  readonly exporterImage?: string;
}

interface AgentShape {
  readonly port: number;
  readonly portName: string;
  /** The agent's Prometheus endpoint (on `port`, or on a port of its own). */
  readonly metrics?: { readonly port: number; readonly portName: string; readonly path: string; readonly kind: string };
  readonly configMount: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly readinessPath: string;
  readonly livenessPath: string;
  readonly rules: kplus.k8s.PolicyRule[];
}

function shape(kind: LoggingKind): AgentShape {
  const base: kplus.k8s.PolicyRule = { apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] };
  switch (kind) {
    case LoggingKind.FLUENT_BIT:
      return {
        port: FLUENT_BIT_HTTP_PORT,
        portName: 'http',
        metrics: { port: FLUENT_BIT_HTTP_PORT, portName: 'http', path: FLUENT_BIT_METRICS_PATH, kind: FLUENT_BIT_KIND },
        configMount: '/fluent-bit/etc/conf',
        command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/conf/fluent-bit.conf'],
        readinessPath: '/api/v1/health',
        livenessPath: '/',
        rules: [base],
      };
    case LoggingKind.FLUENTD:
      return {
        port: FLUENTD_MONITOR_PORT,
        portName: 'monitor',
        metrics: { port: FLUENTD_METRICS_PORT, portName: 'metrics', path: FLUENTD_METRICS_PATH, kind: FLUENTD_KIND },
        configMount: '/fluentd/etc/conf',
        // bypasses the image's entrypoint (its --gemfile handling may write below the read-only root)
        command: ['fluentd', '-c', '/fluentd/etc/conf/fluent.conf', '-p', '/fluentd/plugins'],
        readinessPath: '/api/plugins.json',
        livenessPath: '/api/plugins.json',
        rules: [base],
      };
    default:
      return {
        port: FILEBEAT_HTTP_PORT,
        portName: 'http',
        configMount: '/usr/share/filebeat/severity',
        args: ['-c', '/etc/filebeat.yml', '-e'],
        readinessPath: '/',
        livenessPath: '/',
        // add_kubernetes_metadata also watches the node (host metadata, node labels)
        rules: [{ apiGroups: [''], resources: ['namespaces', 'nodes', 'pods'], verbs: ['get', 'list', 'watch'] }],
      };
  }
}

/**
 * A log agent DaemonSet in its own namespace, as a workload of the graph.
 *
 * Security exceptions (the namespace is "privileged": baseline forbids hostPath volumes):
 * - hostPath `/var/log/pods` and `/var/log/containers` read-only (the symlinks in the latter point
 *   into the former, mounted at the same path). `/var/lib/docker/containers` (dockershim) is not
 *   mounted: Kubernetes >= 1.24 runtimes write CRI logs under /var/log/pods.
 * - The container runs as uid 0 (the log files are root:root 0640 and their directories 0750/0755):
 *   as the file owner, root reads them through the owner bits, so every capability is dropped (a
 *   non-root user with DAC_READ_SEARCH would not work: Kubernetes does not set ambient
 *   capabilities, so a non-root process never has an added capability in its effective set).
 *   No privilege escalation, read-only root filesystem, RuntimeDefault seccomp.
 * - The position database / registry / buffer lives on a hostPath (`/var/lib/<stack>-<agent>`,
 *   DirectoryOrCreate), so a restart or a rolling update resumes where the old pod stopped; an
 *   emptyDir would be lost with the pod (re-shipping from the files' start or skipping lines).
 *   The cost: state on the node, not cleaned up when the stack is deleted.
 * - The ServiceAccount token is mounted: the metadata filters read pods and namespaces.
 * - Tolerates every taint, so control-plane and tainted nodes' logs are shipped too.
 */
export class LogAgent extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly daemonSet: kplus.k8s.KubeDaemonSet;
  public readonly configMapName: string;
  private readonly selector: Record<string, string>;
  private readonly policy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: LogAgentProps) {
    super(scope, id);
    const arch = props.architecture;
    this.architecture = arch;
    this.componentName = props.name;
    this.namespace = props.namespace;
    this.serviceAccountName = props.name;
    const identity = { name: props.name, instance: `${arch.name}-${props.name}`, component: 'log-agent', partOf: arch.name };
    this.selector = selectorLabels(identity);
    const labels = recommendedLabels(identity);
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });
    const chart = props.chart;
    const s = shape(props.kind);

    new k8s.KubeServiceAccount(chart, `${id}-service-account`, { metadata: metadata(this.serviceAccountName), automountServiceAccountToken: true });
    const roleName = objectName(this, props.namespace, props.name);
    new k8s.KubeClusterRole(chart, `${id}-cluster-role`, { metadata: { name: roleName, labels }, rules: s.rules });
    new k8s.KubeClusterRoleBinding(chart, `${id}-cluster-role-binding`, {
      metadata: { name: roleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }],
    });
    this.configMapName = objectName(this, props.name, 'config');
    // Filebeat's metrics: a json_exporter sidecar reads its /stats on localhost
    const exporterImage = props.kind === LoggingKind.FILEBEAT && props.scraped === true
      ? props.exporterImage ?? FILEBEAT_EXPORTER_DEFAULT_IMAGE
      : undefined;
    const exporterConfigKey = 'json-exporter.yml';
    new k8s.KubeConfigMap(chart, `${id}-config`, {
      metadata: metadata(this.configMapName),
      data: { ...props.files, ...(exporterImage ? { [exporterConfigKey]: filebeatExporterConfig() } : {}) },
    });

    const hostPath = (name: string, path: string, type: string) => ({ name, hostPath: { path, type } });
    const volumes: kplus.k8s.Volume[] = [
      hostPath('var-log-pods', '/var/log/pods', 'Directory'),
      hostPath('var-log-containers', '/var/log/containers', 'Directory'),
      hostPath('state', props.stateDir, 'DirectoryOrCreate'),
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
      ...(props.kind === LoggingKind.FILEBEAT ? [{ name: 'logs', emptyDir: { sizeLimit: k8s.Quantity.fromString(`${FILEBEAT_LOGS_VOLUME_MIB}Mi`) } }] : []),
      // Beats' strict.perms check rejects configuration files writable by group or others
      { name: 'config', configMap: { name: this.configMapName, defaultMode: 0o440 } },
      // the exporter (user nobody) reads its file world-readable, the agent's stay root's
      ...(exporterImage ? [{ name: 'exporter-config', configMap: { name: this.configMapName, items: [{ key: exporterConfigKey, path: 'config.yml' }], defaultMode: 0o444 } }] : []),
    ];
    const mounts: kplus.k8s.VolumeMount[] = [
      { name: 'var-log-pods', mountPath: '/var/log/pods', readOnly: true },
      { name: 'var-log-containers', mountPath: '/var/log/containers', readOnly: true },
      { name: 'state', mountPath: props.stateDir },
      { name: 'tmp', mountPath: '/tmp' },
      props.kind === LoggingKind.FILEBEAT
        ? { name: 'config', mountPath: '/etc/filebeat.yml', subPath: 'filebeat.yml', readOnly: true }
        : { name: 'config', mountPath: s.configMount, readOnly: true },
      ...(props.kind === LoggingKind.FILEBEAT ? [
        { name: 'config', mountPath: s.configMount, readOnly: true },
        { name: 'logs', mountPath: FILEBEAT_LOGS_DIR },
      ] : []),
    ];
    const env: kplus.k8s.EnvVar[] = [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }];
    if (props.passwordSecret) {
      env.push({ name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: props.passwordSecret.secretName, key: props.passwordSecret.key } } });
    }
    const port = k8s.IntOrString.fromString(s.portName);
    const container: kplus.k8s.Container = {
      name: props.kind,
      image: props.image,
      imagePullPolicy: 'IfNotPresent',
      ...(s.command ? { command: s.command } : {}),
      ...(s.args ? { args: s.args } : {}),
      ports: [
        { name: s.portName, containerPort: s.port, protocol: 'TCP' },
        ...(s.metrics && s.metrics.port !== s.port ? [{ name: s.metrics.portName, containerPort: s.metrics.port, protocol: 'TCP' }] : []),
      ],
      env,
      resources: toKubeResources(props.resources),
      readinessProbe: { httpGet: { path: s.readinessPath, port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: s.livenessPath, port }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      securityContext: {
        // uid 0 to read root-owned log files; nothing else (see the class comment)
        runAsUser: 0,
        runAsGroup: 0,
        runAsNonRoot: false,
        privileged: false,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMounts: mounts,
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
    const exporter: kplus.k8s.Container | undefined = exporterImage ? {
      name: 'metrics',
      image: exporterImage,
      imagePullPolicy: 'IfNotPresent',
      args: ['--config.file=/etc/json-exporter/config.yml', `--web.listen-address=:${FILEBEAT_EXPORTER_PORT}`],
      ports: [{ name: 'metrics', containerPort: FILEBEAT_EXPORTER_PORT, protocol: 'TCP' }],
      resources: toKubeResources({ cpuRequestMillis: 10, cpuLimitMillis: 100, memoryRequestMebibytes: 32, memoryLimitMebibytes: 64 }),
      // its own /metrics: the process answers
      readinessProbe: { httpGet: { path: '/metrics', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: { path: '/metrics', port: k8s.IntOrString.fromString('metrics') }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      // "restricted" for the sidecar: it reads nothing on the node
      securityContext: { ...restrictedContainerSecurityContext(FILEBEAT_EXPORTER_UID), privileged: false },
      volumeMounts: [{ name: 'exporter-config', mountPath: '/etc/json-exporter', readOnly: true }],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    } : undefined;
    const scrape = props.scraped === true && s.metrics
      ? { port: s.metrics.port, path: s.metrics.path, kind: s.metrics.kind, job: props.name }
      : undefined;
    const annotations: Record<string, string> = {
      ...(props.passwordSecret ? { [ANNOTATION_EXTERNAL_SECRETS]: props.passwordSecret.secretName } : {}),
      ...(scrape ? scrapeAnnotations(scrape) : {}),
    };
    this.daemonSet = new k8s.KubeDaemonSet(chart, `${id}-daemonset`, {
      metadata: metadata(props.name),
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        revisionHistoryLimit: 5,
        template: {
          metadata: { labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
          spec: {
            serviceAccountName: this.serviceAccountName,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [container, ...(exporter ? [exporter] : [])],
            volumes,
            tolerations: [{ operator: 'Exists' }],
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    });

    this.policy = new WorkloadNetworkPolicy(chart, `${id}-network-policy`, { name: props.name, namespace: this.namespace, identity, podSelector: this.selector });
    registerWorkload({ workload: this, controller: WorkloadController.DAEMON_SET, kind: 'log-agent', ports: [] });
    if (scrape) {
      arch._registerScrapeTarget({ workload: this, ...scrape });
    }
    if (exporter) {
      // the exporter fetches `target` for `module` on each scrape: a job of its own with these parameters
      arch._registerScrapeTarget({
        workload: this,
        port: FILEBEAT_EXPORTER_PORT,
        path: '/probe',
        kind: FILEBEAT_KIND,
        job: props.name,
        params: { module: FILEBEAT_EXPORTER_MODULE, target: FILEBEAT_STATS_URL },
      });
    }
    // The metadata filters call the API server, whose endpoints are outside the pod network: egress
    // to its ports (443 through the kubernetes Service, 6443 on the endpoints) to any address.
    new k8s.KubeNetworkPolicy(chart, `${id}-api-server-egress`, {
      metadata: metadata(objectName(this, props.name, 'api-server')),
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ['Egress'],
        egress: [{ ports: [443, 6443].map((p) => ({ port: k8s.IntOrString.fromNumber(p), protocol: 'TCP' })) }],
      },
    });
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
    this.architecture._recordConnection({ consumer: peer, provider: this, ports });
  }

  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }
}
