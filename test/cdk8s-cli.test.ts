/**
 * The examples under the cdk8s CLI (cdk8s.yaml at the repository's root): `cdk8s synth` writes the
 * same tree, byte for byte, as `npm run synth`'s program, and `cdk8s synth --format helm` writes a
 * Helm chart that the real Helm (`helm lint`, `helm template`) renders into the same objects. The
 * helm binary is `$HELM`, on the PATH or in ~/go/bin; without it the test fails, it is never skipped.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { tmpDir } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

const ROOT = path.join(__dirname, '..');

/** The helm binary: `$HELM`, on the PATH or in ~/go/bin (CI installs a pinned version with `go install`). */
const HELM = [
  process.env.HELM,
  ...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d).map((d) => path.join(d, 'helm')),
  path.join(process.env.GOBIN || path.join(process.env.GOPATH || path.join(os.homedir(), 'go'), 'bin'), 'helm'),
].find((c): c is string => !!c && fs.existsSync(c));
const BIN = path.join(ROOT, 'node_modules', '.bin');

/** Every file below `dir` (relative path -> content). */
function tree(dir: string): Map<string, string> {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

/** The command of `npm run synth` (the projen task `synth`), as .projen/tasks.json has it. */
const SYNTH_TASK: string = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks.synth.steps[0].exec;

let npmSynth: Map<string, string>;
beforeAll(() => {
  // `npm run synth` writes to dist/; the same command, pointed at a temporary folder
  const out = tmpDir('npm-synth-');
  run('sh', ['-c', SYNTH_TASK], { CDK8S_OUTDIR: out, PATH: `${BIN}${path.delimiter}${process.env.PATH}` });
  npmSynth = tree(out);
}, 180_000);

test('cdk8s.yaml runs the examples program: `cdk8s synth` writes exactly what `npm run synth` writes', () => {
  const config = yaml.load(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as any;
  expect(config.app).toContain('examples/synth-all.ts');
  expect(SYNTH_TASK).toContain('examples/synth-all.ts');
  expect(config.output).toBe('dist');
  const out = path.join(tmpDir('cdk8s-cli-'), 'dist');
  run(path.join(BIN, 'cdk8s'), ['synth', '--output', out]);
  const cli = tree(out);
  expect(new Set([...cli.keys()].map((f) => f.split(path.sep)[0]))).toEqual(new Set(EXAMPLES));
  expect([...cli.keys()]).toContain(path.join('reference-architecture', 'kustomization.yaml'));
  expect([...cli.keys()]).toEqual([...npmSynth.keys()]);
  for (const [f, text] of cli) expect({ [f]: text }).toEqual({ [f]: npmSynth.get(f) });
}, 180_000);

test('`cdk8s synth --format helm`: a chart whose templates Helm renders into exactly the manifests of the plain synthesis', () => {
  const out = path.join(tmpDir('cdk8s-cli-helm-'), 'chart');
  run(path.join(BIN, 'cdk8s'), ['synth', '--format', 'helm', '--chart-version', '1.2.3', '--output', out]);
  const chart = yaml.load(fs.readFileSync(path.join(out, 'Chart.yaml'), 'utf8')) as any;
  expect(chart).toMatchObject({ apiVersion: 'v2', version: '1.2.3', type: 'application' });
  // templates/ holds the manifests only, their Go template delimiters escaped; the other files
  // (inventory, diagram) are at the same paths outside templates/; no kustomization.yaml
  const templates = tree(path.join(out, 'templates'));
  const manifests = [...npmSynth.keys()].filter((f) => f.endsWith('.k8s.yaml'));
  expect([...templates.keys()]).toEqual(manifests);
  for (const [f, text] of templates) expect({ [f]: text }).toEqual({ [f]: npmSynth.get(f)!.split('{{').join('{{ "{{" }}') });
  expect([...templates.values()].some((t) => t.includes('{{ "{{" }}'))).toBe(true);
  const side = [...npmSynth.keys()].filter((f) => !f.endsWith('.k8s.yaml') && path.basename(f) !== 'kustomization.yaml');
  expect(side.length).toBeGreaterThan(EXAMPLES.length);
  for (const f of side) expect({ [f]: fs.readFileSync(path.join(out, f), 'utf8') }).toEqual({ [f]: npmSynth.get(f) });

  // the real Helm: lint passes, and the rendered objects of each template are the plain manifest's
  expect(HELM ?? 'helm not found: set HELM, put it on the PATH or go install helm.sh/helm/v4/cmd/helm').toMatch(/helm$/);
  run(HELM!, ['lint', out]);
  const rendered = new Map<string, unknown[]>();
  for (const doc of run(HELM!, ['template', 'shop', out]).split(/^---$/m)) {
    const source = /^# Source: [^/]+\/templates\/(.+)$/m.exec(doc);
    if (!source) continue;
    const objects = rendered.get(source[1]) ?? [];
    objects.push(yaml.load(doc));
    rendered.set(source[1], objects);
  }
  const key = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const sorted = (objs: any[]) => [...objs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  expect([...rendered.keys()].sort()).toEqual(manifests.map((f) => f.split(path.sep).join('/')).sort());
  for (const f of manifests) {
    const plain = (yaml.loadAll(npmSynth.get(f)!) as any[]).filter((o) => o);
    expect({ [f]: sorted(rendered.get(f.split(path.sep).join('/'))!) }).toEqual({ [f]: sorted(plain) });
  }
}, 300_000);
