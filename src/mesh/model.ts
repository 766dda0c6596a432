import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { MeshDecision } from './decisions';
import type { ResolvedEngine } from './engine';
import type { BindingTrafficPolicy, TrafficPolicy } from './traffic-policy';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort, Protocol } from '../architecture/binding';
import type { Connection, WorkloadPortInfo, WorkloadRegistration } from '../architecture/extension';
import { fail, show } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { compareStrings } from '../internal/names';
import type { Microservice } from '../microservice/microservice';

/** Recorded on the pods the mesh leaves out, with the reason. */
export const ANNOTATION_MESH_EXCLUDED = `${DOMAIN}/mesh-excluded`;

/** A workload's membership, decided at finalization. */
export interface Member {
  readonly reg: WorkloadRegistration;
  readonly decision: MeshDecision;
  enrolled: boolean;
  reason: string;
}

/** A provider's authorized callers: principal -> ports. */
export interface Grant {
  readonly consumer: IWorkload;
  readonly ports: Set<number>;
}

/** A service-level traffic policy, resolved. */
export interface ServicePolicy {
  readonly service: Microservice;
  readonly policy: TrafficPolicy;
}

/** A binding-level traffic policy. */
export interface BindingPolicy {
  readonly consumer: IWorkload;
  readonly service: Microservice;
  readonly policy: BindingTrafficPolicy;
}

/** What the engine renderers get. */
export interface MeshModel {
  readonly mesh: Construct;
  readonly chart: Chart;
  readonly engine: ResolvedEngine;
  readonly architecture: BackendArchitecture;
  /** Enrolment per namespace (true) or per workload. */
  readonly perNamespace: boolean;
  /** Enrolled members, in registration order. */
  readonly enrolled: Member[];
  /** Every member. */
  readonly members: Member[];
  /** Enrolled namespaces (sorted). */
  readonly namespaces: string[];
  /** Authorized callers of each enrolled provider. */
  readonly grants: Map<IWorkload, Grant[]>;
  /** Providers each enrolled consumer calls (for egress scoping). */
  readonly calls: Map<IWorkload, IWorkload[]>;
  readonly servicePolicies: ServicePolicy[];
  readonly bindingPolicies: BindingPolicy[];
  /** Every connection of the architecture (before the mesh's own wiring). */
  readonly connections: Connection[];
  memberOf(w: IWorkload): Member | undefined;
}

/** The TCP port numbers of a port list (meshes carry TCP only). */
export function tcpPorts(ports: NetworkPort[]): number[] {
  return ports.filter((p) => (p.protocol ?? Protocol.TCP) === Protocol.TCP).map((p) => p.port);
}

/** A duration as a whole number of milliseconds, at least 1 ms. */
export function duration(scope: Construct, what: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 1) fail(scope, `${what} ${show(d.toHumanString())} is not a positive whole number of milliseconds`, 'use a duration of 1 ms or more');
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A Microservice's registration ports (with appProtocol). */
export function microservicePorts(service: Microservice): WorkloadPortInfo[] {
  const arch = service.architecture;
  const reg = arch._workloadList.find((r) => r.workload === service);
  return reg ? reg.ports : [];
}

/** A Service's cluster-internal DNS name. */
export function fqdn(arch: BackendArchitecture, service: string, namespace: string): string {
  return arch.serviceHost(service, namespace);
}

/** The principal-sorted grants of a provider, grouped by identical port sets. */
export function groupedGrants(grants: Grant[]): Array<{ consumers: IWorkload[]; ports: number[] }> {
  const groups = new Map<string, { consumers: IWorkload[]; ports: number[] }>();
  const key = (w: IWorkload) => `${w.namespace}/${w.serviceAccountName}`;
  for (const g of [...grants].sort((a, b) => compareStrings(key(a.consumer), key(b.consumer)))) {
    const ports = [...g.ports].sort((a, b) => a - b);
    if (ports.length === 0) continue;
    const k = ports.join(',');
    const group = groups.get(k) ?? { consumers: [], ports };
    groups.set(k, group);
    group.consumers.push(g.consumer);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}
