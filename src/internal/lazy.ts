import { Lazy } from 'cdk8s';

/**
 * A value computed at synth time, typed as what it produces. Used where a manifest depends on the
 * whole graph (for example a NetworkPolicy listing every consumer that was bound after it was
 * created). cdk8s resolves it before the typed L1 serializer runs.
 */
export function lazy<T>(produce: () => T): T {
  return Lazy.any({ produce }) as unknown as T;
}
