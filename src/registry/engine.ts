/** The registry software. */
export enum RegistryKind {
  /** Server-side discovery: Kubernetes Services and cluster DNS (no registry to run). */
  DNS = 'dns',
  /** etcd (client-side registry, Raft). */
  ETCD = 'etcd',
  /** Apache ZooKeeper (client-side registry, ZAB). */
  ZOOKEEPER = 'zookeeper',
  /** HashiCorp Consul server agents (client-side registry, Raft + gossip). */
  CONSUL = 'consul',
}

/** A registry engine, chosen with the static factories of {@link RegistryEngine}. */
export interface IRegistryEngine {
  /** Which software this engine deploys. */
  readonly kind: RegistryKind;
}
