import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import * as yaml from 'js-yaml';

/** A synthesized Kubernetes object (plain JSON). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

export interface SynthResult {
  /** File name -> raw YAML text, as `app.synth()` wrote it. */
  readonly files: Map<string, string>;
  /** File name -> objects. */
  readonly byFile: Map<string, K8sObject[]>;
  /** Every object of every file, in file-name order. */
  readonly objects: K8sObject[];
}

const temporaryDirs: string[] = [];
// Registered once per test file that imports the harness (jest's globals exist at import time).
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of temporaryDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** A fresh temporary directory, removed after the test file's tests. */
export function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/** An App that writes to a fresh temporary directory. */
export function newTestApp(): App {
  return new App({ outdir: tmpDir('cdk8s-architect-'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
}

/** Synthesizes the app once (to its outdir) and reads back exactly what a GitOps pipeline would. */
export function synthApp(app: App): SynthResult {
  app.synth();
  return readDir(app.outdir);
}

/**
 * The manifests of an output tree by file name: `<dir>/<component>/<component>.k8s.yaml` (the
 * GitOps layout) or `<dir>/<file>.k8s.yaml` (other output types).
 */
export function manifestFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.k8s.yaml')) out.set(e.name, path.join(dir, e.name));
    if (e.isDirectory()) {
      for (const f of fs.readdirSync(path.join(dir, e.name)).filter((x) => x.endsWith('.k8s.yaml'))) out.set(f, path.join(dir, e.name, f));
    }
  }
  return new Map([...out.keys()].sort().map((k) => [k, out.get(k)!]));
}

export function readDir(dir: string): SynthResult {
  const files = new Map<string, string>();
  const byFile = new Map<string, K8sObject[]>();
  const objects: K8sObject[] = [];
  for (const [name, file] of manifestFiles(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    files.set(name, text);
    const objs = (yaml.loadAll(text) as K8sObject[]).filter((o) => o !== null && o !== undefined);
    byFile.set(name, objs);
    objects.push(...objs);
  }
  return { files, byFile, objects };
}

/** Objects of a kind (optionally with a name and namespace). */
export function find(objects: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind
    && (name === undefined || o.metadata.name === name)
    && (namespace === undefined || o.metadata.namespace === namespace));
}

/** Exactly one object of a kind/name/namespace. */
export function one(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = find(objects, kind, name, namespace);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  }
  return found[0];
}

/** The env of the first container of a workload as a name -> value/valueFrom map. */
export function envOf(workload: K8sObject, container = 0): Record<string, any> {
  const env = workload.spec.template.spec.containers[container].env ?? [];
  return Object.fromEntries(env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}
