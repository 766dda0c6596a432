import { checkPodSecurity, PodSecurityLevel } from './pod-security';
import { schemaViolations } from './schema';
import type { K8sObject } from './synth';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'IngressClass', 'GatewayClass']);
const EXTERNAL_SECRETS = 'cdk8s-architect.dev/external-secrets';
const PROVISIONED_SECRETS = 'cdk8s-architect.dev/provisioned-secrets';
const WRITES_SECRETS = 'cdk8s-architect.dev/writes-secrets';
const EXTERNAL_CONFIGMAPS = 'cdk8s-architect.dev/external-configmaps';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function id(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;
}

/** The pod template spec (and its metadata) of a workload, if it has one. */
export function podTemplate(o: K8sObject): { metadata: any; spec: any } | undefined {
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template;
  if (WORKLOAD_KINDS.has(o.kind)) return o.spec?.template;
  return undefined;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function allContainers(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** Every object validates against the Kubernetes (or CRD) schema. */
export function checkSchemas(objects: K8sObject[]): string[] {
  return schemaViolations(objects);
}

/** Names are valid, and no two objects share apiVersion group, kind, namespace and name. */
export function checkNames(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    if (!DNS_SUBDOMAIN.test(o.metadata.name) || o.metadata.name.length > 253) out.push(`${id(o)}: invalid name`);
    if (/-[0-9a-f]{8}$/.test(o.metadata.name)) out.push(`${id(o)}: name looks hash-suffixed`);
    const namespaced = !CLUSTER_SCOPED.has(o.kind);
    if (namespaced && !o.metadata.namespace) out.push(`${id(o)}: namespaced object without a namespace`);
    const key = `${o.apiVersion.split('/')[0]}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
    if (seen.has(key)) out.push(`${id(o)}: emitted twice`);
    seen.add(key);
  }
  return out;
}

/**
 * Every namespace used is emitted with Pod Security Admission labels (enforce, audit, warn at the
 * same level), a level below restricted carries a reason, and each namespace has the default-deny
 * and DNS policies.
 */
export function checkNamespaces(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const namespaces = new Map(objects.filter((o) => o.kind === 'Namespace').map((n) => [n.metadata.name, n]));
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (ns && !namespaces.has(ns)) out.push(`${id(o)}: namespace ${ns} is not emitted`);
  }
  for (const [name, n] of namespaces) {
    const l = n.metadata.labels ?? {};
    const level = l['pod-security.kubernetes.io/enforce'];
    if (!level) out.push(`Namespace ${name}: no pod-security.kubernetes.io/enforce label`);
    for (const mode of ['audit', 'warn']) {
      if (l[`pod-security.kubernetes.io/${mode}`] !== level) out.push(`Namespace ${name}: ${mode} level differs from enforce`);
    }
    if (level !== 'restricted' && !n.metadata.annotations?.['cdk8s-architect.dev/pod-security-reason']) {
      out.push(`Namespace ${name}: level ${level} without a reason annotation`);
    }
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === name);
    const denyAll = policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress
      && (p.spec.policyTypes ?? []).includes('Ingress') && (p.spec.policyTypes ?? []).includes('Egress'));
    if (!denyAll) out.push(`Namespace ${name}: no default-deny NetworkPolicy`);
    const dns = policies.some((p) => (p.spec.egress ?? []).some((r: any) => (r.ports ?? []).some((pt: any) => pt.port === 53 && pt.protocol === 'UDP')));
    if (!dns) out.push(`Namespace ${name}: no DNS egress policy`);
  }
  return out;
}

/** Every pod template passes the Pod Security Standard of its namespace (restricted unless the namespace says otherwise). */
export function checkPodSecurityStandards(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const levels = new Map(objects.filter((o) => o.kind === 'Namespace').map((n) => [n.metadata.name, n.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'restricted']));
  for (const o of objects) {
    const t = podTemplate(o);
    if (!t) continue;
    const level = (levels.get(o.metadata.namespace ?? '') ?? 'restricted') as PodSecurityLevel;
    for (const v of checkPodSecurity(t.spec, level)) out.push(`${id(o)}: ${level}: ${v.check}: ${v.message}`);
  }
  return out;
}

/** Every Service with a selector selects a pod template in its namespace, and every targetPort is a container port there. */
export function checkServices(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const templates = objects.flatMap((o) => {
    const t = podTemplate(o);
    return t ? [{ o, t }] : [];
  });
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const selector = s.spec.selector;
    if (!selector) continue;
    const selected = templates.filter(({ o, t }) => o.metadata.namespace === s.metadata.namespace && matches(selector, t.metadata?.labels));
    if (selected.length === 0) {
      out.push(`${id(s)}: selects no pod template`);
      continue;
    }
    for (const p of s.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      for (const { o, t } of selected) {
        const ports = (t.spec.containers ?? []).flatMap((c: any) => c.ports ?? []);
        const ok = ports.some((cp: any) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target) && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (!ok) out.push(`${id(s)}: port ${p.name ?? p.port} targets ${target}, which ${id(o)} does not expose`);
      }
    }
  }
  return out;
}

/**
 * In production, every workload that can run more than one replica has a PodDisruptionBudget that
 * selects its pods; in development (the namespace's `cdk8s-architect.dev/profile` label) there is
 * no PodDisruptionBudget at all.
 */
export function checkDisruptionBudgets(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const profileOf = new Map(objects.filter((o) => o.kind === 'Namespace').map((n) => [n.metadata.name, n.metadata.labels?.['cdk8s-architect.dev/profile']]));
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const p of pdbs) {
    if (profileOf.get(p.metadata.namespace!) !== 'production') out.push(`${id(p)}: a PodDisruptionBudget outside production (profile ${profileOf.get(p.metadata.namespace!)})`);
  }
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    const hpa = hpas.find((h) => h.metadata.namespace === o.metadata.namespace
      && h.spec.scaleTargetRef.kind === o.kind && h.spec.scaleTargetRef.name === o.metadata.name);
    const max = hpa ? hpa.spec.maxReplicas : (o.spec.replicas ?? 1);
    if (hpa && o.spec.replicas !== undefined) out.push(`${id(o)}: has both a fixed replica count and an HPA`);
    if (max <= 1 || profileOf.get(o.metadata.namespace!) !== 'production') continue;
    const labels = o.spec.template.metadata?.labels;
    const pdb = pdbs.find((p) => p.metadata.namespace === o.metadata.namespace && matches(p.spec.selector?.matchLabels, labels));
    if (!pdb) out.push(`${id(o)}: ${max} replicas but no PodDisruptionBudget`);
    if (!o.spec.template.spec.topologySpreadConstraints && !o.spec.template.spec.affinity?.podAntiAffinity) {
      out.push(`${id(o)}: ${max} replicas but no topology spread or anti-affinity`);
    }
  }
  return out;
}

/**
 * Every ConfigMap, Secret and ServiceAccount a pod references is emitted in its namespace, is
 * declared external in the pod template's annotation, or is declared provisioned and written by a
 * Job of these manifests (its `writes-secrets` annotation), so that no pod waits on a Secret nobody
 * makes.
 */
export function checkReferences(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const has = (kind: string, ns: string, name: string) =>
    objects.some((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  const written = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'Job') continue;
    for (const s of (podTemplate(o)?.metadata?.annotations?.[WRITES_SECRETS] ?? '').split(',').filter(Boolean)) written.add(s);
  }
  for (const o of objects) {
    const t = podTemplate(o);
    if (!t) continue;
    const ns = o.metadata.namespace!;
    const ann = t.metadata?.annotations ?? {};
    const extSecrets = new Set((ann[EXTERNAL_SECRETS] ?? '').split(',').filter(Boolean));
    const extConfigMaps = new Set((ann[EXTERNAL_CONFIGMAPS] ?? '').split(',').filter(Boolean));
    const provisioned = new Set((ann[PROVISIONED_SECRETS] ?? '').split(',').filter(Boolean));
    for (const name of provisioned) {
      if (!written.has(`${ns}/${name}`)) out.push(`${id(o)}: declares Secret ${name} provisioned, but no Job writes ${ns}/${name}`);
    }
    const secret = (name: string, where: string) => {
      if (!has('Secret', ns, name) && !extSecrets.has(name) && !provisioned.has(name)) {
        out.push(`${id(o)}: ${where} references Secret ${name}, which is neither emitted nor declared external or provisioned`);
      }
    };
    const configMap = (name: string, where: string) => {
      if (!has('ConfigMap', ns, name) && !extConfigMaps.has(name)) out.push(`${id(o)}: ${where} references ConfigMap ${name}, which is neither emitted nor declared external`);
    };
    const sa = t.spec.serviceAccountName;
    if (!sa) out.push(`${id(o)}: runs as the namespace's default ServiceAccount`);
    else if (!has('ServiceAccount', ns, sa)) out.push(`${id(o)}: ServiceAccount ${sa} is not emitted`);
    for (const c of allContainers(t.spec)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) secret(e.valueFrom.secretKeyRef.name, `env ${e.name}`);
        if (e.valueFrom?.configMapKeyRef) configMap(e.valueFrom.configMapKeyRef.name, `env ${e.name}`);
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef) secret(e.secretRef.name, 'envFrom');
        if (e.configMapRef) configMap(e.configMapRef.name, 'envFrom');
      }
    }
    for (const v of t.spec.volumes ?? []) {
      if (v.secret) secret(v.secret.secretName, `volume ${v.name}`);
      if (v.configMap) configMap(v.configMap.name, `volume ${v.name}`);
      for (const src of v.projected?.sources ?? []) {
        if (src.secret) secret(src.secret.name, `volume ${v.name}`);
        if (src.configMap) configMap(src.configMap.name, `volume ${v.name}`);
      }
    }
  }
  return out;
}

/** Images are pinned, containers have requests and limits, long-running containers have probes. */
export function checkContainers(objects: K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const t = podTemplate(o);
    if (!t) continue;
    const longRunning = o.kind !== 'Job' && o.kind !== 'CronJob';
    for (const c of allContainers(t.spec)) {
      const image: string = c.image ?? '';
      const last = image.slice(image.lastIndexOf('/') + 1);
      if (!image.includes('@sha256:') && (!last.includes(':') || last.endsWith(':latest'))) out.push(`${id(o)}: container ${c.name} image ${image} is not pinned`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[r]) out.push(`${id(o)}: container ${c.name} has no ${r} ${kind}`);
        }
      }
    }
    if (longRunning) {
      for (const c of t.spec.containers ?? []) {
        if (!c.readinessProbe) out.push(`${id(o)}: container ${c.name} has no readiness probe`);
        if (!c.livenessProbe) out.push(`${id(o)}: container ${c.name} has no liveness probe`);
      }
    }
  }
  return out;
}

function peerKey(ns: string, podLabels: Record<string, string>): string {
  return `${ns}|${JSON.stringify(Object.entries(podLabels).sort())}`;
}

/**
 * NetworkPolicies agree: every egress rule from workload A to pods B on ports P is matched by an
 * ingress rule on B that admits A on P (and the reverse), so a binding is never half-wired.
 * Peers in a namespace the output does not emit (a Gateway API controller's data plane) are
 * outside the architecture: only its own side of such an edge can be checked.
 */
export function checkNetworkWiring(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const emitted = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const edges = (direction: 'ingress' | 'egress') => {
    const set = new Set<string>();
    for (const p of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      const self = p.spec.podSelector?.matchLabels;
      if (!self) continue;
      for (const rule of p.spec[direction] ?? []) {
        for (const peer of rule[direction === 'ingress' ? 'from' : 'to'] ?? []) {
          const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? (peer.namespaceSelector ? undefined : p.metadata.namespace);
          const labels = peer.podSelector?.matchLabels;
          if (!ns || !labels || !emitted.has(ns)) continue;
          for (const port of rule.ports ?? []) {
            const a = peerKey(p.metadata.namespace!, self);
            const b = peerKey(ns, labels);
            const [from, to] = direction === 'egress' ? [a, b] : [b, a];
            set.add(`${from} -> ${to} : ${port.port}/${port.protocol ?? 'TCP'}`);
          }
        }
      }
    }
    return set;
  };
  const egress = edges('egress');
  const ingress = edges('ingress');
  for (const e of egress) if (!ingress.has(e)) out.push(`egress without matching ingress: ${e}`);
  for (const e of ingress) if (!egress.has(e)) out.push(`ingress without matching egress: ${e}`);
  return out;
}

/** All invariants; an empty list means the output is what the library promises. */
export function checkAll(objects: K8sObject[]): string[] {
  return [
    ...checkSchemas(objects),
    ...checkNames(objects),
    ...checkNamespaces(objects),
    ...checkPodSecurityStandards(objects),
    ...checkServices(objects),
    ...checkDisruptionBudgets(objects),
    ...checkReferences(objects),
    ...checkContainers(objects),
    ...checkNetworkWiring(objects),
  ];
}
