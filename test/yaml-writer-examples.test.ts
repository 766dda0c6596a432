import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { tmpDir } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';
import { YAML_WRITER_ENV, yamlWriterStats } from '../src/internal/component-chart';
import { fastResolveStats } from '../src/internal/fast-resolve';

/** Every file under `dir` (recursively), relative name -> bytes. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

/** Synthesizes a fresh copy of the example with the selected writer; returns its files and how they were written. */
function synthWith(writer: 'architect' | 'cdk8s', example: string, yamlOutputType = YamlOutputType.FILE_PER_CHART) {
  const previous = process.env[YAML_WRITER_ENV];
  process.env[YAML_WRITER_ENV] = writer;
  try {
    const app = new App({ outdir: tmpDir(`yaml-${writer}-`), yamlOutputType });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../examples/${example}`).build(app);
    const before = { ...yamlWriterStats };
    const rendersBefore = fastResolveStats.renders;
    const sanitizedBefore = fastResolveStats.sanitizedInWalk;
    app.synth();
    return {
      fastRenders: fastResolveStats.renders - rendersBefore,
      sanitizedInWalk: fastResolveStats.sanitizedInWalk - sanitizedBefore,
      files: readTree(app.outdir),
      architect: yamlWriterStats.architect - before.architect,
      cdk8s: yamlWriterStats.cdk8s - before.cdk8s,
    };
  } finally {
    if (previous === undefined) delete process.env[YAML_WRITER_ENV];
    else process.env[YAML_WRITER_ENV] = previous;
  }
}

function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, bytes] of expected) {
    // compare as text first for a readable diff, then the bytes
    expect(actual.get(name)!.toString('utf8')).toBe(bytes.toString('utf8'));
    expect(actual.get(name)!.equals(bytes)).toBe(true);
  }
}

/** Whatever examples exist: each is written byte for byte as cdk8s writes it. */
describe.each(EXAMPLES)('example %s', (example) => {
  test('our YAML writer writes every file, with exactly the bytes of cdk8s\' writer', () => {
    const ours = synthWith('architect', example);
    const theirs = synthWith('cdk8s', example);
    expect(theirs.files.size).toBeGreaterThan(0);
    expectSameFiles(ours.files, theirs.files);
    // every file went through the writer under test (none fell back), and none with the switch set
    // every manifest (the diagrams, kustomization.yaml files and secrets inventories are not charts)
    expect(ours.architect).toBe([...ours.files.keys()].filter((f) => f.endsWith('.k8s.yaml')).length);
    expect(ours.cdk8s).toBe(0);
    expect(theirs.architect).toBe(0);
    expect(theirs.cdk8s).toBe([...theirs.files.keys()].filter((f) => f.endsWith('.k8s.yaml')).length);
    expect(yamlWriterStats.agreesWithCdk8s).toBe(true);
    // ours resolved every chart's values with the fast walk, cdk8s' run with cdk8s' resolve: the
    // byte comparison above covers both shortcuts
    expect(ours.fastRenders).toBeGreaterThanOrEqual(ours.architect);
    expect(ours.sanitizedInWalk).toBe(ours.fastRenders);
    expect(theirs.fastRenders).toBe(0);
  });
});

describe.each([
  ['FILE_PER_APP', YamlOutputType.FILE_PER_APP, true],
  ['FILE_PER_RESOURCE', YamlOutputType.FILE_PER_RESOURCE, true],
  // renders objects without Chart.toJson(), so its files stay with cdk8s' writer
  ['FOLDER_PER_CHART_FILE_PER_RESOURCE', YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, false],
])('output type %s', (_name, type, ourWriter) => {
  test('the reference architecture is written with the same file names and bytes by both writers', () => {
    const ours = synthWith('architect', 'reference-architecture', type);
    const theirs = synthWith('cdk8s', 'reference-architecture', type);
    expect(theirs.files.size).toBeGreaterThan(0);
    expectSameFiles(ours.files, theirs.files);
    // as many writes as with cdk8s' writer, all by the expected writer (FILE_PER_RESOURCE writes
    // more files than it leaves: objects of the same kind and name in different namespaces share
    // a file name, in cdk8s, so the last one wins)
    expect(ours.architect + ours.cdk8s).toBe(theirs.cdk8s);
    expect(ourWriter ? ours.cdk8s : ours.architect).toBe(0);
  });
});

test('an unknown writer name fails with the fix', () => {
  const previous = process.env[YAML_WRITER_ENV];
  process.env[YAML_WRITER_ENV] = 'fast';
  try {
    const app = new App({ outdir: tmpDir('yaml-bad-') });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../examples/development-sandbox').build(app);
    expect(() => app.synth()).toThrow(/CDK8S_ARCHITECT_YAML_WRITER="fast" is not a YAML writer. Fix: set it to "architect"/);
  } finally {
    if (previous === undefined) delete process.env[YAML_WRITER_ENV];
    else process.env[YAML_WRITER_ENV] = previous;
  }
});

test('with a cdk8s whose writer disagrees on the canary documents, every file stays with cdk8s\' writer', () => {
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const cdk8s = require('cdk8s');
    const stringify = cdk8s.Yaml.stringify;
    // a `yaml` with other rules: here, one that quotes every string it writes differently
    cdk8s.Yaml.stringify = (...docs: any[]) => stringify.call(cdk8s.Yaml, ...docs).replace(/"/g, '\'');
    const { yamlWriterStats: stats } = require('../src/internal/component-chart');
    const app = new cdk8s.App({ outdir: tmpDir('yaml-canary-') });
    require('../examples/development-sandbox').build(app);
    app.synth();
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect(stats.agreesWithCdk8s).toBe(false);
    expect(stats.architect).toBe(0);
    // every manifest written by cdk8s' own Yaml.save, still one folder per component
    const manifests = [...readTree(app.outdir).keys()].filter((f) => f.endsWith('.k8s.yaml'));
    expect(stats.cdk8s).toBe(manifests.length);
    expect(manifests).toContain(path.join('sandbox-web', 'sandbox-web.k8s.yaml'));
  });
});
