import { execFileSync } from 'child_process';
import * as path from 'path';
import { readDir, tmpDir } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

const PROGRAMS = [...EXAMPLES, 'locale-sensitive'];

/**
 * The same program writes the same bytes whatever the machine's locale: a developer in Vilnius
 * and the CI runner must not produce a GitOps diff. Sorting with `localeCompare` broke that (in
 * Lithuanian `y` sorts before `j`, in Estonian `z` after `s`). Every example, and an architecture
 * named to sort differently by locale, is synthesized (harness/locale-program.ts) under three
 * locales and the trees are compared byte for byte.
 */
const LOCALES: Array<[string, string]> = [['C', 'en-US'], ['lt_LT.UTF-8', 'lt-LT'], ['et_EE.UTF-8', 'et-EE']];
const root = path.join(__dirname, '..');

function envFor(locale: string): NodeJS.ProcessEnv {
  return { ...process.env, LANG: locale, LC_ALL: locale, LC_COLLATE: locale };
}

test('every example, and names that sort differently by locale, are byte-identical under the C, Lithuanian and Estonian locales', () => {
  const trees = LOCALES.map(([locale, expected]) => {
    // the locale really is in effect: Node's ICU takes its default locale from LC_ALL / LANG
    const resolved = execFileSync(process.execPath, ['-e', 'process.stdout.write(Intl.Collator().resolvedOptions().locale)'], { env: envFor(locale), encoding: 'utf8' });
    expect(resolved).toBe(expected);
    const outdir = tmpDir(`cdk8s-architect-locale-${expected}-`);
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', path.join(__dirname, 'harness', 'locale-program.ts')], {
      cwd: root,
      env: { ...envFor(locale), CDK8S_OUTDIR: outdir, TS_NODE_PROJECT: path.join(root, 'tsconfig.dev.json') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return PROGRAMS.map((name) => readDir(path.join(outdir, name)).files);
  });
  const differing: string[] = [];
  for (const [i, name] of PROGRAMS.entries()) {
    const reference = trees[0][i];
    expect(reference.size).toBeGreaterThan(0);
    for (const other of trees.slice(1)) {
      expect({ name, files: [...other[i].keys()] }).toEqual({ name, files: [...reference.keys()] });
      for (const [file, text] of reference) {
        if (other[i].get(file) !== text) differing.push(`${name}: ${file}`);
      }
    }
  }
  expect(differing).toEqual([]);
}, 600_000);
