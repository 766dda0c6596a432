import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Gateway } from './gateway';
import { DeployedGatewayOptions, GatewayExposure } from './proxy-options';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { lazy } from '../internal/lazy';
import { validateInteger } from '../internal/names';
import { ResolvedResources, resolveResources } from '../internal/profile-defaults';
import { StatelessWorkload, StatelessWorkloadPort } from '../internal/stateless-workload';

const k8s = kplus.k8s;
export const ANNOTATION_CONFIG_HASH = `${DOMAIN}/config-hash`;
const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The common options of a deployed engine, validated. */
export interface ProxySettings {
  readonly replicas: number;
  readonly maxReplicas: number;
  readonly resources: ResolvedResources;
  readonly exposure: GatewayExposure;
  readonly clientCidrs: string[];
}

export function proxySettings(gateway: Gateway, o: DeployedGatewayOptions): ProxySettings {
  const prod = gateway.architecture.profile === Profile.PRODUCTION;
  const replicas = validateInteger(gateway, 'replicas', o.replicas ?? (prod ? 2 : 1), 1, 1000, 'use at least 1 replica (2 or more in production)');
  const maxReplicas = validateInteger(gateway, 'maxReplicas', o.maxReplicas ?? (prod ? Math.max(6, replicas) : replicas), replicas, 1000,
    'use a maximum at least as large as replicas');
  const exposure = o.exposure ?? GatewayExposure.CLUSTER_INTERNAL;
  if (!Object.values(GatewayExposure).includes(exposure)) fail(gateway, `exposure ${show(exposure)} is unknown`, 'use a GatewayExposure value');
  if (o.clientCidrs !== undefined && exposure !== GatewayExposure.LOAD_BALANCER) {
    fail(gateway, 'clientCidrs is set but the gateway is not exposed through a load balancer', 'set exposure: GatewayExposure.LOAD_BALANCER, or remove clientCidrs');
  }
  const clientCidrs = [...new Set(o.clientCidrs ?? ['0.0.0.0/0'])].sort();
  for (const c of clientCidrs) {
    const m = CIDR4.exec(c);
    if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) {
      fail(gateway, `clientCidrs entry ${show(c)} is not an IPv4 CIDR`, 'use ranges such as "0.0.0.0/0" or "203.0.113.0/24"');
    }
  }
  const resources = resolveResources(gateway, gateway.architecture.profile, o.resources, prod
    ? { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 }
    : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 });
  return { replicas, maxReplicas, resources, exposure, clientCidrs };
}

export interface ProxyWorkloadProps {
  readonly chart: Chart;
  readonly settings: ProxySettings;
  /** e.g. "kong", "apisix": the `app.kubernetes.io/component` label. */
  readonly component: string;
  readonly uid: number;
  readonly ports: StatelessWorkloadPort[];
  /** Ports published by the load balancer: [Service port, container port name]. */
  readonly publicPorts: Array<[number, string]>;
  readonly volumes?: kplus.k8s.Volume[];
  /** External Secrets the pods read (known once every route is added). */
  readonly externalSecrets?: () => string[];
  /** The configuration, hashed into a pod annotation so a change rolls the pods. */
  readonly configHash?: () => string;
  readonly containers: (w: StatelessWorkload) => kplus.k8s.Container[];
  readonly initContainers?: (w: StatelessWorkload) => kplus.k8s.Container[];
}

/**
 * The shared deployment of a gateway the library runs: a StatelessWorkload (Deployment, Service,
 * PDB, spread, NetworkPolicy), an autoscaler when it may grow, and for an access gateway a
 * LoadBalancer Service plus the NetworkPolicy that admits clients on the proxy ports.
 */
export function deployProxy(gateway: Gateway, p: ProxyWorkloadProps): StatelessWorkload {
  const arch = gateway.architecture;
  const s = p.settings;
  const name = gateway.componentName;
  const ns = gateway.namespace;
  const identity = { name, instance: `${arch.name}-${name}`, component: p.component, partOf: arch.name };
  const annotations = () => {
    const out: Record<string, string> = {};
    const secrets = [...new Set(p.externalSecrets?.() ?? [])].sort();
    if (secrets.length > 0) out[`${DOMAIN}/external-secrets`] = secrets.join(',');
    if (p.configHash) out[ANNOTATION_CONFIG_HASH] = createHash('sha256').update(p.configHash()).digest('hex').slice(0, 16);
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const autoscaled = s.maxReplicas > s.replicas;
  const workload = new StatelessWorkload(gateway, p.component, {
    architecture: arch,
    chart: p.chart,
    name,
    namespace: ns,
    identity,
    replicas: autoscaled ? undefined : s.replicas,
    maxReplicas: s.maxReplicas,
    minReplicas: s.replicas,
    ports: p.ports,
    uid: p.uid,
    volumes: p.volumes,
    podAnnotations: lazy(annotations) as Record<string, string>,
    containers: p.containers,
    initContainers: p.initContainers,
    // behind a load balancer the listeners take plaintext from anyone: a mesh must accept that there
    publicPorts: s.exposure === GatewayExposure.LOAD_BALANCER
      ? p.publicPorts.map(([, target]) => p.ports.find((x) => x.name === target)!.port) : [],
  });
  if (autoscaled) {
    new k8s.KubeHorizontalPodAutoscalerV2(p.chart, 'hpa', {
      metadata: { name, namespace: ns, labels: workload.labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: s.replicas,
        maxReplicas: s.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    });
  }
  if (s.exposure === GatewayExposure.LOAD_BALANCER) {
    const byName = new Map(p.ports.map((x) => [x.name, x]));
    new k8s.KubeService(p.chart, 'public-service', {
      metadata: { name: `${name}-public`, namespace: ns, labels: workload.labels },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        selector: workload.podSelector,
        ports: p.publicPorts.map(([port, target]) => ({ name: target, port, targetPort: k8s.IntOrString.fromString(target), protocol: 'TCP', appProtocol: byName.get(target)?.appProtocol })),
      },
    });
    new k8s.KubeNetworkPolicy(p.chart, 'client-network-policy', {
      metadata: { name: `${name}-clients`, namespace: ns, labels: workload.labels },
      spec: {
        podSelector: { matchLabels: workload.podSelector },
        policyTypes: ['Ingress'],
        ingress: [{
          from: s.clientCidrs.map((cidr) => ({ ipBlock: { cidr } })),
          ports: p.publicPorts.map(([, target]) => ({ port: k8s.IntOrString.fromNumber(byName.get(target)!.port), protocol: 'TCP' })),
        }],
      },
    });
  }
  return workload;
}
