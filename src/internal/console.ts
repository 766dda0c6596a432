import { show } from './errors';
import { envPrefix } from './names';
import { AppProtocol } from '../architecture/app-protocol';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, EnvValue, IWorkload, Protocol } from '../architecture/binding';
import type { IConsole, RouteBackend } from '../architecture/routable';

/** A platform component's web console: what a Gateway routes to with `expose()`. */
export class PlatformConsole implements IConsole {
  public readonly architecture: BackendArchitecture;
  public readonly routeBackend: RouteBackend;

  constructor(
    public readonly consoleName: string,
    workload: IWorkload,
    serviceName: string,
    port: number,
    public readonly hasOwnLogin: boolean,
    healthCheckPath?: string,
  ) {
    this.architecture = workload.architecture;
    this.routeBackend = { workload, serviceName, port, appProtocol: AppProtocol.HTTP, ...(healthCheckPath ? { healthCheckPath } : {}) };
  }

  public get bindingDescription(): string {
    return `console ${show(this.consoleName)} (${this.routeBackend.workload.node.path})`;
  }

  /** `<CONSOLE>_URL` and the edge to the console's port. */
  public bind(_consumer: IWorkload): Binding {
    const b = this.routeBackend;
    const url = `http://${this.architecture.serviceHost(b.serviceName, b.workload.namespace)}:${b.port}`;
    return {
      env: [{ name: `${envPrefix(this.consoleName)}_URL`, value: EnvValue.fromValue(url) }],
      endpoints: [{ workload: b.workload, ports: [{ port: b.port, protocol: Protocol.TCP }] }],
    };
  }
}
