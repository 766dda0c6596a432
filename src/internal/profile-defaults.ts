import { IConstruct } from 'constructs';
import { fail } from './errors';
import { validateInteger } from './names';
import { Profile } from '../architecture/profile';
import { ComputeResources } from '../architecture/resources';

/** Fully resolved resources. */
export interface ResolvedResources {
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMebibytes: number;
  readonly memoryLimitMebibytes: number;
}

const DEFAULTS: Record<Profile, { replicas: number; resources: ResolvedResources }> = {
  [Profile.DEVELOPMENT]: {
    replicas: 1,
    resources: { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 },
  },
  [Profile.PRODUCTION]: {
    replicas: 3,
    resources: { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 },
  },
};

/** Replicas of a stateless workload when the user sets none. */
export function defaultReplicas(profile: Profile): number {
  return DEFAULTS[profile].replicas;
}

/** True when the profile keeps data on PersistentVolumes (production) rather than emptyDir. */
export function persistentStorage(profile: Profile): boolean {
  return profile === Profile.PRODUCTION;
}

/**
 * Merges user resources over the profile's (or a component's own) defaults and checks that
 * requests do not exceed limits.
 */
export function resolveResources(scope: IConstruct, profile: Profile, user: ComputeResources = {}, base?: ResolvedResources): ResolvedResources {
  const d = base ?? DEFAULTS[profile].resources;
  const r: ResolvedResources = {
    cpuRequestMillis: user.cpuRequestMillis ?? d.cpuRequestMillis,
    cpuLimitMillis: user.cpuLimitMillis ?? Math.max(d.cpuLimitMillis, user.cpuRequestMillis ?? 0),
    memoryRequestMebibytes: user.memoryRequestMebibytes ?? d.memoryRequestMebibytes,
    memoryLimitMebibytes: user.memoryLimitMebibytes ?? Math.max(d.memoryLimitMebibytes, user.memoryRequestMebibytes ?? 0),
  };
  const fix = 'set whole, positive numbers (millicores for CPU, MiB for memory)';
  validateInteger(scope, 'resources.cpuRequestMillis', r.cpuRequestMillis, 1, 1_000_000, fix);
  validateInteger(scope, 'resources.cpuLimitMillis', r.cpuLimitMillis, 1, 1_000_000, fix);
  validateInteger(scope, 'resources.memoryRequestMebibytes', r.memoryRequestMebibytes, 1, 10_000_000, fix);
  validateInteger(scope, 'resources.memoryLimitMebibytes', r.memoryLimitMebibytes, 1, 10_000_000, fix);
  if (r.cpuRequestMillis > r.cpuLimitMillis) {
    fail(scope, `resources.cpuRequestMillis ${r.cpuRequestMillis} exceeds cpuLimitMillis ${r.cpuLimitMillis} (the API server rejects it)`, 'raise the limit or lower the request');
  }
  if (r.memoryRequestMebibytes > r.memoryLimitMebibytes) {
    fail(scope, `resources.memoryRequestMebibytes ${r.memoryRequestMebibytes} exceeds memoryLimitMebibytes ${r.memoryLimitMebibytes} (the API server rejects it)`, 'raise the limit or lower the request');
  }
  return r;
}
