import type { ConfigCenter } from './config-center';
import type { IConfigCenterEngine } from './engine';
import type { BindingEndpoint, EnvVariable, IWorkload } from '../architecture/binding';
import type { IConsole } from '../architecture/routable';

/** What an engine deployed; `bind` produces a consumer's configuration wiring. */
export interface DeployedConfigCenter {
  /** The server address consumers use (`CONFIG_SERVER_ADDRESS`), if the engine runs servers. */
  readonly address?: string;
  /** The URL of the engine's UI inside the cluster, if it has one. */
  readonly uiUrl?: string;
  /** The engine's web console, exposable through a Gateway. */
  readonly console?: IConsole;
  /** Engine-native variables and the network edges for one consumer. */
  bind(consumer: IWorkload): { env: EnvVariable[]; endpoints: BindingEndpoint[] };
}

/** The contract every engine implementation fulfils. */
export interface ConfigCenterEngineImpl extends IConfigCenterEngine {
  _deploy(center: ConfigCenter): DeployedConfigCenter;
}

export function isConfigCenterEngineImpl(x: IConfigCenterEngine): x is ConfigCenterEngineImpl {
  return typeof (x as ConfigCenterEngineImpl)._deploy === 'function';
}
