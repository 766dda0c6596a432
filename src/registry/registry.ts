import { Construct } from 'constructs';
import { IRegistryEngine, RegistryKind } from './engine';
import { DeployedRegistry, isRegistryEngineImpl } from './engine-impl';
import { RegistryEngine } from './registry-engine';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, EnvValue, EnvVariable, IBindable, IWorkload } from '../architecture/binding';
import type { IConsole } from '../architecture/routable';
import { fail, show } from '../internal/errors';
import { placePlatformComponent } from '../internal/platform';

/** Properties of a {@link Registry}. */
export interface RegistryProps {
  /**
   * The registry software.
   * @default RegistryEngine.dns() (server-side discovery through Kubernetes Services)
   */
  readonly engine?: IRegistryEngine;
  /**
   * The namespace the registry runs in.
   * @default - the construct id
   */
  readonly namespace?: string;
}

/**
 * Service registration and discovery, in either of the seed's two modes:
 * - server-side: Kubernetes Services and DNS (`RegistryEngine.dns()`, nothing to run);
 * - client-side: a registry cluster services register with and query (`RegistryEngine.etcd()`,
 *   `.zookeeper()`, `.consul()`), deployed as a quorum StatefulSet with disruption budgets that
 *   keep the quorum.
 *
 * `service.uses(registry)` hands the service the registry's address (`SERVICE_REGISTRY_TYPE`,
 * `SERVICE_REGISTRY_ADDRESS` and the engine's own variables such as `CONSUL_HTTP_ADDR`), what it
 * should publish (`SERVICE_REGISTRATION_NAME`, `_HOST` = pod IP, `_PORT`, and how its health is
 * kept: `_HEALTH_PATH` for etcd and ZooKeeper, a TTL check for Consul), and the network edge to
 * the registry's client port.
 */
export class Registry extends Construct implements IBindable {
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name. */
  public readonly componentName: string;
  /** The namespace it runs in. */
  public readonly namespace: string;
  /** The engine. */
  public readonly engine: IRegistryEngine;
  /** The registry's client address (undefined for DNS). */
  public readonly address?: string;
  /** The web console (the Consul UI), exposable with `gateway.expose()`. */
  public readonly console?: IConsole;
  private readonly deployed: DeployedRegistry;

  constructor(scope: Construct, id: string, props: RegistryProps = {}) {
    super(scope, id);
    const placement = placePlatformComponent(this, id, props.namespace);
    this.architecture = placement.architecture;
    this.componentName = placement.componentName;
    this.namespace = placement.namespace;
    this.engine = props.engine ?? RegistryEngine.dns();
    if (!isRegistryEngineImpl(this.engine)) {
      fail(this, `engine ${show(this.engine.kind)} is not one of the library's engines`, 'choose it with a RegistryEngine factory, e.g. RegistryEngine.etcd()');
    }
    this.deployed = this.engine._deploy(this);
    this.address = this.deployed.address;
    this.console = this.deployed.console;
  }

  /** Human description used in errors. */
  public get bindingDescription(): string {
    return `${this.engine.kind} registry ${show(this.componentName)} (${this.node.path})`;
  }

  /** The registry's pods, if it runs any (undefined for DNS). */
  public get workload(): IWorkload | undefined {
    return this.deployed.endpoints[0]?.workload;
  }

  /** Connection and registration details for `consumer`, and the edge to the client port. */
  public bind(consumer: IWorkload): Binding {
    const env: EnvVariable[] = [{ name: 'SERVICE_REGISTRY_TYPE', value: EnvValue.fromValue(this.engine.kind) }];
    if (this.deployed.address) env.push({ name: 'SERVICE_REGISTRY_ADDRESS', value: EnvValue.fromValue(this.deployed.address) });
    env.push(...this.deployed.env(consumer));
    if (this.engine.kind === RegistryKind.DNS) {
      env.push({ name: 'SERVICE_DISCOVERY_DNS_SUFFIX', value: EnvValue.fromValue(`svc.${this.architecture.clusterDomain}`) });
    } else if (consumer.registration) {
      const r = consumer.registration;
      env.push(
        { name: 'SERVICE_REGISTRATION_NAME', value: EnvValue.fromValue(r.serviceName) },
        { name: 'SERVICE_REGISTRATION_HOST', value: EnvValue.fromFieldPath('status.podIP') },
        { name: 'SERVICE_REGISTRATION_PORT', value: EnvValue.fromValue(String(r.port)) },
        { name: 'SERVICE_REGISTRATION_PROTOCOL', value: EnvValue.fromValue(r.protocol) },
      );
      if (this.deployed.registrationEnv) {
        env.push(...this.deployed.registrationEnv(consumer, r));
      } else if (r.healthCheckPath) {
        env.push({ name: 'SERVICE_REGISTRATION_HEALTH_PATH', value: EnvValue.fromValue(r.healthCheckPath) });
      }
    }
    return { env, endpoints: this.deployed.endpoints, secretFiles: this.deployed.secretFiles?.(consumer) };
  }
}
