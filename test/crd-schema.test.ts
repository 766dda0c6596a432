import { crdViolations } from './harness/crd-schema';

/** The harness's CRD validation must be able to fail: these objects are each wrong in one way. */
const route = (spec: any, apiVersion = 'gateway.networking.k8s.io/v1') => ({
  apiVersion,
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'n' },
  spec,
});

test('a valid HTTPRoute passes against both Gateway API bundles', () => {
  expect(crdViolations(route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] }))).toEqual([]);
});

test('an undeclared field (which the API server would prune silently) is a violation', () => {
  const v = crdViolations(route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefz: [] }] }))!;
  expect(v.length).toBeGreaterThan(0);
  expect(v.join('\n')).toMatch(/backendRefz/);
});

test('a wrong type is a violation', () => {
  expect(crdViolations(route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: '80' }] }] }))!.length).toBeGreaterThan(0);
});

test('an API version that one of the bundles does not serve is a violation', () => {
  const grant = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'n' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'edge' }], to: [{ group: '', kind: 'Service' }] } };
  expect(crdViolations(grant)!.join('\n')).toMatch(/v1 is not served by k8s-1.28\/gateway-api-v1.3.0/);
  expect(crdViolations({ ...grant, apiVersion: 'gateway.networking.k8s.io/v1beta1' })).toEqual([]);
});

test('a kind the group does not define, and groups without a bundle', () => {
  expect(crdViolations({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', metadata: { name: 'x' } })!.join('')).toMatch(/no CRD/);
  expect(crdViolations({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).toBeUndefined();
});
