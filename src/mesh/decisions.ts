import { IstioDataPlaneMode, MeshKind, ResolvedEngine } from './engine';
import { WorkloadController, WorkloadRegistration } from '../architecture/extension';

/** Whether a workload runs in the mesh by default, whether it can at all, and why. */
export interface MeshDecision {
  /** Enrolled unless the user excludes it. */
  readonly byDefault: boolean;
  /** It can run meshed (explicit enrolment of a component that cannot is a synth error). */
  readonly canRun: boolean;
  /** Why (recorded on the pods of workloads left out). */
  readonly reason: string;
  /**
   * The protocol on its ports is server-first (the server speaks first): meshed clients must skip
   * these ports, since proxies wait for the client's first bytes to detect the protocol.
   */
  readonly serverFirst?: boolean;
}

const QUORUM = 'members find each other by pod address through the headless Service before they are ready (quorum bootstrap); '
  + 'a member whose proxy is not up yet, or holds traffic until it has a certificate, delays or breaks the election';

/**
 * The decision per stateful platform component (by the kind its workload registers). Left out of
 * the mesh, a component keeps forming its cluster exactly as without a mesh; its meshed clients
 * reach it in plain TCP inside the NetworkPolicies (Istio and Linkerd send plaintext to endpoints
 * without a proxy; ztunnel passes it through).
 */
const STATEFUL: Record<string, { reason: string; serverFirst?: boolean }> = {
  etcd: { reason: `etcd: ${QUORUM} (Raft peers on 2380)` },
  zookeeper: { reason: `ZooKeeper: ${QUORUM} (quorum 2888, election 3888)` },
  consul: { reason: 'Consul: Serf gossip on 8301/8302 uses UDP, which no mesh carries, and servers elect by pod address' },
  nacos: { reason: `Nacos: ${QUORUM} (JRaft 7848, gRPC 9849)` },
  kafka: { reason: 'Kafka: brokers advertise per-pod listener addresses that clients dial directly, and the KRaft quorum forms before the pods are ready' },
  controller: { reason: `Kafka KRaft controllers: ${QUORUM} (9093)` },
  broker: { reason: 'message brokers (Kafka, RocketMQ, Pulsar) register per-pod addresses that clients and peers dial directly' },
  redis: { reason: 'Redis: replicas and Sentinel-aware clients dial the primary by the pod address Sentinel reports at runtime' },
  sentinel: { reason: 'Redis Sentinel: Sentinels gossip and announce pod addresses to each other and to clients' },
  rabbitmq: { reason: 'RabbitMQ: Erlang distribution (epmd 4369, 25672) forms the cluster by pod name' },
  namesrv: { reason: 'RocketMQ NameServer: brokers register their pod addresses with it and clients dial them directly' },
  standalone: { reason: 'Pulsar standalone: the broker advertises its pod address to clients' },
  bookie: { reason: 'Pulsar BookKeeper: bookies register their pod addresses in ZooKeeper and brokers dial them directly' },
  mysql: { reason: 'MySQL: a server-first protocol (the server greets first), which proxies cannot detect; its meshed clients skip port 3306', serverFirst: true },
  elasticsearch: { reason: `Elasticsearch: ${QUORUM} (transport 9300, which carries its own TLS)` },
  alertmanager: { reason: 'Alertmanager: cluster gossip on 9094 uses UDP, which no mesh carries' },
  server: { reason: 'Zabbix server: its agents run on the node network, outside any mesh, and connect to 10051' },
};

/** The metrics scraper (Prometheus) of the observability stack. */
export const SCRAPER_KIND = 'prometheus';

/** Decides whether a registered workload runs in the mesh. */
export function meshDecision(reg: WorkloadRegistration, engine: ResolvedEngine): MeshDecision {
  if (reg.external) {
    // The platform team enrols these pods (their namespace is theirs): the mesh only authorizes them.
    return reg.externalInMesh
      ? { byDefault: true, canRun: true, reason: 'enrolled by the platform team (a controller\'s data plane)' }
      : { byDefault: false, canRun: false, reason: 'a controller\'s data plane that the platform team runs outside the mesh' };
  }
  if (reg.hostNetwork) {
    return { byDefault: false, canRun: false, reason: 'it runs on the node network, which no mesh proxies' };
  }
  if (reg.controller === WorkloadController.DAEMON_SET) {
    return { byDefault: false, canRun: false, reason: 'a node agent (DaemonSet) that reads the node\'s files; it calls no meshed service' };
  }
  if (reg.kind === SCRAPER_KIND) {
    if (engine.kind === MeshKind.ISTIO && engine.istioMode === IstioDataPlaneMode.SIDECAR) {
      return {
        byDefault: false,
        canRun: false,
        reason: 'Prometheus scrapes pod addresses, which a sidecar would send in plaintext to targets that require mutual TLS; '
          + 'it scrapes the sidecars\' merged metrics on 15020 instead',
      };
    }
    return { byDefault: true, canRun: true, reason: 'the scraper runs in the mesh: it scrapes meshed targets over mutual TLS with its own identity' };
  }
  if (reg.controller === WorkloadController.STATEFUL_SET) {
    const known = STATEFUL[reg.kind];
    return {
      byDefault: false,
      canRun: false,
      reason: known?.reason ?? `a stateful cluster (${reg.kind}): ${QUORUM}`,
      serverFirst: known?.serverFirst,
    };
  }
  return { byDefault: true, canRun: true, reason: 'enrolled' };
}

/** The decision table, for documentation and tests: kind -> reason. */
export function statefulDecisions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(STATEFUL).sort()) out[k] = STATEFUL[k].reason;
  return out;
}
