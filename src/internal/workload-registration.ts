import { ApiObject, Lazy } from 'cdk8s';
import { lazy } from './lazy';
import type { IWorkload, NetworkPort } from '../architecture/binding';
import type { ServiceTelemetry, WorkloadController, WorkloadPortInfo, WorkloadRegistration, WorkloadServiceInfo } from '../architecture/extension';

function resolved<T>(v: T | undefined): T | undefined {
  return v instanceof Lazy ? (v.produce() as T | undefined) : v;
}

/**
 * Labels and annotations that architecture extensions (a mesh, the observability stack) add to a
 * workload's pod template after it was built: rendered lazily on top of the workload's own.
 */
export class PodTemplateExtras {
  private readonly labels: Record<string, string> = {};
  private readonly annotations: Record<string, string> = {};

  /** The pod template's labels: `base` plus the added ones. */
  public renderLabels(base: Record<string, string>): Record<string, string> {
    return lazy(() => ({ ...base, ...this.labels }));
  }

  /** The pod template's annotations: `base` (possibly lazy) plus the added ones; undefined when none. */
  public renderAnnotations(base?: Record<string, string>): Record<string, string> | undefined {
    return lazy(() => {
      const out = { ...(resolved(base) ?? {}), ...this.annotations };
      return Object.keys(out).length > 0 ? out : undefined;
    });
  }

  public addLabels(l: Record<string, string>): void {
    Object.assign(this.labels, l);
  }

  public addAnnotations(a: Record<string, string>): void {
    Object.assign(this.annotations, a);
  }
}

/** A Service's description for extensions. */
export function serviceInfo(service: ApiObject, name: string, headless: boolean, ports: WorkloadPortInfo[]): WorkloadServiceInfo {
  return {
    name,
    headless,
    ports,
    addAnnotations: (a) => {
      for (const k of Object.keys(a)) service.metadata.addAnnotation(k, a[k]);
    },
    addLabels: (l) => {
      for (const k of Object.keys(l)) service.metadata.addLabel(k, l[k]);
    },
  };
}

export interface RegistrationProps {
  readonly workload: IWorkload;
  readonly controller: WorkloadController;
  readonly kind: string;
  readonly ports: WorkloadPortInfo[];
  readonly services?: WorkloadServiceInfo[];
  readonly peerPorts?: NetworkPort[];
  readonly hostNetwork?: boolean;
  readonly publicPorts?: number[];
  readonly telemetry?: ServiceTelemetry;
  readonly extras?: PodTemplateExtras;
  /** Pods outside these manifests (see WorkloadRegistration.external). */
  readonly external?: boolean;
  /** For an external workload: in the mesh, per the platform team. */
  readonly externalInMesh?: boolean;
  /** For an external workload: the option that states it. */
  readonly externalInMeshOption?: string;
}

/** Registers a workload with its architecture (and so with every extension). */
export function registerWorkload(p: RegistrationProps): WorkloadRegistration {
  const extras = p.extras;
  const registration: WorkloadRegistration = {
    workload: p.workload,
    controller: p.controller,
    kind: p.kind,
    ports: p.ports,
    services: p.services ?? [],
    peerPorts: p.peerPorts ?? [],
    hostNetwork: p.hostNetwork ?? false,
    publicPorts: p.publicPorts ?? [],
    telemetry: p.telemetry,
    external: p.external ?? false,
    externalInMesh: p.externalInMesh,
    externalInMeshOption: p.externalInMeshOption,
    addPodLabels: (l) => {
      if (!extras) throw new Error(`the pod template of ${p.workload.node.path} takes no extra labels`);
      extras.addLabels(l);
    },
    addPodAnnotations: (a) => {
      if (!extras) throw new Error(`the pod template of ${p.workload.node.path} takes no extra annotations`);
      extras.addAnnotations(a);
    },
  };
  p.workload.architecture._registerWorkload(registration);
  return registration;
}
