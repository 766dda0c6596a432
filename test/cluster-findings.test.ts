import * as arch from '../src';
import { find, newTestApp, synthApp } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

/**
 * Defects found by applying every example to a real API server (test/cluster, `npx projen
 * test:cluster`), each pinned here so the normal test run catches a regression without a cluster.
 */
describe('found on a real control plane', () => {
  // The API server stores no empty list: a NetworkPolicy written with `ingress: []` or `egress: []`
  // comes back without the field, so every server-side apply of the same file changes the object
  // again (its generation moved 1 -> 2 on the second apply, and `kubectl diff --server-side` never
  // came back clean): a GitOps tool would show it out of sync forever.
  test('a workload without consumers or providers gets a NetworkPolicy without empty rule lists', () => {
    const app = newTestApp();
    const shop = new arch.BackendArchitecture(app, 'shop');
    new arch.Microservice(shop, 'lonely', { image: 'ghcr.io/acme/lonely:1.0.0' });
    const policy = find(synthApp(app).objects, 'NetworkPolicy', 'lonely');
    expect(policy).toHaveLength(1);
    // both directions stay default-deny through policyTypes
    expect(policy[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy[0].spec).not.toHaveProperty('ingress');
    expect(policy[0].spec).not.toHaveProperty('egress');
  });

  test.each(EXAMPLES)('no NetworkPolicy of example %s has an empty ingress or egress list', (name) => {
    const app = newTestApp();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../examples/${name}`).build(app);
    const empty = find(synthApp(app).objects, 'NetworkPolicy')
      .filter((p) => ['ingress', 'egress'].some((k) => Array.isArray(p.spec[k]) && p.spec[k].length === 0))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(empty).toEqual([]);
  });
});
