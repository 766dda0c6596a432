import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { ResolvedResources } from './profile-defaults';

const k8s = kplus.k8s;

/** The user most distroless/"nonroot" images run as; used when a workload does not say. */
export const DEFAULT_NON_ROOT_UID = 65532;

/**
 * Container security context that passes Pod Security Standards "restricted": no privilege
 * escalation, all capabilities dropped, non-root, RuntimeDefault seccomp, read-only root filesystem.
 */
export function restrictedContainerSecurityContext(runAsUser?: number): kplus.k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    ...(runAsUser !== undefined ? { runAsUser, runAsGroup: runAsUser } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for "restricted": non-root numeric user, group-owned volumes, RuntimeDefault seccomp. */
export function restrictedPodSecurityContext(uid: number): kplus.k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function toKubeResources(r: ResolvedResources): kplus.k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(`${r.cpuRequestMillis}m`),
      memory: k8s.Quantity.fromString(`${r.memoryRequestMebibytes}Mi`),
    },
    limits: {
      cpu: k8s.Quantity.fromString(`${r.cpuLimitMillis}m`),
      memory: k8s.Quantity.fromString(`${r.memoryLimitMebibytes}Mi`),
    },
  };
}

/** "/var/cache/nginx" -> "var-cache-nginx": the emptyDir volume name for a writable path. */
function volumeNameForPath(path: string): string {
  const name = path.replace(/^\/+|\/+$/g, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return `writable-${name}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * emptyDir volumes (with a size limit) for the paths a container must write to, since the root
 * filesystem is read-only.
 */
export function writableVolumes(
  scope: IConstruct,
  paths: string[],
  sizeLimitMebibytes = 256,
): { volumes: kplus.k8s.Volume[]; mounts: kplus.k8s.VolumeMount[] } {
  const seen = new Set<string>();
  const volumes: kplus.k8s.Volume[] = [];
  const mounts: kplus.k8s.VolumeMount[] = [];
  for (const path of paths) {
    if (!path.startsWith('/') || path.includes('..') || path === '/') {
      fail(scope, `writable path ${show(path)} is not an absolute directory below /`, 'use absolute paths such as "/tmp" or "/var/cache/app"');
    }
    const name = volumeNameForPath(path);
    if (seen.has(name)) {
      fail(scope, `writable path ${show(path)} is listed twice`, 'list each writable path once');
    }
    seen.add(name);
    volumes.push({ name, emptyDir: { sizeLimit: k8s.Quantity.fromString(`${sizeLimitMebibytes}Mi`) } });
    mounts.push({ name, mountPath: path });
  }
  return { volumes, mounts };
}

export interface SecurePodSpecOptions {
  readonly serviceAccountName: string;
  readonly containers: kplus.k8s.Container[];
  readonly initContainers?: kplus.k8s.Container[];
  readonly volumes?: kplus.k8s.Volume[];
  readonly uid: number;
  readonly topologySpreadConstraints?: kplus.k8s.TopologySpreadConstraint[];
  readonly terminationGracePeriodSeconds?: number;
  /** Mount the ServiceAccount token (only for pods that call the Kubernetes API). */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * A pod spec that passes "restricted": the security contexts above, no service links (their
 * injected variables collide with binding variables), no API token unless asked for.
 */
export function securePodSpec(o: SecurePodSpecOptions): kplus.k8s.PodSpec {
  return {
    serviceAccountName: o.serviceAccountName,
    automountServiceAccountToken: o.automountServiceAccountToken ?? false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(o.uid),
    ...(o.initContainers && o.initContainers.length > 0 ? { initContainers: o.initContainers } : {}),
    containers: o.containers,
    // a lazy list (resolved at synth) is kept as is
    ...(o.volumes && (!Array.isArray(o.volumes) || o.volumes.length > 0) ? { volumes: o.volumes } : {}),
    ...(o.topologySpreadConstraints && o.topologySpreadConstraints.length > 0 ? { topologySpreadConstraints: o.topologySpreadConstraints } : {}),
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds ?? 30,
  };
}

export interface SecureContainerOptions {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: kplus.k8s.ContainerPort[];
  readonly env?: kplus.k8s.EnvVar[];
  readonly resources: ResolvedResources;
  readonly readinessProbe?: kplus.k8s.Probe;
  readonly livenessProbe?: kplus.k8s.Probe;
  readonly startupProbe?: kplus.k8s.Probe;
  readonly volumeMounts?: kplus.k8s.VolumeMount[];
  /** Override the pod's user for this container only. */
  readonly runAsUser?: number;
}

/** A container with the restricted security context, pinned image pull policy and resources. */
export function secureContainer(o: SecureContainerOptions): kplus.k8s.Container {
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ...(o.command ? { command: o.command } : {}),
    ...(o.args ? { args: o.args } : {}),
    ...(o.ports && o.ports.length > 0 ? { ports: o.ports } : {}),
    ...(o.env ? { env: o.env } : {}),
    resources: toKubeResources(o.resources),
    ...(o.startupProbe ? { startupProbe: o.startupProbe } : {}),
    ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}),
    ...(o.livenessProbe ? { livenessProbe: o.livenessProbe } : {}),
    securityContext: restrictedContainerSecurityContext(o.runAsUser),
    // a lazy list (resolved at synth) is kept as is
    ...(o.volumeMounts && (!Array.isArray(o.volumeMounts) || o.volumeMounts.length > 0) ? { volumeMounts: o.volumeMounts } : {}),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
