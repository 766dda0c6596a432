import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, show } from './errors';
import { validateDnsLabel, validateImage, validateInteger } from './names';
import { BackendArchitecture, NamespaceOptions } from '../architecture/backend-architecture';
import { Profile } from '../architecture/profile';

/** Where a platform component lives: its architecture, name, namespace and output file. */
export interface PlatformPlacement {
  readonly architecture: BackendArchitecture;
  readonly componentName: string;
  readonly namespace: string;
}

/**
 * Resolves a platform component's name and namespace (default: the component's name; with the
 * architecture's namespacePrefix in front).
 */
export function placePlatformComponent(component: Construct, id: string, namespace?: string): PlatformPlacement {
  const architecture = BackendArchitecture.of(component);
  const componentName = validateDnsLabel(component, 'component name', id);
  const name = validateDnsLabel(component, 'namespace', namespace ?? componentName);
  return { architecture, componentName, namespace: architecture.namespaceFor(name, component) };
}

/** Declares the component's namespace and creates its chart (one output file). */
export function deployPlatformComponent(component: Construct, placement: PlatformPlacement, options: NamespaceOptions = {}): Chart {
  placement.architecture.addNamespace(component, placement.namespace, options);
  return placement.architecture._newComponentChart(component, placement.componentName);
}

/**
 * The member count of a quorum-based cluster: the profile's default (1 in development, 3 in
 * production) unless set; odd, and no more than `max`.
 */
export function quorumMembers(component: Construct, profile: Profile, requested: number | undefined, max: number, what: string): number {
  const n = requested ?? (profile === Profile.PRODUCTION ? 3 : 1);
  validateInteger(component, `${what} members`, n, 1, max, `use an odd number from 1 to ${max} (3 or 5 in production)`);
  if (n % 2 === 0) {
    fail(component, `${what} members ${show(n)} is even: a majority of ${n} tolerates no more failures than ${n - 1} and can split evenly`,
      `use an odd number (${n - 1} or ${n + 1}; 3 or 5 in production)`);
  }
  return n;
}

/** The settings every quorum cluster engine (etcd, ZooKeeper, Consul) validates the same way. */
export interface QuorumClusterSettings {
  readonly members: number;
  readonly image: string;
  readonly storageGibibytes: number;
}

/** Resolves and validates members (odd, 1..7), the pinned image and the volume size of a quorum cluster. */
export function quorumClusterSettings(
  component: Construct,
  profile: Profile,
  what: string,
  options: { readonly members?: number; readonly image?: string; readonly storageGibibytes?: number },
  defaults: { readonly image: string; readonly storageGibibytes: number },
): QuorumClusterSettings {
  const members = quorumMembers(component, profile, options.members, 7, what);
  const image = options.image ?? defaults.image;
  validateImage(component, image);
  const storageGibibytes = validateInteger(component, 'storageGibibytes', options.storageGibibytes ?? defaults.storageGibibytes, 1, 65536, 'use a whole number of GiB');
  return { members, image, storageGibibytes };
}
