import { RegistryKind } from './engine';
import { DeployedRegistry, RegistryEngineImpl } from './engine-impl';

/**
 * Server-side discovery: every Microservice already has a Service and a stable DNS name, which
 * `uses()` hands to its callers; kube-proxy or the mesh balances. Nothing is deployed.
 */
export class DnsRegistryEngine implements RegistryEngineImpl {
  public readonly kind = RegistryKind.DNS;

  public _deploy(): DeployedRegistry {
    return { endpoints: [], env: () => [] };
  }
}
