import { checkPodSecurity, PodSecurityLevel } from './harness/pod-security';

type Json = Record<string, unknown>;

/** A container that satisfies the restricted level on its own. */
function restrictedContainer(name: string, securityContext: Json = {}, extra: Json = {}): Json {
  return {
    name,
    image: 'example/app:1.0.0',
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      ...securityContext,
    },
    ...extra,
  };
}

/** A pod spec that satisfies the restricted level. */
function restrictedPod(overrides: Json = {}, podSecurityContext: Json = {}): Json {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
      ...podSecurityContext,
    },
    containers: [restrictedContainer('app', {}, { ports: [{ containerPort: 8080 }] })],
    initContainers: [restrictedContainer('init')],
    volumes: [
      { name: 'config', configMap: { name: 'config' } },
      { name: 'secret', secret: { secretName: 'secret' } },
      { name: 'tmp', emptyDir: {} },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'token', projected: { sources: [] } },
      { name: 'info', downwardAPI: { items: [] } },
      { name: 'csi', csi: { driver: 'example.csi' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
    ],
    ...overrides,
  };
}

function checkIds(podSpec: Json, level: PodSecurityLevel): string[] {
  return checkPodSecurity(podSpec, level).map((v) => v.check);
}

describe('checkPodSecurity', () => {
  test('a compliant restricted pod passes every level', () => {
    const pod = restrictedPod();
    expect(checkPodSecurity(pod, 'restricted')).toEqual([]);
    expect(checkPodSecurity(pod, 'baseline')).toEqual([]);
    expect(checkPodSecurity(pod, 'privileged')).toEqual([]);
  });

  test('privileged never reports violations', () => {
    const pod = { hostNetwork: true, containers: [{ name: 'c', securityContext: { privileged: true } }] };
    expect(checkPodSecurity(pod, 'privileged')).toEqual([]);
  });

  test('an empty or missing spec passes baseline', () => {
    expect(checkPodSecurity({}, 'baseline')).toEqual([]);
    expect(checkPodSecurity(undefined, 'baseline')).toEqual([]);
  });

  test('runAsNonRoot on every container only passes restricted', () => {
    const pod = restrictedPod({
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [restrictedContainer('app', { runAsNonRoot: true })],
      initContainers: [restrictedContainer('init', { runAsNonRoot: true })],
    });
    expect(checkPodSecurity(pod, 'restricted')).toEqual([]);
  });

  test('seccompProfile on every container only passes restricted', () => {
    const pod = restrictedPod({
      securityContext: { runAsNonRoot: true },
      containers: [restrictedContainer('app', { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } })],
      initContainers: [restrictedContainer('init', { seccompProfile: { type: 'RuntimeDefault' } })],
    });
    expect(checkPodSecurity(pod, 'restricted')).toEqual([]);
  });

  test('violation messages name the offending containers', () => {
    const pod = restrictedPod({
      containers: [restrictedContainer('app', { privileged: true })],
    });
    expect(checkPodSecurity(pod, 'baseline')).toEqual([
      { check: 'privileged', message: 'privileged (container "app" must not set securityContext.privileged=true)' },
    ]);
  });

  describe('baseline checks', () => {
    const cases: Array<[string, string, Json]> = [
      ['windowsHostProcess', 'pod-level hostProcess', restrictedPod({}, { windowsOptions: { hostProcess: true } })],
      ['windowsHostProcess', 'container-level hostProcess', restrictedPod({
        containers: [restrictedContainer('app', { windowsOptions: { hostProcess: true } })],
      })],
      ['hostNamespaces', 'hostNetwork', restrictedPod({ hostNetwork: true })],
      ['hostNamespaces', 'hostPID', restrictedPod({ hostPID: true })],
      ['hostNamespaces', 'hostIPC', restrictedPod({ hostIPC: true })],
      ['privileged', 'privileged container', restrictedPod({
        containers: [restrictedContainer('app', { privileged: true })],
      })],
      ['privileged', 'privileged init container', restrictedPod({
        initContainers: [restrictedContainer('init', { privileged: true })],
      })],
      ['privileged', 'privileged ephemeral container', restrictedPod({
        ephemeralContainers: [restrictedContainer('debug', { privileged: true })],
      })],
      ['hostPorts', 'non-zero hostPort', restrictedPod({
        containers: [restrictedContainer('app', {}, { ports: [{ containerPort: 80, hostPort: 80 }] })],
      })],
      ['appArmorProfile', 'pod-level Unconfined AppArmor', restrictedPod({}, { appArmorProfile: { type: 'Unconfined' } })],
      ['appArmorProfile', 'container-level Unconfined AppArmor', restrictedPod({
        containers: [restrictedContainer('app', { appArmorProfile: { type: 'Unconfined' } })],
      })],
      ['seLinuxOptions', 'custom SELinux type', restrictedPod({}, { seLinuxOptions: { type: 'spc_t' } })],
      ['seLinuxOptions', 'SELinux user', restrictedPod({
        containers: [restrictedContainer('app', { seLinuxOptions: { user: 'system_u' } })],
      })],
      ['seLinuxOptions', 'SELinux role', restrictedPod({
        containers: [restrictedContainer('app', { seLinuxOptions: { role: 'system_r' } })],
      })],
      ['procMount', 'Unmasked procMount', restrictedPod({
        containers: [restrictedContainer('app', { procMount: 'Unmasked' })],
      })],
      ['sysctls', 'unsafe sysctl', restrictedPod({}, { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] })],
    ];

    test.each(cases)('%s: %s', (check, _description, pod) => {
      expect(checkIds(pod, 'baseline')).toEqual([check]);
      expect(checkIds(pod, 'restricted')).toEqual([check]);
    });

    // These baseline checks are replaced by a stricter counterpart at the restricted level.
    const overridden: Array<[string, string, string, Json]> = [
      ['capabilities_baseline', 'capabilities_restricted', 'non-default capability added', restrictedPod({
        containers: [restrictedContainer('app', { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } })],
      })],
      ['hostPathVolumes', 'restrictedVolumes', 'hostPath volume', restrictedPod({
        volumes: [{ name: 'host', hostPath: { path: '/var/run' } }],
      })],
      ['seccompProfile_baseline', 'seccompProfile_restricted', 'pod-level Unconfined seccomp', restrictedPod({}, {
        seccompProfile: { type: 'Unconfined' },
      })],
      ['seccompProfile_baseline', 'seccompProfile_restricted', 'container-level Unconfined seccomp', restrictedPod({
        containers: [restrictedContainer('app', { seccompProfile: { type: 'Unconfined' } })],
      })],
    ];

    test.each(overridden)('%s (restricted: %s): %s', (baselineCheck, restrictedCheck, _description, pod) => {
      expect(checkIds(pod, 'baseline')).toEqual([baselineCheck]);
      expect(checkIds(pod, 'restricted')).toEqual([restrictedCheck]);
    });

    test('the baseline capabilities and safe sysctls are allowed', () => {
      const pod = {
        securityContext: {
          sysctls: [
            'kernel.shm_rmid_forced',
            'net.ipv4.ip_local_port_range',
            'net.ipv4.ip_local_reserved_ports',
            'net.ipv4.tcp_syncookies',
            'net.ipv4.ping_group_range',
            'net.ipv4.ip_unprivileged_port_start',
          ].map((name) => ({ name, value: '1' })),
          seLinuxOptions: { type: 'container_init_t', level: 's0:c123,c456' },
          seccompProfile: { type: 'Localhost', localhostProfile: 'profile.json' },
          appArmorProfile: { type: 'RuntimeDefault' },
        },
        containers: [{
          name: 'app',
          ports: [{ containerPort: 80, hostPort: 0 }],
          securityContext: {
            privileged: false,
            procMount: 'Default',
            windowsOptions: { hostProcess: false },
            capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SETUID', 'SYS_CHROOT'] },
          },
        }],
        volumes: [{ name: 'nfs', nfs: { server: 'nfs', path: '/' } }],
      };
      expect(checkPodSecurity(pod, 'baseline')).toEqual([]);
    });

    test('a sysctl added after v1.28 is not safe', () => {
      const pod = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] }, containers: [] };
      expect(checkIds(pod, 'baseline')).toEqual(['sysctls']);
    });
  });

  describe('restricted checks', () => {
    const cases: Array<[string, string, Json]> = [
      ['restrictedVolumes', 'nfs volume', restrictedPod({
        volumes: [{ name: 'nfs', nfs: { server: 'nfs', path: '/' } }],
      })],
      ['allowPrivilegeEscalation', 'allowPrivilegeEscalation unset', restrictedPod({
        containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }],
      })],
      ['allowPrivilegeEscalation', 'allowPrivilegeEscalation true on an init container', restrictedPod({
        initContainers: [restrictedContainer('init', { allowPrivilegeEscalation: true })],
      })],
      ['runAsNonRoot', 'runAsNonRoot unset', restrictedPod({}, { runAsNonRoot: undefined })],
      ['runAsNonRoot', 'runAsNonRoot false on the pod', restrictedPod({}, { runAsNonRoot: false })],
      ['runAsNonRoot', 'runAsNonRoot false on a container', restrictedPod({
        containers: [restrictedContainer('app', { runAsNonRoot: false })],
      })],
      ['runAsNonRoot', 'runAsNonRoot on only some containers', restrictedPod({
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [restrictedContainer('app', { runAsNonRoot: true })],
        initContainers: [restrictedContainer('init')],
      })],
      ['runAsUser', 'pod runAsUser 0', restrictedPod({}, { runAsUser: 0 })],
      ['runAsUser', 'container runAsUser 0', restrictedPod({
        containers: [restrictedContainer('app', { runAsUser: 0 })],
      })],
      ['seccompProfile_restricted', 'seccompProfile unset', restrictedPod({}, { seccompProfile: undefined })],
      ['seccompProfile_restricted', 'seccompProfile on only some containers', restrictedPod({
        securityContext: { runAsNonRoot: true },
        containers: [restrictedContainer('app', { seccompProfile: { type: 'RuntimeDefault' } })],
      })],
      ['capabilities_restricted', 'capabilities not dropped', restrictedPod({
        containers: [restrictedContainer('app', { capabilities: undefined })],
      })],
      ['capabilities_restricted', 'ALL not among the dropped capabilities', restrictedPod({
        containers: [restrictedContainer('app', { capabilities: { drop: ['NET_RAW'] } })],
      })],
      ['capabilities_restricted', 'a default capability added', restrictedPod({
        containers: [restrictedContainer('app', { capabilities: { drop: ['ALL'], add: ['CHOWN'] } })],
      })],
    ];

    test.each(cases)('%s: %s', (check, _description, pod) => {
      expect(checkIds(pod, 'restricted')).toEqual([check]);
    });

    test.each(cases)('baseline does not flag %s: %s', (_check, _description, pod) => {
      expect(checkPodSecurity(pod, 'baseline')).toEqual([]);
    });

    test('NET_BIND_SERVICE may be added', () => {
      const pod = restrictedPod({
        containers: [restrictedContainer('app', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })],
      });
      expect(checkPodSecurity(pod, 'restricted')).toEqual([]);
    });

    test('an explicit container runAsNonRoot=false overrides the pod-level true', () => {
      const pod = restrictedPod({
        containers: [restrictedContainer('app', { runAsNonRoot: false })],
      });
      expect(checkPodSecurity(pod, 'restricted')).toEqual([{
        check: 'runAsNonRoot',
        message: 'runAsNonRoot != true (container "app" must not set securityContext.runAsNonRoot=false)',
      }]);
    });

    test('ephemeral containers are checked', () => {
      const pod = restrictedPod({
        ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      });
      expect(checkIds(pod, 'restricted')).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted']);
    });

    test('a bare pod reports every restricted-only check once', () => {
      const pod = { containers: [{ name: 'app', image: 'nginx' }], volumes: [{ name: 'git', gitRepo: { repository: 'x' } }] };
      expect(checkIds(pod, 'restricted').sort()).toEqual([
        'allowPrivilegeEscalation',
        'capabilities_restricted',
        'restrictedVolumes',
        'runAsNonRoot',
        'seccompProfile_restricted',
      ]);
      expect(checkIds(pod, 'baseline')).toEqual([]);
    });

    test('Windows pods are exempt from the Linux-only restricted checks', () => {
      const pod = {
        os: { name: 'windows' },
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'app', image: 'mcr.microsoft.com/windows/nanoserver' }],
      };
      expect(checkPodSecurity(pod, 'restricted')).toEqual([]);
    });
  });
});
