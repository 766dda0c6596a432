/**
 * The examples under the cdk8s CLI (cdk8s.yaml at the repository's root): `cdk8s synth` writes the
 * same tree, byte for byte, as `npm run synth`'s program, and `cdk8s synth --format helm` wraps that
 * tree in a Helm chart (Chart.yaml, the tree under templates/). What Helm makes of that chart is in
 * the README ("GitOps output"): it is not a chart Helm renders as it is.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { tmpDir } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

const ROOT = path.join(__dirname, '..');
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

test('`cdk8s synth --format helm` writes Chart.yaml and the same tree under templates/', () => {
  const out = path.join(tmpDir('cdk8s-cli-helm-'), 'chart');
  const app = `${SYNTH_TASK} reference-architecture`;
  run(path.join(BIN, 'cdk8s'), ['synth', '--format', 'helm', '--chart-version', '1.2.3', '--output', out, '--app', app]);
  const chart = yaml.load(fs.readFileSync(path.join(out, 'Chart.yaml'), 'utf8')) as any;
  expect(chart).toMatchObject({ apiVersion: 'v2', version: '1.2.3', type: 'application' });
  const templates = tree(path.join(out, 'templates'));
  const plain = new Map([...npmSynth].filter(([f]) => f.startsWith(`reference-architecture${path.sep}`)));
  expect([...templates.keys()]).toEqual([...plain.keys()]);
  for (const [f, text] of templates) expect({ [f]: text }).toEqual({ [f]: plain.get(f) });
  // why Helm does not render it as it is (README): files that are no Kubernetes objects, and Go
  // template actions in the manifests' own text (Prometheus alert annotations)
  expect([...templates.keys()].filter((f) => !f.endsWith('.k8s.yaml')).map((f) => path.basename(f)))
    .toEqual(expect.arrayContaining(['kustomization.yaml', 'shop-secrets.yaml', 'shop.mmd']));
  expect([...templates.values()].some((t) => t.includes('{{'))).toBe(true);
}, 180_000);
