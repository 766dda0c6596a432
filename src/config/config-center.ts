import { Construct } from 'constructs';
import { ConfigCenterEngine } from './config-center-engine';
import { ConfigCenterKind, IConfigCenterEngine } from './engine';
import { DeployedConfigCenter, isConfigCenterEngineImpl } from './engine-impl';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, EnvValue, EnvVariable, IBindable, IWorkload } from '../architecture/binding';
import type { IConsole } from '../architecture/routable';
import { fail, show } from '../internal/errors';
import { placePlatformComponent } from '../internal/platform';

/** Properties of a {@link ConfigCenter}. */
export interface ConfigCenterProps {
  /**
   * The configuration-center software.
   * @default ConfigCenterEngine.kubernetes() (ConfigMaps and Secrets, nothing to run)
   */
  readonly engine?: IConfigCenterEngine;
  /**
   * The namespace the config center runs in.
   * @default - the construct id
   */
  readonly namespace?: string;
}

/**
 * A configuration center: where services read their configuration, with the seed's three
 * options — Kubernetes ConfigMaps/Secrets (zero dependencies, content-hashed so a change rolls the
 * consumers), Nacos, or Apollo. `service.uses(config)` hands the service the server address and
 * its application id / namespace, credentials by Secret reference, and the network edges.
 */
export class ConfigCenter extends Construct implements IBindable {
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name. */
  public readonly componentName: string;
  /** The namespace it runs in. */
  public readonly namespace: string;
  /** The engine. */
  public readonly engine: IConfigCenterEngine;
  /** The server address consumers use (undefined for the Kubernetes engine). */
  public readonly address?: string;
  /** The UI's in-cluster URL, if the engine has a UI. */
  public readonly uiUrl?: string;
  /** The web console (Nacos console, Apollo portal), exposable with `gateway.expose()`. */
  public readonly console?: IConsole;
  private readonly deployed: DeployedConfigCenter;

  constructor(scope: Construct, id: string, props: ConfigCenterProps = {}) {
    super(scope, id);
    const placement = placePlatformComponent(this, id, props.namespace);
    this.architecture = placement.architecture;
    this.componentName = placement.componentName;
    this.namespace = placement.namespace;
    this.engine = props.engine ?? ConfigCenterEngine.kubernetes();
    if (!isConfigCenterEngineImpl(this.engine)) {
      fail(this, `engine ${show(this.engine.kind)} is not one of the library's engines`, 'choose it with a ConfigCenterEngine factory, e.g. ConfigCenterEngine.nacos()');
    }
    this.deployed = this.engine._deploy(this);
    this.address = this.deployed.address;
    this.uiUrl = this.deployed.uiUrl;
    this.console = this.deployed.console;
  }

  /** Human description used in errors. */
  public get bindingDescription(): string {
    return `${this.engine.kind} config center ${show(this.componentName)} (${this.node.path})`;
  }

  /** Server address, application identity and credentials for `consumer`, and the network edges. */
  public bind(consumer: IWorkload): Binding {
    const env: EnvVariable[] = [{ name: 'CONFIG_CENTER_TYPE', value: EnvValue.fromValue(this.engine.kind) }];
    if (this.deployed.address && this.engine.kind !== ConfigCenterKind.KUBERNETES) {
      env.push({ name: 'CONFIG_SERVER_ADDRESS', value: EnvValue.fromValue(this.deployed.address) });
    }
    const b = this.deployed.bind(consumer);
    env.push(...b.env);
    return { env, endpoints: b.endpoints };
  }
}
