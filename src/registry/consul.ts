import { createHash } from 'crypto';
import * as kplus from 'cdk8s-plus-28';
import { ConsulAclPolicy, ConsulOptions } from './consul-options';
import { RegistryKind } from './engine';
import { DeployedRegistry, RegistryEngineImpl } from './engine-impl';
import type { Registry } from './registry';
import { EnvValue, EnvVariable, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { PlatformConsole } from '../internal/console';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, DOMAIN } from '../internal/labels';
import { objectName, validateDnsLabel } from '../internal/names';
import { deployPlatformComponent, quorumClusterSettings } from '../internal/platform';
import { secureContainer, writableVolumes } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { ClusterPort, StatefulCluster } from '../internal/stateful-cluster';

const k8s = kplus.k8s;

/** The Consul image: HashiCorp's own (Alpine-based, with /bin/sh and curl). */
export const CONSUL_DEFAULT_IMAGE = 'hashicorp/consul:1.22.7';
const HTTP_PORT = 8500;
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
 * belong to gid 1000. The ConfigMap is mounted world-readable.
 */
const UID = 100;
const DATA_DIR = '/consul/data';
const CONFIG_DIR = '/consul/config';
const CONFIG_FILE = 'server.json';
/** Pod template annotation with a hash of the server configuration: a changed config rolls the servers. */
const ANNOTATION_CONFIG_HASH = `${DOMAIN}/config-hash`;
/** Environment variables the agent's arguments expand (Kubernetes `$(VAR)` expansion, no shell). */
const ENV_POD_IP = 'POD_IP';
const ENV_GOSSIP_KEY = 'GOSSIP_KEY';
const ENV_INITIAL_MANAGEMENT_TOKEN = 'ACL_INITIAL_MANAGEMENT_TOKEN';
/** Secret keys: what Kubernetes accepts (`[-._a-zA-Z0-9]+`, at most 253 characters). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

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
  /** ACLs, if enabled. The initial management token is not here: it comes from a Secret as an `-hcl` flag. */
  readonly acl?: { readonly defaultPolicy: ConsulAclPolicy };
}

/**
 * The server agent's configuration (`server.json`), as a plain object with keys in a fixed order.
 * Secrets (gossip key, initial management token) are never part of it: they are passed as flags
 * from Secret-backed environment variables.
 */
export function renderServerConfig(i: ConsulServerConfigInput): Record<string, unknown> {
  return {
    ...(i.acl
      ? {
        acl: {
          default_policy: i.acl.defaultPolicy,
          // the chart's setting: keep serving cached ACL decisions while the leader is unreachable
          down_policy: 'extend-cache',
          // tokens set through the API (`consul acl set-agent-token`) survive restarts
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
    ports: { dns: DNS_PORT, grpc: GRPC_PORT, grpc_tls: -1, http: HTTP_PORT, serf_lan: SERF_LAN_PORT, server: SERVER_PORT },
    retry_join: [i.retryJoin],
    server: true,
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

/** Consul server agents as a StatefulSet quorum that joins through its headless Service. */
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
    const acl = o.acl?.enabled ? resolveAcl(registry, name, o.acl) : undefined;

    const headlessServiceName = objectName(registry, name, 'headless');
    const config = stableJson(renderServerConfig({
      members,
      datacenter,
      retryJoin: `${arch.serviceHost(headlessServiceName, ns)}:${SERF_LAN_PORT}`,
      ui: o.ui ?? true,
      production,
      acl: acl ? { defaultPolicy: acl.defaultPolicy } : undefined,
    }));
    const configMapName = objectName(registry, name, 'config');
    const externalSecrets = [gossip?.secretName, acl?.tokenSecretName].filter((s): s is string => s !== undefined);
    const podAnnotations: Record<string, string> = {
      [ANNOTATION_CONFIG_HASH]: createHash('sha256').update(config).digest('hex').slice(0, 16),
      ...(externalSecrets.length > 0 ? { [ANNOTATION_EXTERNAL_SECRETS]: [...new Set(externalSecrets)].sort().join(',') } : {}),
    };

    const ports: ClusterPort[] = [
      { name: 'http', port: HTTP_PORT },
      { name: 'grpc', port: GRPC_PORT },
      { name: 'dns-tcp', port: DNS_PORT, protocol: Protocol.TCP },
      { name: 'dns-udp', port: DNS_PORT, protocol: Protocol.UDP },
      { name: 'server', port: SERVER_PORT, peerOnly: true },
      { name: 'serflan-tcp', port: SERF_LAN_PORT, protocol: Protocol.TCP, peerOnly: true },
      { name: 'serflan-udp', port: SERF_LAN_PORT, protocol: Protocol.UDP, peerOnly: true },
    ];
    const tmp = writableVolumes(registry, ['/tmp'], 64);

    const env: kplus.k8s.EnvVar[] = [{ name: ENV_POD_IP, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }];
    const args = ['agent', `-config-dir=${CONFIG_DIR}`, `-advertise=$(${ENV_POD_IP})`];
    // Consul reads no configuration from the environment, and has no "from file" form of these two
    // settings: like the consul-k8s chart, pass them as flags that expand Secret-backed variables.
    if (gossip) {
      env.push({ name: ENV_GOSSIP_KEY, valueFrom: { secretKeyRef: { name: gossip.secretName, key: gossip.key } } });
      args.push(`-encrypt=$(${ENV_GOSSIP_KEY})`);
    }
    if (acl) {
      env.push({ name: ENV_INITIAL_MANAGEMENT_TOKEN, valueFrom: { secretKeyRef: { name: acl.tokenSecretName, key: 'token' } } });
      args.push(`-hcl=acl { tokens { initial_management = "$(${ENV_INITIAL_MANAGEMENT_TOKEN})" } }`);
    }

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
      volumes: [{ name: 'config', configMap: { name: configMapName } }, ...tmp.volumes],
      podAnnotations,
      containers: () => {
        const tcp = { tcpSocket: { port: k8s.IntOrString.fromString('http') } };
        return [secureContainer({
          name: 'consul',
          image,
          command: ['/bin/consul'],
          args,
          env,
          ports: ports.map((p) => ({ name: p.name, containerPort: p.port, ...(p.protocol === Protocol.UDP ? { protocol: 'UDP' } : {}) })),
          resources,
          // the HTTP listener opens before the server has joined; give raft log replay time
          startupProbe: { ...tcp, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
          // ready once the server knows a leader (the chart's probe; /v1/status needs no ACL token; curl is in the image)
          readinessProbe: {
            exec: { command: ['/bin/sh', '-ec', `curl -fsS http://127.0.0.1:${HTTP_PORT}/v1/status/leader | grep -E '".+"'`] },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 3,
          },
          // alive while the HTTP listener answers: a lost leader must not restart servers (that makes it worse)
          livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            { name: 'data', mountPath: DATA_DIR },
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
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

    const clientEnv: EnvVariable[] = [
      { name: 'CONSUL_HTTP_ADDR', value: EnvValue.fromValue(`${cluster.clientHost}:${HTTP_PORT}`) },
      { name: 'CONSUL_GRPC_ADDR', value: EnvValue.fromValue(`${cluster.clientHost}:${GRPC_PORT}`) },
    ];
    if (acl) {
      clientEnv.push({ name: 'CONSUL_HTTP_TOKEN', value: EnvValue.fromSecret({ secretName: acl.consumerTokenSecretName, key: 'token' }) });
    }
    return {
      endpoints: [{ workload: cluster, ports: [{ port: HTTP_PORT, protocol: Protocol.TCP }, { port: GRPC_PORT, protocol: Protocol.TCP }] }],
      address: `http://${cluster.clientHost}:${HTTP_PORT}`,
      env: () => clientEnv,
      // the UI asks for a token only when ACLs deny by default
      ...(o.ui ?? true ? { console: new PlatformConsole('consul', cluster, cluster.clientServiceName, HTTP_PORT, acl?.defaultPolicy === ConsulAclPolicy.DENY) } : {}),
    };
  }
}

function validateSecretKey(registry: Registry, what: string, key: string): string {
  if (!SECRET_KEY.test(key)) {
    fail(registry, `${what} ${show(key)} is not a valid Secret key`, 'use letters, digits, "-", "_" and "." only (e.g. "key")');
  }
  return key;
}

function resolveAcl(registry: Registry, name: string, acl: NonNullable<ConsulOptions['acl']>) {
  const defaultPolicy = acl.defaultPolicy ?? ConsulAclPolicy.DENY;
  if (!Object.values(ConsulAclPolicy).includes(defaultPolicy)) {
    fail(registry, `acl.defaultPolicy ${show(defaultPolicy)} is not a Consul ACL policy`, 'use ConsulAclPolicy.DENY (recommended) or ConsulAclPolicy.ALLOW');
  }
  return {
    defaultPolicy,
    tokenSecretName: validateDnsLabel(registry, 'acl.tokenSecretName', acl.tokenSecretName ?? `${name}-acl-token`),
    consumerTokenSecretName: validateDnsLabel(registry, 'acl.consumerTokenSecretName', acl.consumerTokenSecretName ?? `${name}-token`),
  };
}
