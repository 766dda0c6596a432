import { ConsulRegistryEngine } from './consul';
import { ConsulOptions } from './consul-options';
import { DnsRegistryEngine } from './dns';
import { IRegistryEngine } from './engine';
import { EtcdRegistryEngine } from './etcd';
import { EtcdOptions } from './etcd-options';
import { ZooKeeperRegistryEngine } from './zookeeper';
import { ZooKeeperOptions } from './zookeeper-options';

/** Factories for the registry engines. */
export class RegistryEngine {
  /** Server-side discovery through Kubernetes Services and cluster DNS: nothing to run. */
  public static dns(): IRegistryEngine {
    return new DnsRegistryEngine();
  }

  /** etcd: a static-bootstrap Raft cluster (StatefulSet), with compaction and scheduled defragmentation. */
  public static etcd(options: EtcdOptions = {}): IRegistryEngine {
    return new EtcdRegistryEngine(options);
  }

  /**
   * Consul: server agents forming a Raft quorum (StatefulSet) that join through a headless Service;
   * services use the servers' HTTP API (`CONSUL_HTTP_ADDR`). Production encrypts gossip with a key
   * from an external Secret; ACLs are opt-in.
   */
  public static consul(options: ConsulOptions = {}): IRegistryEngine {
    return new ConsulRegistryEngine(options);
  }

  /**
   * Apache ZooKeeper: a static ZAB ensemble (StatefulSet) configured by a mounted zoo.cfg, with
   * automatic purging of old snapshots; services connect with `ZOOKEEPER_CONNECT`
   * (`host:2181,...`, one entry per member).
   */
  public static zookeeper(options: ZooKeeperOptions = {}): IRegistryEngine {
    return new ZooKeeperRegistryEngine(options);
  }

  private constructor() {}
}
