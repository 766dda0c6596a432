import { ApolloConfigEngine } from './apollo';
import { ApolloOptions } from './apollo-options';
import { IConfigCenterEngine } from './engine';
import { KubernetesConfigEngine } from './kubernetes';
import { KubernetesConfigOptions } from './kubernetes-options';
import { NacosConfigEngine } from './nacos';
import { NacosOptions } from './nacos-options';

/** Factories for the configuration-center engines. */
export class ConfigCenterEngine {
  /** Kubernetes ConfigMaps and Secrets: typed entries, per-profile overlays, content-hashed immutable versions (rollback through Git), no RBAC needed. */
  public static kubernetes(options: KubernetesConfigOptions = {}): IConfigCenterEngine {
    return new KubernetesConfigEngine(options);
  }

  /**
   * Nacos 2.x: a StatefulSet cluster (standalone with one member) on MySQL (external, or generated
   * in production) or embedded storage, authentication always on, the console on the client
   * Service, and a Job that creates the namespaces and a read-only user per consumer.
   */
  public static nacos(options: NacosOptions = {}): IConfigCenterEngine {
    return new NacosConfigEngine(options);
  }

  /**
   * Apollo: config service, admin service and portal as Deployments (the `kubernetes` profile, no
   * Eureka) on a MySQL initialized with Apollo's own schemas (or an external one), restricted pods
   * with a read-only root filesystem, and NetworkPolicies for every edge. Consumers get
   * `APOLLO_META`, `APP_ID` (their component name), the cluster and the environment.
   */
  public static apollo(options: ApolloOptions = {}): IConfigCenterEngine {
    return new ApolloConfigEngine(options);
  }

  private constructor() {}
}
