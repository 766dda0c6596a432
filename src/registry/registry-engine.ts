import { DnsRegistryEngine } from './dns';
import { IRegistryEngine } from './engine';
import { EtcdRegistryEngine } from './etcd';
import { EtcdOptions } from './etcd-options';

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

  private constructor() {}
}
