import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { tmpDir } from './harness/synth';
import { ComponentChart, oncePerSynth, stringifyYaml, YAML_WRITER_ENV } from '../src/internal/component-chart';
import { lazy } from '../src/internal/lazy';

describe('oncePerSynth', () => {
  test('computes once per App.synth(), anew in each synth and outside of one', () => {
    const app = new App({ outdir: tmpDir('once-per-synth') });
    const chart = new ComponentChart(app, 'c');
    let calls = 0;
    let generation = 'first';
    const config = oncePerSynth(() => {
      calls++;
      return `config of the ${generation} graph`;
    });
    // two objects embed the same value, as a configuration file and its hash do
    new kplus.k8s.KubeConfigMap(chart, 'a', { data: lazy(() => ({ file: config() })) });
    new kplus.k8s.KubeConfigMap(chart, 'b', { data: lazy(() => ({ copy: config() })) });

    app.synth();
    expect(calls).toBe(1);
    const text = fs.readFileSync(path.join(app.outdir, 'c', 'c.k8s.yaml'), 'utf8');
    expect(text).toContain('file: config of the first graph');
    expect(text).toContain('copy: config of the first graph');

    // the graph changes between two synths: the second synth does not see the first one's value
    generation = 'second';
    app.synth();
    expect(calls).toBe(2);
    expect(fs.readFileSync(path.join(app.outdir, 'c', 'c.k8s.yaml'), 'utf8')).toContain('file: config of the second graph');

    // outside of App.synth() every call computes
    config();
    config();
    expect(calls).toBe(4);
  });

  test('a value that failed in one synth is computed again in the next', () => {
    const app = new App({ outdir: tmpDir('once-per-synth-error') });
    const chart = new ComponentChart(app, 'c');
    let calls = 0;
    let broken = true;
    const value = oncePerSynth(() => {
      calls++;
      if (broken) throw new Error('no value');
      return 'value';
    });
    new kplus.k8s.KubeConfigMap(chart, 'a', { data: lazy(() => ({ file: value() })) });
    expect(() => app.synth()).toThrow(/no value/);
    broken = false;
    app.synth();
    expect(calls).toBe(2);
    expect(fs.readFileSync(path.join(app.outdir, 'c', 'c.k8s.yaml'), 'utf8')).toContain('file: value');
  });
});

describe('stringifyYaml', () => {
  const docs = [
    { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: '5m', labels: { severity: 'critical' } }] }] },
    { text: 'line one\nline two\n', quoted: ['yes', 'on', '0x1f', '~', '', ' lead', 'a: b', 'c #d'], n: [0, 1.5, -2], b: true, z: null },
  ];

  test('writes the same bytes as cdk8s\' Yaml.stringify, with either writer selected', () => {
    const expected = Yaml.stringify(...docs);
    expect(stringifyYaml(...docs)).toBe(expected);
    const before = process.env[YAML_WRITER_ENV];
    process.env[YAML_WRITER_ENV] = 'cdk8s';
    try {
      expect(stringifyYaml(...docs)).toBe(expected);
    } finally {
      if (before === undefined) delete process.env[YAML_WRITER_ENV]; else process.env[YAML_WRITER_ENV] = before;
    }
  });

  test('data the writer does not take (a Date) goes to cdk8s\' writer', () => {
    const doc = { when: new Date(0) };
    expect(stringifyYaml(doc)).toBe(Yaml.stringify(doc));
  });
});
