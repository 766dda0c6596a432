/**
 * A dependency-free evaluator of the Kubernetes Pod Security Standards
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * policy version v1.28, mirroring the checks of the Pod Security Admission
 * controller (k8s.io/pod-security-admission/policy).
 *
 * The input is a pod spec as plain JSON, i.e. `spec` of a Pod or
 * `spec.template.spec` of a workload, as it appears in a synthesized manifest.
 *
 * Check ids are those of the admission controller. As in the controller, the
 * restricted level replaces three baseline checks by a stricter restricted
 * counterpart instead of running both:
 * - `capabilities_baseline` -> `capabilities_restricted`
 * - `hostPathVolumes` -> `restrictedVolumes`
 * - `seccompProfile_baseline` -> `seccompProfile_restricted`
 *
 * Annotation based checks (AppArmor and seccomp annotations) are out of scope:
 * only the spec is inspected.
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface PodSecurityViolation {
  /** The id of the failed check, as used by the Pod Security Admission controller. */
  readonly check: string;
  /** A human readable description: `reason (detail)`. */
  readonly message: string;
}

type JsonObject = { readonly [key: string]: unknown };

interface Container {
  readonly name: string;
  readonly securityContext?: JsonObject;
  readonly ports: JsonObject[];
}

interface PodView {
  readonly spec: JsonObject;
  readonly securityContext?: JsonObject;
  readonly containers: Container[];
  readonly isWindows: boolean;
}

interface CheckResult {
  readonly reason: string;
  readonly detail: string;
}

interface Check {
  readonly id: string;
  readonly run: (pod: PodView) => CheckResult | undefined;
}

/** Capabilities that baseline allows to be added (the container runtime default set). */
const BASELINE_ALLOWED_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** The safe sysctls of policy version v1.27 / v1.28. */
const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
]);

/** SELinux types allowed by baseline in policy version v1.28 ('' = unset). */
const SELINUX_ALLOWED_TYPES: ReadonlySet<string> = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
]);

/** Volume sources allowed by restricted. */
const RESTRICTED_ALLOWED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const ALLOWED_PROFILE_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

// ---------------------------------------------------------------------------
// JSON helpers

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function asString(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  return isSet(value) ? String(value) : '';
}

function stringList(value: unknown): string[] {
  return asArray(value).map(asString);
}

// ---------------------------------------------------------------------------
// message helpers (same wording as the admission controller)

function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

function joinQuote(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(', ');
}

function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

// ---------------------------------------------------------------------------
// pod view

function toPodView(podSpec: unknown): PodView {
  const spec = asObject(podSpec) ?? {};
  const containers: Container[] = [];
  // same order as the admission controller: init, regular, ephemeral
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const raw of asArray(spec[key])) {
      const container = asObject(raw) ?? {};
      containers.push({
        name: asString(container.name),
        securityContext: asObject(container.securityContext),
        ports: asArray(container.ports).map((port) => asObject(port) ?? {}),
      });
    }
  }
  return {
    spec,
    securityContext: asObject(spec.securityContext),
    containers,
    isWindows: asObject(spec.os)?.name === 'windows',
  };
}

function field(context: unknown, ...path: string[]): unknown {
  let current: unknown = context;
  for (const key of path) {
    const obj = asObject(current);
    if (!obj) {
      return undefined;
    }
    current = obj[key];
  }
  return current;
}

/** Joins the pod ("pod") and offending containers into a setter phrase. */
function setters(podBad: boolean, badContainers: readonly string[]): string[] {
  const result: string[] = [];
  if (podBad) {
    result.push('pod');
  }
  if (badContainers.length > 0) {
    result.push(containersPhrase(badContainers));
  }
  return result;
}

// ---------------------------------------------------------------------------
// baseline checks

const hostNamespaces: Check = {
  id: 'hostNamespaces',
  run: (pod) => {
    const used = ['hostIPC', 'hostNetwork', 'hostPID'].filter((key) => pod.spec[key] === true);
    return used.length > 0 ? { reason: 'host namespaces', detail: used.join(', ') } : undefined;
  },
};

const privileged: Check = {
  id: 'privileged',
  run: (pod) => {
    const bad = pod.containers
      .filter((c) => field(c.securityContext, 'privileged') === true)
      .map((c) => c.name);
    if (bad.length === 0) {
      return undefined;
    }
    return {
      reason: 'privileged',
      detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
    };
  },
};

const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  run: (pod) => {
    const bad: string[] = [];
    const forbidden: string[] = [];
    for (const c of pod.containers) {
      const added = stringList(field(c.securityContext, 'capabilities', 'add'));
      const notAllowed = added.filter((cap) => !BASELINE_ALLOWED_CAPABILITIES.has(cap));
      if (notAllowed.length > 0) {
        bad.push(c.name);
        forbidden.push(...notAllowed);
      }
    }
    if (bad.length === 0) {
      return undefined;
    }
    return {
      reason: 'non-default capabilities',
      detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedUnique(forbidden))} in securityContext.capabilities.add`,
    };
  },
};

const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  run: (pod) => {
    const bad = asArray(pod.spec.volumes)
      .map((v) => asObject(v) ?? {})
      .filter((v) => isSet(v.hostPath))
      .map((v) => asString(v.name));
    if (bad.length === 0) {
      return undefined;
    }
    return {
      reason: 'hostPath volumes',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`,
    };
  },
};

const hostPorts: Check = {
  id: 'hostPorts',
  run: (pod) => {
    const bad: string[] = [];
    const ports: string[] = [];
    for (const c of pod.containers) {
      const used = c.ports
        .map((p) => p.hostPort)
        .filter((hostPort) => isSet(hostPort) && hostPort !== 0)
        .map(asString);
      if (used.length > 0) {
        bad.push(c.name);
        ports.push(...used);
      }
    }
    if (bad.length === 0) {
      return undefined;
    }
    const uniquePorts = sortedUnique(ports);
    return {
      reason: 'hostPort',
      detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', uniquePorts.length)} ${uniquePorts.join(', ')}`,
    };
  },
};

/**
 * A pod- or container-level profile (`appArmorProfile`, `seccompProfile`) whose type, when set,
 * must be RuntimeDefault or Localhost.
 */
function profileTypeCheck(id: string, fieldName: string, reason: string): Check {
  return {
    id,
    run: (pod) => {
      const badValues: string[] = [];
      const isBad = (context: JsonObject | undefined): boolean => {
        const profile = field(context, fieldName);
        if (!isSet(profile)) {
          return false;
        }
        const type = asString(field(profile, 'type'));
        if (ALLOWED_PROFILE_TYPES.has(type)) {
          return false;
        }
        badValues.push(type);
        return true;
      };
      const podBad = isBad(pod.securityContext);
      const bad = pod.containers.filter((c) => isBad(c.securityContext)).map((c) => c.name);
      const who = setters(podBad, bad);
      if (who.length === 0) {
        return undefined;
      }
      return {
        reason,
        detail: `${who.join(' and ')} must not set securityContext.${fieldName}.type to ${joinQuote(sortedUnique(badValues))}`,
      };
    },
  };
}

const appArmorProfile = profileTypeCheck('appArmorProfile', 'appArmorProfile', 'forbidden AppArmor profile');

const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  run: (pod) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const isBad = (context: JsonObject | undefined): boolean => {
      const options = asObject(field(context, 'seLinuxOptions'));
      if (!options) {
        return false;
      }
      let bad = false;
      const type = asString(options.type);
      if (!SELINUX_ALLOWED_TYPES.has(type)) {
        badTypes.push(type);
        bad = true;
      }
      if (asString(options.user).length > 0) {
        setUser = true;
        bad = true;
      }
      if (asString(options.role).length > 0) {
        setRole = true;
        bad = true;
      }
      return bad;
    };
    const podBad = isBad(pod.securityContext);
    const bad = pod.containers.filter((c) => isBad(c.securityContext)).map((c) => c.name);
    const who = setters(podBad, bad);
    if (who.length === 0) {
      return undefined;
    }
    const data: string[] = [];
    const types = sortedUnique(badTypes);
    if (types.length > 0) {
      data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    }
    if (setUser) {
      data.push('user may not be set');
    }
    if (setRole) {
      data.push('role may not be set');
    }
    return {
      reason: 'seLinuxOptions',
      detail: `${who.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    };
  },
};

const procMount: Check = {
  id: 'procMount',
  run: (pod) => {
    const bad: string[] = [];
    const types: string[] = [];
    for (const c of pod.containers) {
      const value = field(c.securityContext, 'procMount');
      if (isSet(value) && value !== 'Default') {
        bad.push(c.name);
        types.push(asString(value));
      }
    }
    if (bad.length === 0) {
      return undefined;
    }
    return {
      reason: 'procMount',
      detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}`,
    };
  },
};

const seccompProfileBaseline = profileTypeCheck('seccompProfile_baseline', 'seccompProfile', 'seccompProfile');

const sysctls: Check = {
  id: 'sysctls',
  run: (pod) => {
    const forbidden = asArray(field(pod.securityContext, 'sysctls'))
      .map((s) => asString(field(s, 'name')))
      .filter((name) => !SAFE_SYSCTLS.has(name));
    return forbidden.length > 0 ? { reason: 'forbidden sysctls', detail: forbidden.join(', ') } : undefined;
  },
};

const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  run: (pod) => {
    const isBad = (context: JsonObject | undefined): boolean =>
      field(context, 'windowsOptions', 'hostProcess') === true;
    const podBad = isBad(pod.securityContext);
    const bad = pod.containers.filter((c) => isBad(c.securityContext)).map((c) => c.name);
    const who = setters(podBad, bad);
    if (who.length === 0) {
      return undefined;
    }
    return {
      reason: 'hostProcess',
      detail: `${who.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
    };
  },
};

// ---------------------------------------------------------------------------
// restricted checks

const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  run: (pod) => {
    // v1.25+: the field cannot be set on Windows pods, which are admitted.
    if (pod.isWindows) {
      return undefined;
    }
    const bad = pod.containers
      .filter((c) => field(c.securityContext, 'allowPrivilegeEscalation') !== false)
      .map((c) => c.name);
    if (bad.length === 0) {
      return undefined;
    }
    return {
      reason: 'allowPrivilegeEscalation != false',
      detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
    };
  },
};

const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  run: (pod) => {
    // v1.25+: capabilities cannot be set on Windows pods, which are admitted.
    if (pod.isWindows) {
      return undefined;
    }
    const missingDropAll: string[] = [];
    const addingForbidden: string[] = [];
    const forbidden: string[] = [];
    for (const c of pod.containers) {
      const capabilities = field(c.securityContext, 'capabilities');
      if (!stringList(field(capabilities, 'drop')).includes('ALL')) {
        missingDropAll.push(c.name);
      }
      const notAllowed = stringList(field(capabilities, 'add')).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (notAllowed.length > 0) {
        addingForbidden.push(c.name);
        forbidden.push(...notAllowed);
      }
    }
    const details: string[] = [];
    if (missingDropAll.length > 0) {
      details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
    }
    if (addingForbidden.length > 0) {
      details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedUnique(forbidden))} in securityContext.capabilities.add`);
    }
    return details.length > 0 ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
  },
};

const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  run: (pod) => {
    const bad: string[] = [];
    const badTypes: string[] = [];
    for (const raw of asArray(pod.spec.volumes)) {
      const volume = asObject(raw) ?? {};
      const sources = Object.keys(volume).filter((key) => key !== 'name' && isSet(volume[key]));
      // a volume without any source is defaulted to emptyDir by the API server
      if (sources.length === 0 || sources.some((key) => RESTRICTED_ALLOWED_VOLUME_SOURCES.has(key))) {
        continue;
      }
      bad.push(asString(volume.name));
      badTypes.push(...sources);
    }
    if (bad.length === 0) {
      return undefined;
    }
    const types = sortedUnique(badTypes);
    return {
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} restricted volume ${pluralize('type', 'types', types.length)} ${joinQuote(types)}`,
    };
  },
};

const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  run: (pod) => {
    const podValue = field(pod.securityContext, 'runAsNonRoot');
    const podBad = isSet(podValue) && podValue !== true;
    const podNonRoot = podValue === true;
    const explicitlyBad: string[] = [];
    const implicitlyBad: string[] = [];
    for (const c of pod.containers) {
      const value = field(c.securityContext, 'runAsNonRoot');
      if (isSet(value)) {
        if (value !== true) {
          explicitlyBad.push(c.name);
        }
      } else if (!podNonRoot) {
        implicitlyBad.push(c.name);
      }
    }
    const who = setters(podBad, explicitlyBad);
    if (who.length > 0) {
      return {
        reason: 'runAsNonRoot != true',
        detail: `${who.join(' and ')} must not set securityContext.runAsNonRoot=false`,
      };
    }
    if (implicitlyBad.length > 0) {
      return {
        reason: 'runAsNonRoot != true',
        detail: `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`,
      };
    }
    return undefined;
  },
};

const runAsUser: Check = {
  id: 'runAsUser',
  run: (pod) => {
    const isBad = (context: JsonObject | undefined): boolean => field(context, 'runAsUser') === 0;
    const podBad = isBad(pod.securityContext);
    const bad = pod.containers.filter((c) => isBad(c.securityContext)).map((c) => c.name);
    const who = setters(podBad, bad);
    if (who.length === 0) {
      return undefined;
    }
    return { reason: 'runAsUser=0', detail: `${who.join(' and ')} must not set runAsUser=0` };
  },
};

const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  run: (pod) => {
    // v1.25+: seccomp cannot be set on Windows pods, which are admitted.
    if (pod.isWindows) {
      return undefined;
    }
    const badValues: string[] = [];
    let podBad = false;
    let podValid = false;
    const podProfile = field(pod.securityContext, 'seccompProfile');
    if (isSet(podProfile)) {
      const type = asString(field(podProfile, 'type'));
      if (ALLOWED_PROFILE_TYPES.has(type)) {
        podValid = true;
      } else {
        podBad = true;
        badValues.push(type);
      }
    }
    const explicitlyBad: string[] = [];
    const implicitlyBad: string[] = [];
    for (const c of pod.containers) {
      const profile = field(c.securityContext, 'seccompProfile');
      if (isSet(profile)) {
        const type = asString(field(profile, 'type'));
        if (!ALLOWED_PROFILE_TYPES.has(type)) {
          explicitlyBad.push(c.name);
          badValues.push(type);
        }
      } else if (!podValid) {
        implicitlyBad.push(c.name);
      }
    }
    const who = setters(podBad, explicitlyBad);
    if (who.length > 0) {
      return {
        reason: 'seccompProfile',
        detail: `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
      };
    }
    if (implicitlyBad.length > 0) {
      return {
        reason: 'seccompProfile',
        detail: `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      };
    }
    return undefined;
  },
};

// ---------------------------------------------------------------------------
// registry

/** Baseline checks that also run at the restricted level. */
const BASELINE_CHECKS: readonly Check[] = [
  appArmorProfile,
  hostNamespaces,
  hostPorts,
  privileged,
  procMount,
  seLinuxOptions,
  sysctls,
  windowsHostProcess,
];

/** Baseline checks that the restricted level replaces by a stricter restricted check. */
const OVERRIDDEN_BASELINE_CHECKS: readonly Check[] = [
  capabilitiesBaseline,
  hostPathVolumes,
  seccompProfileBaseline,
];

const RESTRICTED_CHECKS: readonly Check[] = [
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
];

/**
 * Returns every violation of `level` (restricted includes all baseline checks). 'privileged' returns [].
 *
 * At the restricted level `capabilities_baseline`, `hostPathVolumes` and
 * `seccompProfile_baseline` are reported as `capabilities_restricted`,
 * `restrictedVolumes` and `seccompProfile_restricted`, as the admission controller does.
 *
 * @param podSpec the pod spec (`spec` of a Pod, `spec.template.spec` of a workload) as plain JSON
 * @param level the Pod Security Standards level to evaluate
 */
export function checkPodSecurity(podSpec: any, level: PodSecurityLevel): PodSecurityViolation[] {
  let checks: readonly Check[];
  switch (level) {
    case 'privileged':
      return [];
    case 'baseline':
      checks = [...BASELINE_CHECKS, ...OVERRIDDEN_BASELINE_CHECKS];
      break;
    case 'restricted':
      checks = [...BASELINE_CHECKS, ...RESTRICTED_CHECKS];
      break;
    default:
      throw new Error(`unknown Pod Security level: ${String(level)}`);
  }
  const pod = toPodView(podSpec);
  const violations: PodSecurityViolation[] = [];
  for (const check of checks) {
    const result = check.run(pod);
    if (result) {
      violations.push({ check: check.id, message: `${result.reason} (${result.detail})` });
    }
  }
  return violations;
}
