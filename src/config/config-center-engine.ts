import { IConfigCenterEngine } from './engine';
import { KubernetesConfigEngine } from './kubernetes';
import { KubernetesConfigOptions } from './kubernetes-options';

/** Factories for the configuration-center engines. */
export class ConfigCenterEngine {
  /** Kubernetes ConfigMaps and Secrets: typed entries, per-profile overlays, content-hashed immutable versions, read-only RBAC. */
  public static kubernetes(options: KubernetesConfigOptions = {}): IConfigCenterEngine {
    return new KubernetesConfigEngine(options);
  }

  private constructor() {}
}
