import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ConsulAclPolicy, ConsulOptions } from './consul-options';
import { RegistryKind } from './engine';
import { DeployedRegistry, RegistryEngineImpl } from './engine-impl';
import type { Registry } from './registry';
import { EnvValue, EnvVariable, IWorkload, NetworkPort, Protocol, RegistrationInfo } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, DOMAIN, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { objectName, validateCronSchedule, validateDnsLabel, validateInteger } from '../internal/names';
import { deployPlatformComponent, quorumClusterSettings } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { KubernetesSecretWriter, sortWrittenSecrets, validateKubernetesApiCidr } from '../internal/secret-writer';
import { ClusterPort, StatefulCluster } from '../internal/stateful-cluster';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/** The Consul image: HashiCorp's own (Alpine-based, with /bin/sh, curl and jq). */
export const CONSUL_DEFAULT_IMAGE = 'hashicorp/consul:1.22.7';
const HTTP_PORT = 8500;
const HTTPS_PORT = 8501;
const GRPC_PORT = 8502;
const DNS_PORT = 8600;
const SERVER_PORT = 8300;
const SERF_LAN_PORT = 8301;
/**
 * The image's `consul` user is uid 100 (Alpine `adduser -S`) in group `consul`, gid 1000; the chart
 * runs it as 100:1000 with fsGroup 1000. StatefulCluster sets runAsGroup = fsGroup = uid, so here
 * the group is 100 too. That is enough: the container runs `/bin/consul` directly (not the image's
 * entrypoint, which would chown /consul/config and su-exec), and Consul writes only to the data
 * volume (group-owned through fsGroup 100) and the /tmp emptyDir, never to image files that
 * belong to gid 1000. The ConfigMap is mounted world-readable, the Secrets group-readable (0440).
 */
const UID = 100;
const DATA_DIR = '/consul/data';
const CONFIG_DIR = '/consul/config';
const CONFIG_FILE = 'server.json';
/** Written by the init container from the mounted Secrets (memory-backed): gossip key and ACL tokens. */
const SECRET_CONFIG_DIR = '/consul/secret-config';
const SECRET_CONFIG_FILE = 'secrets.json';
const GOSSIP_DIR = '/consul/secrets/gossip';
const ACL_DIR = '/consul/secrets/acl';
const TLS_DIR = '/consul/tls';
/** Where consumers find their token and the CA certificate (one directory per Consul registry). */
const CLIENT_DIR = '/etc/consul-client';
/** Pod template annotation with a hash of the server configuration: a changed config rolls the servers. */
const ANNOTATION_CONFIG_HASH = `${DOMAIN}/config-hash`;
const ENV_POD_IP = 'POD_IP';
/** Secret keys: what Kubernetes accepts (`[-._a-zA-Z0-9]+`, at most 253 characters). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** The servers' agent policy (what the chart's agent token gets): register nodes, read services. */
const AGENT_POLICY_RULES = 'node_prefix "" { policy = "write" }\nservice_prefix "" { policy = "read" }\n';
/** The metrics reader's policy: /v1/agent/metrics needs agent:read on the agent's node. */
const METRICS_POLICY_RULES = 'agent_prefix "" { policy = "read" }\n';
/** The `kind` label of the servers' metrics (selects the Consul alert rules). */
export const CONSUL_METRICS_KIND = 'consul';

/** The inputs of a Consul server's configuration file. */
export interface ConsulServerConfigInput {
  /** Servers expected at bootstrap (`bootstrap_expect`). */
  readonly members: number;
  readonly datacenter: string;
  /** Host (and port) the servers find each other through: the headless Service, which lists not-ready pods too. */
  readonly retryJoin: string;
  readonly ui: boolean;
  /** Production timing (`performance.raft_multiplier = 1`) instead of Consul's relaxed default (5). */
  readonly production: boolean;
  /** ACLs, if enabled. The tokens are not here: an init container writes them to a file of their own. */
  readonly acl?: { readonly defaultPolicy: ConsulAclPolicy };
  /** TLS, if enabled: the directory with `ca.crt`, `tls.crt` and `tls.key`. */
  readonly tls?: { readonly dir: string };
}

/**
 * The server agent's configuration (`server.json`), as a plain object with keys in a fixed order.
 * Secrets (gossip key, management and agent tokens) are never part of it: an init container writes
 * them from the mounted Secrets to a second configuration directory on a memory-backed volume.
 */
export function renderServerConfig(i: ConsulServerConfigInput): Record<string, unknown> {
  return {
    ...(i.acl
      ? {
        acl: {
          default_policy: i.acl.defaultPolicy,
          // the chart's setting: keep serving cached ACL decisions while the leader is unreachable
          down_policy: 'extend-cache',
          enable_token_persistence: true,
          enabled: true,
        },
      }
      : {}),
    // autopilot never removes servers below a majority of the bootstrap size
    autopilot: { min_quorum: Math.floor(i.members / 2) + 1 },
    bind_addr: '0.0.0.0',
    bootstrap_expect: i.members,
    client_addr: '0.0.0.0',
    data_dir: DATA_DIR,
    datacenter: i.datacenter,
    disable_update_check: true,
    leave_on_terminate: true,
    ...(i.production ? { performance: { raft_multiplier: 1 } } : {}),
    // serf_wan keeps its default: disabling it (-1) breaks catalog endpoints; NetworkPolicies block it.
    // With TLS the API is HTTPS only, and gRPC (xDS for Consul's service mesh, not deployed here) is off.
    ports: i.tls
      ? { dns: DNS_PORT, grpc: -1, grpc_tls: -1, http: -1, https: HTTPS_PORT, serf_lan: SERF_LAN_PORT, server: SERVER_PORT }
      : { dns: DNS_PORT, grpc: GRPC_PORT, grpc_tls: -1, http: HTTP_PORT, serf_lan: SERF_LAN_PORT, server: SERVER_PORT },
    retry_join: [i.retryJoin],
    server: true,
    // Prometheus metrics on /v1/agent/metrics?format=prometheus (off while the retention is 0); the
    // gauges the alert rules read are set every few seconds, so one minute (the chart's) never lets them lapse
    telemetry: { disable_hostname: true, prometheus_retention_time: '1m' },
    ...(i.tls
      ? {
        tls: {
          defaults: {
            ca_file: `${i.tls.dir}/ca.crt`,
            cert_file: `${i.tls.dir}/tls.crt`,
            key_file: `${i.tls.dir}/tls.key`,
            verify_incoming: false,
            verify_outgoing: true,
          },
          // servers authenticate each other on RPC (8300) and check the server.<dc>.consul name
          internal_rpc: { verify_incoming: true, verify_server_hostname: true },
          // services authenticate with ACL tokens, not client certificates
          https: { verify_incoming: false },
        },
      }
      : {}),
    ui_config: { enabled: i.ui },
  };
}

/** JSON with object keys sorted at every level: the same config always renders the same bytes. */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sort(value), undefined, 2)}\n`;
}


/** One consumer of the registry: whose token and CA certificate the bootstrap Job writes where. */
interface ConsulConsumer {
  readonly namespace: string;
  /** The Secret in the consumer's namespace: `token` (with ACLs) and `ca.crt` (with TLS). */
  readonly secretName: string;
  /** The service identity of its token (the name it registers under); "" for a metrics reader. */
  readonly serviceName: string;
  /** The policy of its token instead of a service identity (the metrics reader's). @default - none */
  readonly policy?: string;
}

/**
 * The server agent each consumer registers with: a stable choice per consumer (a hash of its
 * namespace and name), so that a service's instances register and heartbeat on one agent and the
 * services spread over the servers.
 */
export function consulAgentIndex(namespace: string, componentName: string, members: number): number {
  return createHash('sha256').update(`${namespace}/${componentName}`).digest().readUInt32BE(0) % members;
}

/**
 * Consul server agents as a StatefulSet quorum that joins through its headless Service.
 *
 * Registration model: services register with a TTL check and heartbeat it; Consul never connects
 * to them. Client agents per node (a DaemonSet with host ports) or consul-dataplane (the consul-k8s
 * control plane and its injector) would run the checks next to the services, but both need more
 * than the restricted Pod Security level or a second control plane; HTTP checks run by the servers
 * would need every service to admit the servers. A registration lives on the agent that received it
 * (TTL updates and deregistration must go to the same agent), so each service gets one server agent
 * (`CONSUL_HTTP_ADDR`) and the rest as fallbacks, never the load-balanced Service.
 */
export class ConsulRegistryEngine implements RegistryEngineImpl {
  public readonly kind = RegistryKind.CONSUL;

  constructor(private readonly options: ConsulOptions) {}

  public _deploy(registry: Registry): DeployedRegistry {
    const o = this.options;
    const arch = registry.architecture;
    const production = arch.profile === Profile.PRODUCTION;
    const { members, image, storageGibibytes: storage } = quorumClusterSettings(registry, arch.profile, 'consul', o, { image: CONSUL_DEFAULT_IMAGE, storageGibibytes: 10 });
    const datacenter = validateDnsLabel(registry, 'datacenter', o.datacenter ?? 'dc1');
    const resources = resolveResources(registry, arch.profile, o.resources, production
      ? { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 });

    const name = registry.componentName;
    const ns = registry.namespace;

    const gossipOption = o.gossipEncryption ?? (production ? { secretName: `${name}-gossip` } : undefined);
    const gossip = gossipOption
      ? {
        secretName: validateDnsLabel(registry, 'gossipEncryption.secretName', gossipOption.secretName),
        key: validateSecretKey(registry, 'gossipEncryption.key', gossipOption.key ?? 'key'),
      }
      : undefined;
    const aclOption = o.acl ?? (production ? { enabled: true } : undefined);
    const acl = aclOption?.enabled ? resolveAcl(registry, name, aclOption) : undefined;
    if (o.tls && o.insecurePlaintext) {
      fail(registry, 'both tls and insecurePlaintext are set', 'remove insecurePlaintext to serve TLS, or tls to serve plain HTTP');
    }
    const tlsOption = o.tls ?? (production && !o.insecurePlaintext ? {} : undefined);
    const tls = tlsOption
      ? { serverSecretName: validateDnsLabel(registry, 'tls.serverSecretName', tlsOption.serverSecretName ?? `${name}-server-tls`) }
      : undefined;
    const ttlSeconds = wholeSeconds(registry, 'registrationTtl', o.registrationTtl ?? Duration.seconds(15), 3, 600, 'use whole seconds from 3 s to 10 min, e.g. Duration.seconds(15)');
    const deregisterSeconds = wholeSeconds(registry, 'deregisterCriticalServiceAfter', o.deregisterCriticalServiceAfter ?? Duration.minutes(1), 60, 7 * 86400,
      'use at least Duration.minutes(1) (Consul\'s minimum) in whole seconds');
    const apiCidr = validateKubernetesApiCidr(registry, o.kubernetesApiCidr);

    const apiPort = tls ? HTTPS_PORT : HTTP_PORT;
    const scheme = tls ? 'https' : 'http';
    const headlessServiceName = objectName(registry, name, 'headless');
    const config = stableJson(renderServerConfig({
      members,
      datacenter,
      retryJoin: `${arch.serviceHost(headlessServiceName, ns)}:${SERF_LAN_PORT}`,
      ui: o.ui ?? true,
      production,
      acl: acl ? { defaultPolicy: acl.defaultPolicy } : undefined,
      tls: tls ? { dir: TLS_DIR } : undefined,
    }));
    const configMapName = objectName(registry, name, 'config');
    const externalSecrets = [gossip?.secretName, acl?.tokenSecretName, tls?.serverSecretName].filter((s): s is string => s !== undefined);
    const podAnnotations: Record<string, string> = {
      [ANNOTATION_CONFIG_HASH]: createHash('sha256').update(config).digest('hex').slice(0, 16),
      ...(externalSecrets.length > 0 ? { [ANNOTATION_EXTERNAL_SECRETS]: [...new Set(externalSecrets)].sort().join(',') } : {}),
    };

    const ports: ClusterPort[] = [
      tls ? { name: 'https', port: HTTPS_PORT } : { name: 'http', port: HTTP_PORT },
      ...(tls ? [] : [{ name: 'grpc', port: GRPC_PORT }]),
      { name: 'dns-tcp', port: DNS_PORT, protocol: Protocol.TCP },
      { name: 'dns-udp', port: DNS_PORT, protocol: Protocol.UDP },
      { name: 'server', port: SERVER_PORT, peerOnly: true },
      { name: 'serflan-tcp', port: SERF_LAN_PORT, protocol: Protocol.TCP, peerOnly: true },
      { name: 'serflan-udp', port: SERF_LAN_PORT, protocol: Protocol.UDP, peerOnly: true },
    ];
    const tmp = writableVolumes(registry, ['/tmp'], 64);

    // ---- secrets as files: the gossip key and the ACL tokens reach Consul as a configuration file
    // that an init container writes from the mounted Secrets (Consul reads `encrypt` and
    // `acl.tokens` from configuration files); nothing secret is an argument or an env var.
    const secretVolumes: kplus.k8s.Volume[] = [];
    const initMounts: kplus.k8s.VolumeMount[] = [];
    if (gossip) {
      secretVolumes.push({ name: 'gossip', secret: { secretName: gossip.secretName, defaultMode: 0o440, items: [{ key: gossip.key, path: 'key' }] } });
      initMounts.push({ name: 'gossip', mountPath: GOSSIP_DIR, readOnly: true });
    }
    if (acl) {
      secretVolumes.push({
        name: 'acl',
        secret: { secretName: acl.tokenSecretName, defaultMode: 0o440, items: [{ key: 'token', path: 'token' }, { key: 'agent-token', path: 'agent-token' }] },
      });
      initMounts.push({ name: 'acl', mountPath: ACL_DIR, readOnly: true });
    }
    const secretConfig = gossip || acl;
    if (secretConfig) {
      secretVolumes.push({ name: 'secret-config', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } });
    }
    if (tls) {
      secretVolumes.push({ name: 'tls', secret: { secretName: tls.serverSecretName, defaultMode: 0o440 } });
    }
    const small = { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 };

    const chart = deployPlatformComponent(registry, registry);
    const identity = { name, instance: `${arch.name}-${name}`, component: 'consul', partOf: arch.name };
    const cluster = new StatefulCluster(registry, 'consul', {
      architecture: arch,
      chart,
      name,
      namespace: ns,
      identity,
      replicas: members,
      quorum: true,
      uid: UID,
      ports,
      storage: { volumeName: 'data', mountPath: DATA_DIR, sizeGibibytes: storage, storageClassName: o.storageClassName },
      volumes: [{ name: 'config', configMap: { name: configMapName } }, ...secretVolumes, ...tmp.volumes],
      podAnnotations,
      initContainers: () => (secretConfig ? [secureContainer({
        name: 'secret-config',
        image,
        command: ['/bin/sh', '-ec', secretConfigScript(!!gossip, !!acl)],
        resources: small,
        volumeMounts: [...initMounts, { name: 'secret-config', mountPath: SECRET_CONFIG_DIR }],
      })] : []),
      containers: () => {
        const tcp = { tcpSocket: { port: k8s.IntOrString.fromString(tls ? 'https' : 'http') } };
        // -k: the probe asks the local agent for the leader's address; the certificate names the servers, not 127.0.0.1
        const leader = tls ? `curl -fsSk https://127.0.0.1:${HTTPS_PORT}/v1/status/leader` : `curl -fsS http://127.0.0.1:${HTTP_PORT}/v1/status/leader`;
        return [secureContainer({
          name: 'consul',
          image,
          command: ['/bin/consul'],
          args: ['agent', `-config-dir=${CONFIG_DIR}`, ...(secretConfig ? [`-config-dir=${SECRET_CONFIG_DIR}`] : []), `-advertise=$(${ENV_POD_IP})`],
          env: [{ name: ENV_POD_IP, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          ports: ports.map((p) => ({ name: p.name, containerPort: p.port, ...(p.protocol === Protocol.UDP ? { protocol: 'UDP' } : {}) })),
          resources,
          // the API listener opens before the server has joined; give raft log replay time
          startupProbe: { ...tcp, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
          // ready once the server knows a leader (the chart's probe; /v1/status needs no ACL token; curl is in the image)
          readinessProbe: {
            exec: { command: ['/bin/sh', '-ec', `${leader} | grep -E '".+"'`] },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 3,
          },
          // alive while the API listener answers: a lost leader must not restart servers (that makes it worse)
          livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            { name: 'data', mountPath: DATA_DIR },
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            ...(secretConfig ? [{ name: 'secret-config', mountPath: SECRET_CONFIG_DIR, readOnly: true }] : []),
            ...(tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
            ...tmp.mounts,
          ],
        })];
      },
    });
    if (cluster.headlessServiceName !== headlessServiceName) {
      throw new Error(`internal: the Consul join address names ${headlessServiceName}, the cluster's headless Service is ${cluster.headlessServiceName}`);
    }
    new k8s.KubeConfigMap(chart, 'consul-config', {
      metadata: { name: configMapName, namespace: ns, labels: cluster.labels },
      data: { [CONFIG_FILE]: config },
    });

    const apiPorts: NetworkPort[] = [{ port: apiPort, protocol: Protocol.TCP }];
    const clientPorts: NetworkPort[] = tls ? apiPorts : [...apiPorts, { port: GRPC_PORT, protocol: Protocol.TCP }];
    const agentUrls = cluster.memberHosts().map((h) => `${scheme}://${h}:${apiPort}`);
    const agentsFor = (consumer: IWorkload) => {
      const first = consulAgentIndex(consumer.namespace, consumer.componentName, members);
      return [...agentUrls.slice(first), ...agentUrls.slice(0, first)];
    };

    // ---- the bootstrap Job: ACL policies and tokens, and each consumer's Secret
    const consumers = new Map<string, ConsulConsumer>();
    const reprovisionSchedule = validateCronSchedule(registry, 'reprovisionSchedule', o.reprovisionSchedule ?? '*/10 * * * *', '*/10 * * * *');
    if (o.reprovisionSchedule !== undefined && !acl && !tls) {
      fail(registry, 'reprovisionSchedule is set, but without ACLs or TLS there is no bootstrap Job to run again', 'remove reprovisionSchedule, or turn on acl or tls');
    }
    const job = acl || tls
      ? this.bootstrapJob(registry, {
        chart,
        cluster,
        name,
        ns,
        image,
        apiPorts,
        apiCidr,
        consumers,
        small,
        consulUrl: `${scheme}://${cluster.clientHost}:${apiPort}`,
        servers: cluster.memberHosts().map((h) => `${scheme}://${h}:${apiPort}`),
        acl,
        tls,
        reprovisionSchedule,
      })
      : undefined;
    // ---- metrics: every server agent's /v1/agent/metrics (agent:read, a token of its own with ACLs;
    // HTTPS checked for the servers' certificate name with TLS), written to the scraper's namespace by the bootstrap
    const metricsSecrets = new Set<string>();
    arch._registerScrapeTarget({
      workload: cluster,
      port: apiPort,
      path: '/v1/agent/metrics',
      kind: CONSUL_METRICS_KIND,
      job: cluster.clientServiceName,
      params: { format: 'prometheus' },
      credentials: job
        ? {
          tlsServerName: tls ? `server.${datacenter}.consul` : undefined,
          bearerToken: acl !== undefined,
          secretIn: (namespace: string) => {
            const secretName = `${ns}-${name}-consul-metrics`;
            if (secretName.length > 63) {
              fail(registry, `the Consul metrics Secret ${show(secretName)} is longer than 63 characters`, 'shorten the registry\'s name or namespace');
            }
            if (!metricsSecrets.has(namespace)) {
              metricsSecrets.add(namespace);
              job.addConsumer({ namespace, secretName, serviceName: '', policy: `${name}-metrics` });
            }
            return secretName;
          },
        }
        : undefined,
    });

    const clientDir = `${CLIENT_DIR}/${name}`;
    const consumerSecret = (consumer: IWorkload): string => {
      const secretName = `${consumer.componentName}-${name}-consul`;
      if (secretName.length > 63) {
        fail(consumer, `the Consul client Secret ${show(secretName)} for registry ${show(name)} is longer than 63 characters`, 'shorten the service or registry name');
      }
      job?.addConsumer({ namespace: consumer.namespace, secretName, serviceName: consumer.registration?.serviceName ?? consumer.componentName });
      return secretName;
    };

    return {
      endpoints: [{ workload: cluster, ports: clientPorts }],
      address: `${scheme}://${cluster.clientHost}:${apiPort}`,
      env: (consumer) => [
        // the consumer's own server agent: registrations and TTL updates must reach the same agent
        { name: 'CONSUL_HTTP_ADDR', value: EnvValue.fromValue(agentsFor(consumer)[0]) },
        ...(tls ? [] : [{ name: 'CONSUL_GRPC_ADDR', value: EnvValue.fromValue(`${cluster.clientHost}:${GRPC_PORT}`) }]),
        ...(tls ? [{ name: 'CONSUL_CACERT', value: EnvValue.fromValue(`${clientDir}/ca.crt`) }] : []),
        // the official clients read the token from this file (CONSUL_HTTP_TOKEN_FILE)
        ...(acl ? [{ name: 'CONSUL_HTTP_TOKEN_FILE', value: EnvValue.fromValue(`${clientDir}/token`) }] : []),
      ],
      registrationEnv: (consumer: IWorkload, _r: RegistrationInfo): EnvVariable[] => [
        // unique per pod, also across namespaces that register on one agent
        { name: 'SERVICE_REGISTRATION_ID', value: EnvValue.fromFieldPath('metadata.uid') },
        { name: 'SERVICE_REGISTRATION_CHECK', value: EnvValue.fromValue('ttl') },
        { name: 'SERVICE_REGISTRATION_TTL', value: EnvValue.fromValue(`${ttlSeconds}s`) },
        { name: 'SERVICE_REGISTRATION_HEARTBEAT_INTERVAL', value: EnvValue.fromValue(`${Math.max(1, Math.floor(ttlSeconds / 3))}s`) },
        { name: 'SERVICE_REGISTRATION_DEREGISTER_CRITICAL_AFTER', value: EnvValue.fromValue(`${deregisterSeconds}s`) },
        // the agent to register with first (= CONSUL_HTTP_ADDR), then the fallbacks in order
        { name: 'SERVICE_REGISTRATION_AGENTS', value: EnvValue.fromValue(agentsFor(consumer).join(',')) },
      ],
      secretFiles: (consumer) => (job ? [{ secretName: consumerSecret(consumer), mountPath: clientDir, provisionedBy: job.ref }] : []),
      // the UI asks for a token only when ACLs deny by default; with TLS it is HTTPS only, which the gateways do not route to
      ...((o.ui ?? true) && !tls ? { console: new PlatformConsole('consul', cluster, cluster.clientServiceName, HTTP_PORT, acl?.defaultPolicy === ConsulAclPolicy.DENY) } : {}),
    };
  }

  /**
   * The bootstrap Job (the chart's `server-acl-init`): waits for a leader, creates the agent policy
   * and the agent token with the SecretID from the ACL Secret, and for every consumer writes its
   * Secret (a fresh UUID as its token, the CA certificate) into the consumer's namespace and makes
   * sure a token with that SecretID and the consumer's service identity exists. Every step
   * converges: reruns keep existing tokens, and a token lost with the servers' data is recreated
   * from its Secret. Returns "<namespace>/<job name>" and how to add a consumer.
   */
  private bootstrapJob(registry: Registry, p: {
    chart: ReturnType<typeof deployPlatformComponent>;
    cluster: StatefulCluster;
    name: string;
    ns: string;
    image: string;
    apiPorts: NetworkPort[];
    apiCidr?: string;
    consumers: Map<string, ConsulConsumer>;
    small: { cpuRequestMillis: number; cpuLimitMillis: number; memoryRequestMebibytes: number; memoryLimitMebibytes: number };
    consulUrl: string;
    /** Each server's API, for the agent token handover. */
    servers: string[];
    acl?: { tokenSecretName: string };
    tls?: { serverSecretName: string };
    reprovisionSchedule: string;
  }): { ref: string; addConsumer: (c: ConsulConsumer) => void } {
    const arch = registry.architecture;
    const taskName = objectName(registry, p.name, 'bootstrap');
    const task = new TaskPods(registry, 'bootstrap', {
      architecture: arch,
      chart: p.chart,
      name: taskName,
      namespace: p.ns,
      identity: { name: p.name, instance: `${arch.name}-${p.name}-bootstrap`, component: 'bootstrap', partOf: arch.name },
    });
    task.allowEgressTo(p.cluster, p.apiPorts);
    p.cluster.allowIngressFrom(task, p.apiPorts);
    const sorted = () => sortWrittenSecrets(p.consumers.values());
    // the Kubernetes API (to write the consumers' Secrets), and RBAC in each consumer namespace
    const writer = new KubernetesSecretWriter(p.chart, 'bootstrap', task, `${p.name}-consul-bootstrap`, p.apiCidr, sorted);

    const script = () => bootstrapScript({
      consulUrl: p.consulUrl,
      tls: !!p.tls,
      acl: !!p.acl,
      agentPolicy: `${p.name}-agent`,
      partOf: arch.name,
      registry: `${p.ns}/${p.name}`,
      consumers: sorted(),
      servers: p.servers,
    });
    const volumes: kplus.k8s.Volume[] = [
      ...(p.acl ? [{ name: 'acl', secret: { secretName: p.acl.tokenSecretName, defaultMode: 0o440, items: [{ key: 'token', path: 'token' }, { key: 'agent-token', path: 'agent-token' }] } }] : []),
      // the CA certificate only: the Job never sees the servers' private key
      ...(p.tls ? [{ name: 'tls', secret: { secretName: p.tls.serverSecretName, defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
    ];
    const container: kplus.k8s.Container = {
      ...secureContainer({
        name: 'bootstrap',
        image: p.image,
        command: ['/bin/sh', '-c'],
        resources: p.small,
        volumeMounts: [
          ...(p.acl ? [{ name: 'acl', mountPath: ACL_DIR, readOnly: true }] : []),
          ...(p.tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
          { name: 'tmp', mountPath: '/tmp' },
        ],
      }),
      args: lazy(() => [script()]),
    };
    const external = [p.acl?.tokenSecretName, p.tls?.serverSecretName].filter((s): s is string => s !== undefined).sort().join(',');
    const template = task.podTemplate([container], UID, volumes, lazy(() => ({
      ...(external ? { [ANNOTATION_EXTERNAL_SECRETS]: external } : {}),
      ...writer.annotation(),
    })));
    // the one pod of the registry that calls the Kubernetes API
    const jobName = lazy(() => `${taskName}-${createHash('sha256').update(JSON.stringify({ script: script(), image: p.image, volumes })).digest('hex').slice(0, 10)}`);
    const withToken = { ...template, spec: { ...template.spec!, automountServiceAccountToken: true } };
    task.job(withToken, {
      // A Job's template is immutable: the name carries a hash of what it does, so a new consumer
      // yields a new Job (every step converges, so reruns are harmless).
      name: jobName,
      backoffLimit: 10,
      activeDeadlineSeconds: 1800,
    });
    // The same script on a schedule: the Job above is named after its content, not after the
    // Secrets' values or the servers' state, so only a rerun sees a lost token or a deleted Secret
    if (p.reprovisionSchedule !== '') task.cronJob(p.reprovisionSchedule, withToken);
    return {
      ref: `${p.ns}/${taskName}`,
      addConsumer: (c: ConsulConsumer) => {
        writer.grant(c.namespace);
        p.consumers.set(`${c.namespace}/${c.secretName}`, c);
      },
    };
  }
}

function validateSecretKey(registry: Registry, what: string, key: string): string {
  if (!SECRET_KEY.test(key)) {
    fail(registry, `${what} ${show(key)} is not a valid Secret key`, 'use letters, digits, "-", "_" and "." only (e.g. "key")');
  }
  return key;
}

function wholeSeconds(registry: Registry, what: string, d: Duration, min: number, max: number, fix: string): number {
  const ms = d.toMilliseconds();
  if (ms % 1000 !== 0) fail(registry, `${what} ${show(`${ms}ms`)} is not a whole number of seconds`, fix);
  return validateInteger(registry, `${what} (seconds)`, ms / 1000, min, max, fix);
}

function resolveAcl(registry: Registry, name: string, acl: NonNullable<ConsulOptions['acl']>) {
  const defaultPolicy = acl.defaultPolicy ?? ConsulAclPolicy.DENY;
  if (!Object.values(ConsulAclPolicy).includes(defaultPolicy)) {
    fail(registry, `acl.defaultPolicy ${show(defaultPolicy)} is not a Consul ACL policy`, 'use ConsulAclPolicy.DENY (recommended) or ConsulAclPolicy.ALLOW');
  }
  return {
    defaultPolicy,
    tokenSecretName: validateDnsLabel(registry, 'acl.tokenSecretName', acl.tokenSecretName ?? `${name}-acl-token`),
  };
}

/** Single-quotes a string for POSIX sh. */
function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/**
 * The init container's script: the gossip key and the ACL tokens, read from the mounted Secrets,
 * checked (a base64 key of 32 bytes, UUIDs) and written as one JSON configuration file. jq reads
 * the files itself: no value is ever an argument.
 */
export function secretConfigScript(gossip: boolean, acl: boolean): string {
  const args = [
    ...(gossip ? [`--rawfile gossip ${GOSSIP_DIR}/key`] : []),
    ...(acl ? [`--rawfile management ${ACL_DIR}/token`, `--rawfile agent ${ACL_DIR}/agent-token`] : []),
  ];
  const uuid = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  const parts = [
    'def value($v; $what; $pattern): ($v | gsub("^\\\\s+|\\\\s+$"; "")) as $x | if ($x | test($pattern)) then $x else error("\\($what) does not have the expected form") end;',
    '{}',
    ...(gossip ? ['+ {encrypt: value($gossip; "the gossip key (Secret key of gossipEncryption)"; "^[A-Za-z0-9+/]{43}=$")}'] : []),
    ...(acl ? [`+ {acl: {tokens: {initial_management: value($management; "the ACL Secret key token"; "${uuid}"), agent: value($agent; "the ACL Secret key agent-token"; "${uuid}")}}}`] : []),
  ];
  return [
    'umask 077',
    `jq -n ${args.join(' ')} ${sq(parts.join('\n'))} > ${SECRET_CONFIG_DIR}/${SECRET_CONFIG_FILE}`,
    '',
  ].join('\n');
}

/** The inputs of the bootstrap Job's script. */
export interface BootstrapScriptInput {
  readonly consulUrl: string;
  readonly tls: boolean;
  readonly acl: boolean;
  readonly agentPolicy: string;
  readonly partOf: string;
  /** "<namespace>/<name>" of the registry (in descriptions). */
  readonly registry: string;
  readonly consumers: ConsulConsumer[];
  /** Each server's own HTTP(S) API (`<scheme>://<pod DNS name>:<port>`): where the agent token is handed over. */
  readonly servers?: string[];
}

/**
 * The bootstrap Job's script (busybox sh, curl and jq from the Consul image). Tokens are read from
 * and written to files; headers come from files (`curl -H @file`), so no token is an argument.
 */
export function bootstrapScript(i: BootstrapScriptInput): string {
  /** Ends the description of every service token this registry's bootstrap creates (how it finds its stale ones). */
  const serviceTokenSuffix = ` of ${i.registry}`;
  const cacert = i.tls ? ` --cacert ${TLS_DIR}/ca.crt` : '';
  const lines = [
    'set -eu',
    'umask 077',
    `consul=${sq(i.consulUrl)}`,
    'kube=https://kubernetes.default.svc',
    'sa=/var/run/secrets/kubernetes.io/serviceaccount',
    'log() { echo "consul-bootstrap: $*"; }',
    `c() { curl -sS -m 30${cacert} "$@"; }`,
    '# kube ARGS...: prints the HTTP status, the body is in /tmp/kube.out',
    '{ printf "Authorization: Bearer "; tr -d "\\r\\n" < "$sa/token"; echo; } > /tmp/kube.h',
    'k() { curl -sS -m 30 --cacert "$sa/ca.crt" -H @/tmp/kube.h -o /tmp/kube.out -w "%{http_code}" "$@"; }',
    'until c -f "$consul/v1/status/leader" 2>/dev/null | grep -q \'".\'; do log "waiting for a leader at $consul"; sleep 5; done',
  ];
  if (i.acl) {
    lines.push(
      '{ printf "X-Consul-Token: "; tr -d "\\r\\n" < /consul/secrets/acl/token; echo; } > /tmp/management.h',
      '# m ARGS...: a call with the management token; prints the HTTP status, the body is in /tmp/consul.out',
      'm() { c -H @/tmp/management.h -o /tmp/consul.out -w "%{http_code}" "$@"; }',
      'until [ "$(m "$consul/v1/acl/token/self")" = 200 ]; do log "waiting for the ACL system (initial management token)"; sleep 5; done',
      '# policy NAME DESCRIPTION RULES: create or update',
      'policy() {',
      '  jq -n --arg n "$1" --arg d "$2" --arg r "$3" \'{Name: $n, Description: $d, Rules: $r}\' > /tmp/policy.json',
      '  if [ "$(m "$consul/v1/acl/policy/name/$1")" = 200 ]; then',
      '    code=$(m -X PUT --data-binary @/tmp/policy.json "$consul/v1/acl/policy/$(jq -r .ID /tmp/consul.out)")',
      '  else',
      '    code=$(m -X PUT --data-binary @/tmp/policy.json "$consul/v1/acl/policy")',
      '  fi',
      '  [ "$code" = 200 ] || { log "policy $1: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      '  log "policy $1 ok"',
      '}',
      '# the AccessorIDs of the tokens this run keeps (the stale service tokens are deleted at the end)',
      ': > /tmp/keep',
      '# token FILE DESCRIPTION POLICY SERVICE: a token whose SecretID is in FILE, with POLICY or the service identity SERVICE',
      'token() {',
      '  { printf "X-Consul-Token: "; tr -d "\\r\\n" < "$1"; echo; } > /tmp/token.h',
      '  if [ "$(c -H @/tmp/token.h -o /tmp/self.json -w "%{http_code}" "$consul/v1/acl/token/self")" = 200 ]; then',
      '    jq -r .AccessorID /tmp/self.json >> /tmp/keep',
      '    log "token $2 exists"',
      '    return',
      '  fi',
      '  jq -n --rawfile s "$1" --arg d "$2" --arg p "$3" --arg svc "$4" \'{SecretID: ($s | gsub("\\\\s"; "")), Description: $d}'
      + ' + (if $p != "" then {Policies: [{Name: $p}]} else {} end)'
      + ' + (if $svc != "" then {ServiceIdentities: [{ServiceName: $svc}]} else {} end)\' > /tmp/token.json',
      '  code=$(m -X PUT --data-binary @/tmp/token.json "$consul/v1/acl/token")',
      '  [ "$code" = 200 ] || { log "token $2: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      '  jq -r .AccessorID /tmp/consul.out >> /tmp/keep',
      '  log "token $2 created"',
      '}',
      `policy ${sq(i.agentPolicy)} ${sq(`Consul server agents of ${i.registry}`)} ${sq(AGENT_POLICY_RULES)}`,
      `token /consul/secrets/acl/agent-token ${sq(`agent token of ${i.registry}`)} ${sq(i.agentPolicy)} ''`,
      'agent_accessor=$(tail -n 1 /tmp/keep)',
      '# every running server takes the agent token of the Secret at once (PUT /v1/agent/token/agent), which it',
      '# also persists in its data (enable_token_persistence) and prefers to its configuration after a restart;',
      '# only when every server confirmed are the agent tokens this bootstrap made before (a rotation) deleted,',
      '# so no server, running or restarting, is left with a deleted token',
      'jq -n --rawfile s /consul/secrets/acl/agent-token \'{Token: ($s | gsub("\\\\s"; ""))}\' > /tmp/agent-token.json',
      'handed=0',
      `for server in ${(i.servers ?? []).map(sq).join(' ')}; do`,
      '  code=$(m -X PUT --data-binary @/tmp/agent-token.json "$server/v1/agent/token/agent") || code=000',
      '  if [ "$code" = 200 ]; then handed=$((handed + 1)); log "server $server uses the agent token"; else log "server $server: HTTP $code on the agent token handover"; fi',
      'done',
      `if [ "$handed" = ${(i.servers ?? []).length} ]; then`,
      '  code=$(m "$consul/v1/acl/tokens")',
      '  [ "$code" = 200 ] || { log "listing tokens: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      `  jq -r --arg d ${sq(`agent token of ${i.registry}`)} --arg keep "$agent_accessor" '.[] | select(.Description == $d and .AccessorID != $keep) | .AccessorID' /tmp/consul.out > /tmp/old-agent`,
      '  while read -r accessor; do',
      '    code=$(m -X DELETE "$consul/v1/acl/token/$accessor")',
      '    [ "$code" = 200 ] || { log "deleting the old agent token: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      '    log "old agent token (AccessorID $accessor) deleted: every server uses the new one"',
      '  done < /tmp/old-agent',
      'else',
      `  log "$handed of ${(i.servers ?? []).length} servers took the agent token: older agent tokens are kept until every server has it"`,
      'fi',
      ...[...new Set(i.consumers.map((c) => c.policy).filter((p): p is string => p !== undefined))].map((p) =>
        `policy ${sq(p)} ${sq(`Prometheus reading the agents' metrics of ${i.registry}`)} ${sq(METRICS_POLICY_RULES)}`),
    );
  }
  lines.push(
    '# consumer NAMESPACE SECRET SERVICE POLICY: the Secret (token kept if it has one), then the token',
    '# (with the service identity SERVICE, or for the metrics reader, SERVICE "", with POLICY)',
    'consumer() {',
    '  code=$(k "$kube/api/v1/namespaces/$1/secrets/$2")',
    '  case "$code" in',
    '    200) method=PUT; url="$kube/api/v1/namespaces/$1/secrets/$2"; jq -r \'.data.token // ""\' /tmp/kube.out | base64 -d > /tmp/token 2>/dev/null || : > /tmp/token ;;',
    '    404) method=POST; url="$kube/api/v1/namespaces/$1/secrets"; : > /tmp/token ;;',
    '    *) log "reading Secret $1/$2: HTTP $code $(cat /tmp/kube.out)"; exit 1 ;;',
    '  esac',
    ...(i.acl ? ['  grep -Eq \'^[0-9a-f-]{36}$\' /tmp/token || cat /proc/sys/kernel/random/uuid > /tmp/token'] : []),
    `  jq -n --arg ns "$1" --arg name "$2" --arg partOf ${sq(i.partOf)}${i.acl ? ' --rawfile token /tmp/token' : ''}${i.tls ? ` --rawfile ca ${TLS_DIR}/ca.crt` : ''} '{apiVersion: "v1", kind: "Secret", type: "Opaque",`
    + ` metadata: {name: $name, namespace: $ns, labels: {"${LABEL_MANAGED_BY}": "${MANAGED_BY}", "${LABEL_PART_OF}": $partOf}},`
    + ` stringData: ({}${i.acl ? ' + {token: ($token | gsub("\\\\s"; ""))}' : ''}${i.tls ? ' + {"ca.crt": $ca}' : ''})}' > /tmp/secret.json`,
    '  code=$(k -X "$method" -H "Content-Type: application/json" --data-binary @/tmp/secret.json "$url")',
    '  case "$code" in 200|201) log "Secret $1/$2 written" ;; *) log "writing Secret $1/$2: HTTP $code $(cat /tmp/kube.out)"; exit 1 ;; esac',
    ...(i.acl ? [
      '  if [ -n "$3" ]; then what="service $3"; else what="metrics reader"; fi',
      `  token /tmp/token "$what ($1/$2)${serviceTokenSuffix}" "$4" "$3"`,
    ] : []),
    '}',
    ...i.consumers.map((c) => `consumer ${sq(c.namespace)} ${sq(c.secretName)} ${sq(c.serviceName)} ${sq(c.policy ?? '')}`),
    ...(i.acl ? [
      '# Consumer tokens of this registry that no consumer Secret holds any more: the old token of a service',
      '# whose Secret was deleted (a rotation) and the tokens of removed services. Only after every consumer',
      '# above succeeded (set -e), and only tokens with this bootstrap\'s description.',
      'code=$(m "$consul/v1/acl/tokens")',
      '[ "$code" = 200 ] || { log "listing tokens: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      `jq -r --rawfile keep /tmp/keep --arg suffix ${sq(serviceTokenSuffix)} '($keep | split("\\n")) as $k | .[]`
      + ' | select((.Description // "") | (startswith("service ") or startswith("metrics reader ")) and endswith($suffix))'
      + ' | select(.AccessorID | IN($k[]) | not) | "\\(.AccessorID) \\(.Description)"\' /tmp/consul.out > /tmp/stale',
      'while read -r accessor description; do',
      '  code=$(m -X DELETE "$consul/v1/acl/token/$accessor")',
      '  [ "$code" = 200 ] || { log "deleting token $description: HTTP $code $(cat /tmp/consul.out)"; exit 1; }',
      '  log "token $description (AccessorID $accessor) deleted: no consumer Secret holds it"',
      'done < /tmp/stale',
    ] : []),
    'log done',
    '',
  );
  return lines.join('\n');
}
