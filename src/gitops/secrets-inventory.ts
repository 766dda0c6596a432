import { ANNOTATION_EXTERNAL_CONFIGMAPS, ANNOTATION_EXTERNAL_SECRETS } from '../internal/labels';
import { stringifyDocument } from '../internal/yaml-writer';

/** A Secret or ConfigMap the manifests read but do not create. */
export interface ExternalObject {
  readonly namespace: string;
  readonly name: string;
  /** The keys the manifests read, sorted. */
  readonly keys: string[];
  /** Mounted or imported whole (envFrom, a volume without items): every key of it is read. */
  readonly everyKey: boolean;
  /** The Secret type (`Opaque`, `kubernetes.io/tls`); ConfigMaps: `ConfigMap`. */
  readonly type: string;
  readonly usedBy: Array<{ readonly folder: string; readonly kind: string; readonly name: string }>;
}

interface Entry {
  namespace: string;
  name: string;
  keys: Set<string>;
  everyKey: boolean;
  type: string;
  usedBy: Map<string, { folder: string; kind: string; name: string }>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function names(annotation: string | undefined): string[] {
  return (annotation ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The Secrets and ConfigMaps an architecture's manifests read and do not create (those named in the
 * `cdk8s-architect.dev/external-secrets` and `.../external-configmaps` annotations), collected from
 * the documents each chart renders: the keys from the pods' env, envFrom and volumes, the users
 * from the objects that carry the annotations. Written after synth to `<architecture>-secrets.yaml`.
 */
export class SecretsInventory {
  /** The entries found in each folder's documents (a folder rendered again replaces its own). */
  private readonly byFolder = new Map<string, Entry[]>();

  constructor(public readonly architecture: string) {}

  /** Reads the documents of one chart. */
  public scan(folder: string, docs: readonly any[]): void {
    const found: Entry[] = [];
    for (const doc of docs) {
      if (doc === null || typeof doc !== 'object') continue;
      const namespace: string = doc.metadata?.namespace ?? 'default';
      const user = { folder, kind: String(doc.kind), name: String(doc.metadata?.name) };
      const template = WORKLOAD_KINDS.has(doc.kind) ? doc.spec?.template
        : doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template
          : doc.kind === 'Pod' ? doc : undefined;
      const annotations = { ...(doc.metadata?.annotations ?? {}), ...(template?.metadata?.annotations ?? {}) };
      const secrets = names(annotations[ANNOTATION_EXTERNAL_SECRETS]);
      const configMaps = names(annotations[ANNOTATION_EXTERNAL_CONFIGMAPS]);
      if (secrets.length === 0 && configMaps.length === 0) continue;
      const refs = template ? podReferences(template.spec ?? {}) : { secret: new Map(), configMap: new Map() };
      // a Gateway's TLS certificate (the only non-pod object that carries the annotation)
      const tls = doc.kind === 'Gateway';
      for (const name of secrets) {
        const r = refs.secret.get(name);
        found.push({
          namespace,
          name,
          type: tls ? 'kubernetes.io/tls' : 'Opaque',
          keys: new Set(tls ? ['tls.crt', 'tls.key'] : r?.keys ?? []),
          everyKey: !tls && (r?.everyKey ?? true),
          usedBy: new Map([[`${folder}/${user.kind}/${user.name}`, user]]),
        });
      }
      for (const name of configMaps) {
        const r = refs.configMap.get(name);
        found.push({
          namespace,
          name,
          type: 'ConfigMap',
          keys: new Set(r?.keys ?? []),
          everyKey: r?.everyKey ?? true,
          usedBy: new Map([[`${folder}/${user.kind}/${user.name}`, user]]),
        });
      }
    }
    this.byFolder.set(folder, found);
  }

  /** The external Secrets, sorted by namespace and name. */
  public secrets(): ExternalObject[] {
    return this.merged().filter((e) => e.type !== 'ConfigMap');
  }

  /** The external ConfigMaps, sorted by namespace and name. */
  public configMaps(): ExternalObject[] {
    return this.merged().filter((e) => e.type === 'ConfigMap');
  }

  /** The inventory file (YAML, deterministic). */
  public render(): string {
    const item = (e: ExternalObject, create: string) => ({
      namespace: e.namespace,
      name: e.name,
      ...(e.type !== 'ConfigMap' ? { type: e.type } : {}),
      keys: [...e.keys],
      everyKey: e.everyKey,
      // fresh objects: the YAML writer refuses an object reachable twice
      usedBy: e.usedBy.map((u) => ({ ...u })),
      create,
    });
    return stringifyDocument({
      architecture: this.architecture,
      secrets: this.secrets().map((e) => item(e, e.type === 'kubernetes.io/tls'
        ? `kubectl create secret tls ${e.name} --namespace ${e.namespace} --cert=<tls.crt file> --key=<tls.key file>`
        : `kubectl create secret generic ${e.name} --namespace ${e.namespace}${createArgs(e)}`)),
      configMaps: this.configMaps().map((e) => item(e, `kubectl create configmap ${e.name} --namespace ${e.namespace}${createArgs(e)}`)),
    });
  }

  private merged(): ExternalObject[] {
    const all = new Map<string, Entry>();
    for (const folder of [...this.byFolder.keys()].sort()) {
      for (const e of this.byFolder.get(folder)!) {
        const id = `${e.type === 'ConfigMap' ? 'c' : 's'}\u0000${e.namespace}\u0000${e.name}`;
        const prev = all.get(id);
        if (!prev) {
          all.set(id, { ...e, keys: new Set(e.keys), usedBy: new Map(e.usedBy) });
          continue;
        }
        for (const k of e.keys) prev.keys.add(k);
        prev.everyKey ||= e.everyKey;
        if (e.type !== 'Opaque') prev.type = e.type;
        for (const [k, u] of e.usedBy) prev.usedBy.set(k, u);
      }
    }
    return [...all.values()]
      .map((e) => ({
        namespace: e.namespace,
        name: e.name,
        keys: [...e.keys].sort(),
        everyKey: e.everyKey,
        type: e.type,
        usedBy: [...e.usedBy.keys()].sort().map((k) => e.usedBy.get(k)!),
      }))
      .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function createArgs(e: ExternalObject): string {
  const literal = e.keys.map((k) => ` --from-literal=${k}=<value>`).join('');
  return e.everyKey ? `${literal} --from-file=<key>=<file>` : literal;
}

interface Refs {
  readonly keys: string[];
  readonly everyKey: boolean;
}

/** The Secrets and ConfigMaps a pod spec reads, with the keys. */
function podReferences(spec: any): { secret: Map<string, Refs>; configMap: Map<string, Refs> } {
  const secret = new Map<string, { keys: string[]; everyKey: boolean }>();
  const configMap = new Map<string, { keys: string[]; everyKey: boolean }>();
  const add = (m: typeof secret, name: string | undefined, key?: string) => {
    if (!name) return;
    const r = m.get(name) ?? { keys: [], everyKey: false };
    if (key === undefined) r.everyKey = true;
    else if (!r.keys.includes(key)) r.keys.push(key);
    m.set(name, r);
  };
  const addItems = (m: typeof secret, name: string | undefined, items: any[] | undefined) => {
    if (items && items.length > 0) for (const i of items) add(m, name, i.key);
    else add(m, name);
  };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      add(secret, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.key);
      add(configMap, e.valueFrom?.configMapKeyRef?.name, e.valueFrom?.configMapKeyRef?.key);
    }
    for (const e of c.envFrom ?? []) {
      add(secret, e.secretRef?.name);
      add(configMap, e.configMapRef?.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret) addItems(secret, v.secret.secretName, v.secret.items);
    if (v.configMap) addItems(configMap, v.configMap.name, v.configMap.items);
    for (const s of v.projected?.sources ?? []) {
      if (s.secret) addItems(secret, s.secret.name, s.secret.items);
      if (s.configMap) addItems(configMap, s.configMap.name, s.configMap.items);
    }
  }
  return { secret, configMap };
}
