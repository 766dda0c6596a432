import * as kplus from 'cdk8s-plus-28';
import * as arch from '../src';
import { checkAll } from './harness/invariants';
import { newTestApp, one, synthApp, SynthResult } from './harness/synth';
import { recommendedLabels } from '../src/internal/labels';
import { secureContainer } from '../src/internal/pod';
import { StatefulCluster } from '../src/internal/stateful-cluster';

/**
 * The stateful-cluster helper that the registry and message-queue engines build on, exercised
 * with a three-member quorum cluster (an etcd-like shape) in both profiles.
 */
function build(profile: arch.Profile, replicas = 3): { cluster: StatefulCluster; out: SynthResult; shop: arch.BackendArchitecture } {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile });
  shop.addNamespace(shop, 'registry');
  const chart = shop._newComponentChart(shop, 'registry');
  const identity = { name: 'registry', instance: 'shop-registry', component: 'member', partOf: 'shop' };
  const cluster = new StatefulCluster(shop, 'registry', {
    architecture: shop,
    chart,
    name: 'registry',
    namespace: 'registry',
    identity,
    replicas,
    quorum: true,
    uid: 1001,
    ports: [{ name: 'client', port: 2379 }, { name: 'peer', port: 2380, peerOnly: true }],
    storage: { volumeName: 'data', mountPath: '/var/lib/data', sizeGibibytes: 8 },
    containers: (c) => [secureContainer({
      name: 'member',
      image: 'quay.io/coreos/etcd:v3.5.17',
      ports: [{ name: 'client', containerPort: 2379 }, { name: 'peer', containerPort: 2380 }],
      env: [{ name: 'PEERS', value: c.memberHosts().join(',') }],
      resources: { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 },
      readinessProbe: { tcpSocket: { port: kplus.k8s.IntOrString.fromString('client') } },
      livenessProbe: { tcpSocket: { port: kplus.k8s.IntOrString.fromString('client') } },
      volumeMounts: [{ name: 'data', mountPath: '/var/lib/data' }],
    })],
  });
  expect(cluster.labels).toEqual(recommendedLabels(identity));
  return { cluster, out: synthApp(app), shop };
}

describe('production', () => {
  let r: ReturnType<typeof build>;
  beforeAll(() => { r = build(arch.Profile.PRODUCTION); });

  test('passes every invariant', () => {
    expect(checkAll(r.out.objects)).toEqual([]);
  });
  test('ordinal-aware member addresses through the headless Service', () => {
    expect(r.cluster.memberHosts()).toEqual([0, 1, 2].map((i) => `registry-${i}.registry-headless.registry.svc.cluster.local`));
    const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.template.spec.containers[0].env[0].value).toBe(r.cluster.memberHosts().join(','));
    expect(sts.spec.serviceName).toBe('registry-headless');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });
  test('the headless Service publishes not-ready addresses; the client Service has only client ports', () => {
    const headless = one(r.out.objects, 'Service', 'registry-headless', 'registry');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports.map((p: any) => p.name)).toEqual(['client', 'peer']);
    expect(one(r.out.objects, 'Service', 'registry', 'registry').spec.ports.map((p: any) => p.name)).toEqual(['client']);
  });
  test('persistent volume claim templates, retained', () => {
    const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'data' }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } } },
    })]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });
  test('the disruption budget keeps a majority', () => {
    expect(one(r.out.objects, 'PodDisruptionBudget', 'registry', 'registry').spec.minAvailable).toBe(2);
  });
  test('members may reach each other on every port; nobody else yet', () => {
    const np = one(r.out.objects, 'NetworkPolicy', 'registry', 'registry');
    const self = { podSelector: { matchLabels: r.cluster.podSelector } };
    expect(np.spec.ingress).toEqual([{ from: [self], ports: [{ port: 2379, protocol: 'TCP' }, { port: 2380, protocol: 'TCP' }] }]);
    expect(np.spec.egress).toEqual([{ to: [self], ports: [{ port: 2379, protocol: 'TCP' }, { port: 2380, protocol: 'TCP' }] }]);
  });
});

test('development: emptyDir instead of claims, no spread', () => {
  const r = build(arch.Profile.DEVELOPMENT, 1);
  const sts = one(r.out.objects, 'StatefulSet', 'registry', 'registry');
  expect(sts.spec.volumeClaimTemplates).toBeUndefined();
  expect(sts.spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: { sizeLimit: '8Gi' } }]);
  expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  expect(checkAll(r.out.objects)).toEqual([]);
});

test('an even quorum is rejected', () => {
  expect(() => build(arch.Profile.PRODUCTION, 4)).toThrow(/\[shop\] a quorum of 4 members is even.*Fix: use an odd number of members \(3 or 5/);
});

test('a cluster can be bound to like any workload', () => {
  const r = build(arch.Profile.PRODUCTION);
  expect(r.cluster.clientHost).toBe('registry.registry.svc.cluster.local');
  expect(r.cluster.clientNetworkPorts).toEqual([{ port: 2379, protocol: arch.Protocol.TCP }]);
});
