import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { find, newTestApp, one, synthApp } from './harness/synth';

const IMAGE = 'ghcr.io/acme/orders:1.0.0';

function synth(profile: arch.Profile, props: Partial<arch.MicroserviceProps>) {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  const orders = new arch.Microservice(shop, 'orders', { image: IMAGE, context: 'ordering', ...props });
  const objects = synthApp(app).objects;
  return { orders, objects };
}

const PROFILES: arch.MicroserviceProfiles = {
  development: { replicas: 1, resources: { memoryLimitMebibytes: 300 } },
  production: { autoscaling: { minReplicas: 3, maxReplicas: 9 } },
};

describe('per-profile overrides', () => {
  test('development takes its override: one replica, no HPA, no PDB, merged resources', () => {
    const { orders, objects } = synth(arch.Profile.DEVELOPMENT, { replicas: 2, resources: { memoryRequestMebibytes: 128 }, profiles: PROFILES });
    expect(orders.replicas).toBe(1);
    expect(orders.minReplicas).toBe(1);
    const d = one(objects, 'Deployment', 'orders', 'ordering');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0].resources.requests.memory).toBe('128Mi');
    expect(d.spec.template.spec.containers[0].resources.limits.memory).toBe('300Mi');
    expect(find(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(checkAll(objects)).toEqual([]);
  });

  test('production takes its override: the autoscaler replaces the props\' fixed count, with a PDB', () => {
    const { orders, objects } = synth(arch.Profile.PRODUCTION, { replicas: 2, profiles: PROFILES });
    expect(orders.replicas).toBeUndefined();
    expect(orders.minReplicas).toBe(3);
    expect(one(objects, 'Deployment', 'orders', 'ordering').spec.replicas).toBeUndefined();
    expect(one(objects, 'HorizontalPodAutoscaler', 'orders', 'ordering').spec).toMatchObject({ minReplicas: 3, maxReplicas: 9 });
    expect(find(objects, 'PodDisruptionBudget')).toHaveLength(1);
    expect(checkAll(objects)).toEqual([]);
  });

  test('a profile without an override keeps the props', () => {
    const { orders } = synth(arch.Profile.PRODUCTION, { replicas: 4, profiles: { development: { replicas: 1 } } });
    expect(orders.replicas).toBe(4);
  });

  test('an override with both replicas and autoscaling fails with the path and the fix', () => {
    expect(() => synth(arch.Profile.DEVELOPMENT, { profiles: { production: { replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 4 } } } }))
      .toThrow(/\[shop\/orders\] profiles\.production sets both replicas \(2\) and autoscaling\. Fix: set either/);
  });

  test('an invalid override names the profile', () => {
    expect(() => synth(arch.Profile.PRODUCTION, { profiles: { production: { replicas: 0 } } }))
      .toThrow(/\[shop\/orders\] profiles\.production\.replicas 0 is out of range/);
  });
});

describe('development has no disruption budgets (README: "DEVELOPMENT: one small replica, no PDBs")', () => {
  test('explicit replicas in development: spread, but no PDB', () => {
    const { objects } = synth(arch.Profile.DEVELOPMENT, { replicas: 3 });
    expect(one(objects, 'Deployment', 'orders', 'ordering').spec.replicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(checkAll(objects)).toEqual([]);
  });

  test('explicit replicas in production: a PDB', () => {
    const { objects } = synth(arch.Profile.PRODUCTION, { replicas: 2 });
    expect(one(objects, 'PodDisruptionBudget', 'orders', 'ordering').spec.maxUnavailable).toBe(1);
  });

  test('a three-member quorum cluster in development has no PDB either', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
    new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd({ members: 3, insecurePlaintext: true }) });
    const objects = synthApp(app).objects;
    expect(one(objects, 'StatefulSet', 'registry', 'registry').spec.replicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget')).toEqual([]);
  });

  test('Namespaces carry the profile', () => {
    const { objects } = synth(arch.Profile.DEVELOPMENT, {});
    expect(one(objects, 'Namespace', 'ordering').metadata.labels?.['cdk8s-architect.dev/profile']).toBe('development');
  });
});
