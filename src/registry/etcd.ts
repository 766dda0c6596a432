import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { RegistryKind } from './engine';
import { DeployedRegistry, RegistryEngineImpl } from './engine-impl';
import { EtcdOptions } from './etcd-options';
import type { Registry } from './registry';
import { EnvValue, IWorkload, Protocol } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS } from '../internal/labels';
import { validateDnsLabel, validateInteger } from '../internal/names';
import { deployPlatformComponent, quorumClusterSettings } from '../internal/platform';
import { secureContainer } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { TaskPods } from '../internal/task-pods';

const k8s = kplus.k8s;

/** The etcd image: the etcd project's own release image (distroless, no shell). */
export const ETCD_DEFAULT_IMAGE = 'gcr.io/etcd-development/etcd:v3.5.33';
const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const METRICS_PORT = 8080;
const UID = 1001;
const DATA_DIR = '/var/lib/etcd';
const TLS_DIR = '/etc/etcd/tls';
/** Where consumers find their client certificate (one directory per etcd registry). */
const CLIENT_TLS_DIR = '/etc/etcd-client';

/** etcd as a static-bootstrap StatefulSet cluster. */
export class EtcdRegistryEngine implements RegistryEngineImpl {
  public readonly kind = RegistryKind.ETCD;

  constructor(private readonly options: EtcdOptions) {}

  public _deploy(registry: Registry): DeployedRegistry {
    const o = this.options;
    const arch = registry.architecture;
    const { members, image, storageGibibytes: storage } = quorumClusterSettings(registry, arch.profile, 'etcd', o, { image: ETCD_DEFAULT_IMAGE, storageGibibytes: 8 });
    const quota = validateInteger(registry, 'quotaBackendGibibytes', o.quotaBackendGibibytes ?? 2, 1, 8, 'use 1 to 8 GiB (etcd\'s documented maximum is 8 GiB)');
    if (quota >= storage) {
      fail(registry, `quotaBackendGibibytes ${quota} does not fit in storageGibibytes ${storage}`, 'give the volume more room than the backend quota (the WAL and snapshots live there too)');
    }
    const retentionMinutes = (o.compactionRetention ?? Duration.hours(1)).toMinutes();
    validateInteger(registry, 'compactionRetention (minutes)', retentionMinutes, 1, 7 * 24 * 60, 'use a whole number of minutes up to 7 days');
    const schedule = o.defragmentationSchedule ?? '17 3 * * 0';
    if (schedule !== '' && schedule.trim().split(/\s+/).length !== 5) {
      fail(registry, `defragmentationSchedule ${show(schedule)} is not a 5-field cron expression`, 'use e.g. "17 3 * * 0", or "" for no defragmentation job');
    }
    const production = arch.profile === Profile.PRODUCTION;
    if (o.tls && o.insecurePlaintext) {
      fail(registry, 'both tls and insecurePlaintext are set', 'remove insecurePlaintext to serve TLS, or tls to serve plain HTTP');
    }
    const name = registry.componentName;
    const tlsOptions = o.tls ?? (production && !o.insecurePlaintext ? {} : undefined);
    const tls = tlsOptions ? {
      serverSecretName: validateDnsLabel(registry, 'tls.serverSecretName', tlsOptions.serverSecretName ?? `${name}-server-tls`),
      clientSecretName: tlsOptions.clientSecretName !== undefined ? validateDnsLabel(registry, 'tls.clientSecretName', tlsOptions.clientSecretName) : undefined,
    } : undefined;
    const scheme = tls ? 'https' : 'http';
    const resources = resolveResources(registry, arch.profile, o.resources, production
      ? { cpuRequestMillis: 100, cpuLimitMillis: 500, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 });

    const ns = registry.namespace;
    const chart = deployPlatformComponent(registry, registry);
    const identity = { name, instance: `${arch.name}-${name}`, component: 'etcd', partOf: arch.name };
    const tlsVolumes: kplus.k8s.Volume[] = tls ? [{ name: 'tls', secret: { secretName: tls.serverSecretName, defaultMode: 0o440 } }] : [];
    const tlsMounts: kplus.k8s.VolumeMount[] = tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : [];
    const tlsFlags = tls
      ? [
        `--cert-file=${TLS_DIR}/tls.crt`, `--key-file=${TLS_DIR}/tls.key`, `--trusted-ca-file=${TLS_DIR}/ca.crt`, '--client-cert-auth=true',
        `--peer-cert-file=${TLS_DIR}/tls.crt`, `--peer-key-file=${TLS_DIR}/tls.key`, `--peer-trusted-ca-file=${TLS_DIR}/ca.crt`, '--peer-client-cert-auth=true',
      ]
      : [];
    const podAnnotations = tls ? { [ANNOTATION_EXTERNAL_SECRETS]: tls.serverSecretName } : undefined;

    const cluster = new StatefulCluster(registry, 'etcd', {
      architecture: arch,
      chart,
      name,
      namespace: ns,
      identity,
      replicas: members,
      quorum: true,
      uid: UID,
      ports: [
        { name: 'client', port: CLIENT_PORT },
        { name: 'peer', port: PEER_PORT, peerOnly: true },
        { name: 'metrics', port: METRICS_PORT, peerOnly: true },
      ],
      storage: { volumeName: 'data', mountPath: DATA_DIR, sizeGibibytes: storage, storageClassName: o.storageClassName },
      volumes: tlsVolumes,
      podAnnotations,
      metrics: { port: METRICS_PORT, path: '/metrics', kind: 'etcd' },
      containers: (c) => {
        const member = (i: number) => `${c.statefulSetName}-${i}=${scheme}://${c.memberHost(i)}:${PEER_PORT}`;
        const self = `$(POD_NAME).${c.headlessServiceName}.${ns}.svc.${arch.clusterDomain}`;
        const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(METRICS_PORT), scheme: 'HTTP' } });
        return [secureContainer({
          name: 'etcd',
          image,
          command: ['/usr/local/bin/etcd'],
          args: [
            '--name=$(POD_NAME)',
            // a subdirectory: etcd creates it with mode 0700 itself (the volume root is group-owned)
            `--data-dir=${DATA_DIR}/data`,
            `--listen-client-urls=${scheme}://0.0.0.0:${CLIENT_PORT}`,
            `--advertise-client-urls=${scheme}://${self}:${CLIENT_PORT}`,
            `--listen-peer-urls=${scheme}://0.0.0.0:${PEER_PORT}`,
            `--initial-advertise-peer-urls=${scheme}://${self}:${PEER_PORT}`,
            `--initial-cluster=${Array.from({ length: members }, (_, i) => member(i)).join(',')}`,
            '--initial-cluster-state=new',
            `--initial-cluster-token=${arch.name}-${name}`,
            `--listen-metrics-urls=http://0.0.0.0:${METRICS_PORT}`,
            '--auto-compaction-mode=periodic',
            `--auto-compaction-retention=${retentionMinutes}m`,
            `--quota-backend-bytes=${quota * 1024 * 1024 * 1024}`,
            '--snapshot-count=10000',
            ...tlsFlags,
          ],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          ports: [
            { name: 'client', containerPort: CLIENT_PORT },
            { name: 'peer', containerPort: PEER_PORT },
            { name: 'metrics', containerPort: METRICS_PORT },
          ],
          resources,
          // /readyz and /livez exist since v3.5.12; /readyz fails until the member has a quorum
          startupProbe: { ...http('/livez'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
          readinessProbe: { ...http('/readyz'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
          livenessProbe: { ...http('/livez'), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5 },
          volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, ...tlsMounts],
        })];
      },
    });

    const endpoints = cluster.memberHosts().map((h) => `${scheme}://${h}:${CLIENT_PORT}`).join(',');
    const clientPorts = [{ port: CLIENT_PORT, protocol: Protocol.TCP }];

    if (schedule !== '') {
      const defrag = new TaskPods(registry, 'defrag', {
        architecture: arch,
        chart,
        name: `${name}-defrag`,
        namespace: ns,
        identity: { name, instance: `${arch.name}-${name}-defrag`, component: 'defrag', partOf: arch.name },
      });
      defrag.allowEgressTo(cluster, clientPorts);
      cluster.allowIngressFrom(defrag, clientPorts);
      const tlsArgs = tls ? [`--cacert=${TLS_DIR}/ca.crt`, `--cert=${TLS_DIR}/tls.crt`, `--key=${TLS_DIR}/tls.key`] : [];
      defrag.cronJob(schedule, defrag.podTemplate([secureContainer({
        name: 'defrag',
        image,
        command: ['/usr/local/bin/etcdctl'],
        args: [`--endpoints=${endpoints}`, '--command-timeout=300s', ...tlsArgs, 'defrag', '--cluster'],
        resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 32, memoryLimitMebibytes: 128 },
        volumeMounts: tlsMounts,
      })], UID, tlsVolumes, podAnnotations));
    }

    // Consumers mount their client certificate as files; the variables only name the files.
    const clientDir = `${CLIENT_TLS_DIR}/${name}`;
    const clientSecret = (consumer: IWorkload): string => {
      if (!tls) return '';
      const secretName = tls.clientSecretName ?? `${consumer.componentName}-${name}-client-tls`;
      if (secretName.length > 63) {
        fail(consumer, `the client-certificate Secret ${show(secretName)} for etcd ${show(name)} is longer than 63 characters`,
          'shorten the service or registry name, or give the registry one shared Secret (tls.clientSecretName)');
      }
      return secretName;
    };
    return {
      endpoints: [{ workload: cluster, ports: clientPorts }],
      address: endpoints,
      env: () => [
        { name: 'ETCD_ENDPOINTS', value: EnvValue.fromValue(endpoints) },
        ...(tls ? [
          { name: 'ETCD_CA_CERT_FILE', value: EnvValue.fromValue(`${clientDir}/ca.crt`) },
          { name: 'ETCD_CLIENT_CERT_FILE', value: EnvValue.fromValue(`${clientDir}/tls.crt`) },
          { name: 'ETCD_CLIENT_KEY_FILE', value: EnvValue.fromValue(`${clientDir}/tls.key`) },
        ] : []),
      ],
      secretFiles: (consumer) => (tls ? [{ secretName: clientSecret(consumer), mountPath: clientDir }] : []),
    };
  }
}
