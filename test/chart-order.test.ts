import { App, Chart, DependencyGraph } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { tmpDir } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';
import { chartOrderStats, ComponentChart, YAML_WRITER_ENV } from '../src/internal/component-chart';

/** What cdk8s' own `App.charts` getter returns (its body in cdk8s 2: the app's DependencyGraph topology). */
function cdk8sOrder(app: App): Chart[] {
  return new DependencyGraph(app.node).topology().filter((c): c is Chart => c instanceof Chart);
}

/** `app.charts` and whether the fast path answered it. */
function charts(app: App): { charts: Chart[]; fast: boolean } {
  const before = chartOrderStats.fast;
  const result = app.charts;
  return { charts: result, fast: chartOrderStats.fast === before + 1 };
}

const paths = (cs: Chart[]) => cs.map((c) => c.node.path);

describe.each(EXAMPLES)('example %s', (example) => {
  test('App.charts lists the charts in cdk8s\' order, without its dependency graph', () => {
    const app = new App({ outdir: tmpDir('chart-order-') });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../examples/${example}`).build(app);
    const got = charts(app);
    expect(got.charts.length).toBeGreaterThan(0);
    expect(paths(got.charts)).toEqual(paths(cdk8sOrder(app)));
    // the examples declare no construct dependency: the fast path is the one that runs
    expect(got.fast).toBe(true);
  });
});

describe('cases where only cdk8s\' graph gives the order', () => {
  function app(): App {
    const a = new App({ outdir: tmpDir('chart-order-') });
    // ComponentChart installs the getter
    new ComponentChart(a, 'first');
    return a;
  }

  test('a chart depending on a later one comes after it', () => {
    const a = app();
    const b = new Chart(a, 'second');
    const c = new Chart(a, 'third');
    new kplus.ConfigMap(b, 'cm');
    new kplus.ConfigMap(c, 'cm');
    b.addDependency(c);
    const got = charts(a);
    expect(got.fast).toBe(false);
    expect(paths(got.charts)).toEqual(['first', 'third', 'second']);
    expect(paths(got.charts)).toEqual(paths(cdk8sOrder(a)));
  });

  test('an object depending on another object, in other charts', () => {
    const a = app();
    const b = new Chart(a, 'b');
    const c = new Chart(a, 'c');
    const cmB = new kplus.ConfigMap(b, 'cm');
    const cmC = new kplus.ConfigMap(c, 'cm');
    cmB.node.addDependency(cmC);
    const got = charts(a);
    expect(got.fast).toBe(false);
    expect(paths(got.charts)).toEqual(paths(cdk8sOrder(a)));
  });

  test('charts with numeric ids (their paths are array indexes, which an object\'s keys list first)', () => {
    const a = app();
    new Chart(a, 'later');
    new Chart(a, '10');
    new Chart(a, '2');
    new Chart(a, '02');
    const got = charts(a);
    expect(got.fast).toBe(false);
    expect(paths(got.charts)).toEqual(['2', '10', 'first', 'later', '02']);
    expect(paths(got.charts)).toEqual(paths(cdk8sOrder(a)));
  });

  test('a numeric id below the app\'s root is an ordinary key: the fast path keeps construction order', () => {
    const a = app();
    const outer = new Chart(a, 'outer');
    new Chart(outer, '3');
    new Chart(a, 'z');
    const got = charts(a);
    expect(got.fast).toBe(true);
    expect(paths(got.charts)).toEqual(['first', 'outer', 'outer/3', 'z']);
    expect(paths(got.charts)).toEqual(paths(cdk8sOrder(a)));
  });

  test('with CDK8S_ARCHITECT_YAML_WRITER=cdk8s, cdk8s\' getter runs', () => {
    const previous = process.env[YAML_WRITER_ENV];
    process.env[YAML_WRITER_ENV] = 'cdk8s';
    try {
      const a = app();
      new Chart(a, 'b');
      const got = charts(a);
      expect(got.fast).toBe(false);
      expect(paths(got.charts)).toEqual(['first', 'b']);
    } finally {
      if (previous === undefined) delete process.env[YAML_WRITER_ENV];
      else process.env[YAML_WRITER_ENV] = previous;
    }
  });
});
