import * as fs from 'fs';
import * as path from 'path';
import { checkAll } from './harness/invariants';
import { newTestApp, readDir, synthApp, SynthResult } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

/** Every example is synthesized once, then checked against every invariant and snapshotted. */
describe.each(EXAMPLES)('example %s', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(`../examples/${name}`);
  let result: SynthResult;
  beforeAll(() => {
    const app = newTestApp();
    example.build(app);
    result = synthApp(app);
  });

  test('passes every invariant (schema, Pod Security, services, PDBs, references, network wiring)', () => {
    expect(result.objects.length).toBeGreaterThan(0);
    expect(checkAll(result.objects)).toEqual([]);
  });

  test('is byte-identical when synthesized again', () => {
    const again = newTestApp();
    example.build(again);
    const second = synthApp(again);
    expect([...second.files.keys()]).toEqual([...result.files.keys()]);
    for (const [file, text] of result.files) {
      expect(second.files.get(file)).toBe(text);
    }
  });

  test('matches the snapshot', () => {
    expect(Object.fromEntries(result.files)).toMatchSnapshot();
  });
});

test('every example file is listed', () => {
  const files = fs.readdirSync(path.join(__dirname, '..', 'examples')).filter((f) => f.endsWith('.ts') && f !== 'synth-all.ts');
  expect(EXAMPLES).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
  expect(EXAMPLES).toContain('reference-architecture');
});

test('readDir reads what synth wrote', () => {
  const app = newTestApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../examples/reference-architecture').build(app);
  app.synth();
  expect(readDir(app.outdir).files.size).toBeGreaterThan(1);
});
