import type { IRegistryEngine } from './engine';
import type { Registry } from './registry';
import type { BindingEndpoint, EnvVariable, IWorkload, RegistrationInfo, SecretFiles } from '../architecture/binding';
import type { IConsole } from '../architecture/routable';

/** What an engine deployed and what it hands to consumers. */
export interface DeployedRegistry {
  /** The pods consumers reach, and on which ports ([] for DNS). */
  readonly endpoints: BindingEndpoint[];
  /** The address consumers use (`SERVICE_REGISTRY_ADDRESS`), if the engine has one. */
  readonly address?: string;
  /** Engine-native connection variables for one consumer (e.g. `CONSUL_HTTP_ADDR`, `ETCD_ENDPOINTS`). */
  readonly env: (consumer: IWorkload) => EnvVariable[];
  /**
   * How a registering consumer keeps its registration healthy, when the engine decides it (Consul:
   * TTL checks). Replaces `SERVICE_REGISTRATION_HEALTH_PATH`, which tells the registry to probe.
   */
  readonly registrationEnv?: (consumer: IWorkload, registration: RegistrationInfo) => EnvVariable[];
  /** Secrets one consumer mounts as files (client certificates, tokens). */
  readonly secretFiles?: (consumer: IWorkload) => SecretFiles[];
  /** The engine's web console, exposable through a Gateway. */
  readonly console?: IConsole;
}

/** The contract every engine implementation fulfils. */
export interface RegistryEngineImpl extends IRegistryEngine {
  _deploy(registry: Registry): DeployedRegistry;
}

/** */
export function isRegistryEngineImpl(x: IRegistryEngine): x is RegistryEngineImpl {
  return typeof (x as RegistryEngineImpl)._deploy === 'function';
}
