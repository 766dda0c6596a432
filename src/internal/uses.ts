import { fail, show } from './errors';
import type { Binding, IBindable, IWorkload } from '../architecture/binding';

/**
 * Applies `target.bind(consumer)`: the one place where a `uses` edge becomes env vars, NetworkPolicy
 * egress on the consumer, ingress on each provider and an edge of the architecture's graph.
 * `addEnv` receives the binding's variables (the consumer checks collisions).
 */
export function applyUse(
  consumer: IWorkload,
  target: IBindable,
  addEnv: (binding: Binding, source: string) => void,
  addSecretFiles?: (binding: Binding, source: string) => void,
): Binding {
  if (target.architecture !== consumer.architecture) {
    fail(
      consumer,
      `cannot use ${target.bindingDescription}: it belongs to the architecture ${show(target.architecture.node.path)}, not ${show(consumer.architecture.node.path)}`,
      'bind only to components of the same BackendArchitecture (model cross-architecture calls as external endpoints)',
    );
  }
  if ((target as unknown) === consumer) {
    fail(consumer, `${target.bindingDescription} uses itself`, 'remove the uses() call: a service reaches its own pods without a binding');
  }
  const binding = target.bind(consumer);
  consumer.architecture._recordUse(consumer, target);
  for (const endpoint of binding.endpoints ?? []) {
    if (endpoint.workload === consumer) {
      fail(consumer, `${target.bindingDescription} binds ${show(consumer.componentName)} to itself`, 'remove the uses() call: a service reaches its own pods without a binding');
    }
    if (endpoint.workload.architecture !== consumer.architecture) {
      fail(consumer, `${target.bindingDescription} leads to ${show(endpoint.workload.node.path)} in another architecture`, 'bind only to components of the same BackendArchitecture');
    }
  }
  if ((binding.secretFiles ?? []).length > 0 && !addSecretFiles) {
    fail(consumer, `${target.bindingDescription} hands over Secrets to mount as files (${binding.secretFiles!.map((f) => show(f.secretName)).join(', ')}), which ${show(consumer.componentName)} cannot mount`,
      'use it from a Microservice, or configure the component without client certificates');
  }
  addEnv(binding, target.bindingDescription);
  addSecretFiles?.(binding, target.bindingDescription);
  for (const endpoint of binding.endpoints ?? []) {
    consumer.allowEgressTo(endpoint.workload, endpoint.ports);
    endpoint.workload.allowIngressFrom(consumer, endpoint.ports);
    consumer.architecture._recordEdge({ consumer, provider: endpoint.workload, ports: endpoint.ports, via: target });
  }
  return binding;
}
