import { ConfigValue } from './config-value';

/** Options of the Kubernetes-native config engine (ConfigMaps and Secrets). */
export interface KubernetesConfigOptions {
  /**
   * Entries every consumer gets.
   * @default - none
   */
  readonly entries?: { [key: string]: ConfigValue };
  /**
   * Entries per environment profile, merged over `entries` when the architecture has that profile.
   * Keys: "development" and "production" (the values of `Profile`).
   * @default - none
   */
  readonly overlays?: { [profile: string]: { [key: string]: ConfigValue } };
  /**
   * Entries of one consumer, by its component name, merged over the shared entries and overlays.
   * @default - none
   */
  readonly applications?: { [componentName: string]: { [key: string]: ConfigValue } };
}
