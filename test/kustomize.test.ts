/**
 * The output tree under the real `kustomize build` (what Argo CD and Flux run on a folder): for every
 * example, the root kustomization.yaml and each component's yield exactly the synthesized objects,
 * namespaces first. The kustomize binary is found as `$KUSTOMIZE`, on the PATH or in ~/go/bin (CI
 * installs a pinned version with `go install`); without it the test fails, it is never skipped.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { K8sObject, newTestApp, readDir, synthApp } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

function findKustomize(): string | undefined {
  const candidates = [
    process.env.KUSTOMIZE,
    ...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d).map((d) => path.join(d, 'kustomize')),
    path.join(process.env.GOBIN || path.join(process.env.GOPATH || path.join(os.homedir(), 'go'), 'bin'), 'kustomize'),
  ];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

const KUSTOMIZE = findKustomize();

function kustomizeBuild(dir: string): K8sObject[] {
  const out = execFileSync(KUSTOMIZE!, ['build', dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return (yaml.loadAll(out) as K8sObject[]).filter((o) => o !== null && o !== undefined);
}

const id = (o: K8sObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The objects by identity; fails on a duplicate (kustomize itself refuses one). */
function byId(objects: K8sObject[]): Map<string, K8sObject> {
  const m = new Map<string, K8sObject>();
  for (const o of objects) {
    expect(m.has(id(o)) ? `duplicate ${id(o)}` : '').toBe('');
    m.set(id(o), o);
  }
  return m;
}

/** `built` holds exactly the objects of `synthesized` (order aside), each unchanged. */
function expectSameObjects(built: K8sObject[], synthesized: K8sObject[]): void {
  const a = byId(built);
  const b = byId(synthesized);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, o] of a) expect({ [k]: o }).toEqual({ [k]: b.get(k) });
}

test('a kustomize binary is installed (CI: go install sigs.k8s.io/kustomize/kustomize/v5)', () => {
  expect(KUSTOMIZE ?? 'kustomize not found: set KUSTOMIZE, put it on the PATH or go install sigs.k8s.io/kustomize/kustomize/v5').toMatch(/kustomize$/);
  expect(execFileSync(KUSTOMIZE!, ['version'], { encoding: 'utf8' })).toMatch(/^v5\./);
});

describe.each(EXAMPLES)('kustomize build of example %s', (name) => {
  let dir: string;
  let synthesized: K8sObject[];
  beforeAll(() => {
    const app = newTestApp();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../examples/${name}`).build(app);
    synthesized = synthApp(app).objects;
    dir = app.outdir;
  });

  test('the root kustomization.yaml yields exactly the synthesized objects, namespaces first', () => {
    if (!KUSTOMIZE) throw new Error('kustomize not found');
    const built = kustomizeBuild(dir);
    expectSameObjects(built, synthesized);
    const kinds = built.map((o) => o.kind);
    const namespaces = kinds.filter((k) => k === 'Namespace').length;
    expect(namespaces).toBeGreaterThan(0);
    expect(kinds.slice(0, namespaces)).toEqual(Array(namespaces).fill('Namespace'));
  });

  test("each component's kustomization.yaml yields exactly its manifest's objects", () => {
    if (!KUSTOMIZE) throw new Error('kustomize not found');
    const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders.length).toBeGreaterThan(1);
    for (const folder of folders) {
      const own = readDir(path.join(dir, folder)).objects;
      expect(own.length).toBeGreaterThan(0);
      expectSameObjects(kustomizeBuild(path.join(dir, folder)), own);
    }
  });
});

test('with gitops options: the root holds the ExternalSecrets after the namespaces, the Argo CD and Flux folders build on their own', () => {
  if (!KUSTOMIZE) throw new Error('kustomize not found');
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', {
    profile: arch.Profile.DEVELOPMENT,
    gitops: {
      argoCd: { repoUrl: 'https://git.example.com/shop-deploy.git' },
      flux: { url: 'https://git.example.com/shop-deploy.git' },
      externalSecrets: { storeName: 'vault' },
    },
  });
  new arch.Microservice(shop, 'orders', {
    image: 'ghcr.io/acme/orders:1.0.0',
    env: { DB_PASSWORD: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'password' }) },
  });
  const all = synthApp(app);
  const delivery = ['shop-argocd', 'shop-flux'];
  const built = kustomizeBuild(app.outdir);
  expectSameObjects(built, [...all.byFile].filter(([f]) => !delivery.some((d) => f.startsWith(d))).flatMap(([, objs]) => objs));
  expect(built.map((o) => o.kind).filter((k) => k === 'Namespace' || k === 'ExternalSecret')).toEqual(['Namespace', 'ExternalSecret']);
  expect(built[0].kind).toBe('Namespace');
  for (const d of delivery) {
    expectSameObjects(kustomizeBuild(path.join(app.outdir, d)), all.byFile.get(`${d}.k8s.yaml`)!);
  }
});
