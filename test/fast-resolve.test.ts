import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, IResolver, Lazy, ResolutionContext } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { tmpDir } from './harness/synth';
import { ComponentChart } from '../src/internal/component-chart';
import { fastResolve, fastResolveStats, hasBuiltInResolversOnly, resolveAndSanitize, withFastResolve } from '../src/internal/fast-resolve';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sUtil = require('cdk8s/lib/_util') as { sanitizeValue(obj: any, options?: any): any };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = require('cdk8s/lib/resolve') as { resolve(key: string[], value: any, o: ApiObject): any };

class Union {
  constructor(public readonly value: any) {}
}
class Token {
  constructor(private readonly v: any) {}
  public resolve() {
    return this.v;
  }
}

/** Values exercising every rule of cdk8s' built-in resolvers, built fresh for each walk. */
function values(): any {
  const holey: any[] = [1];
  holey[3] = 'x';
  const bare = Object.create(null);
  bare.k = 'v';
  return {
    strings: ['', 'a', 'true', '0x10'],
    numbers: [0, -0, 1.5, NaN],
    flags: [true, false],
    nothing: [null, undefined],
    lazy: Lazy.any({ produce: () => ({ inner: Lazy.any({ produce: () => new Union(8080) }) }) }),
    token: new Token([new Union('50%'), { deep: new Token('t') }]),
    unions: [new Union(3), new Union('1Gi'), new Union({ notAUnion: true }), new Union(undefined)],
    holey,
    bare,
    empty: [{}, []],
    fn: Object.assign(() => 1, { value: 'fn-value' }),
    date: new Date(0),
  };
}

function someObject(): ApiObject {
  const app = new App({ outdir: tmpDir('fast-resolve-') });
  const chart = new ComponentChart(app, 'c');
  return new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
}

test('the fast walk gives exactly what cdk8s\' resolve gives with the built-in resolvers', () => {
  const probe = someObject();
  expect(hasBuiltInResolversOnly(App.of(probe))).toBe(true);
  const expected = cdk8sResolve.resolve([], values(), probe);
  const actual = fastResolve(values());
  expect(actual).toStrictEqual(expected);
  // the cases that differ from a plain copy really were resolved
  expect(actual.lazy).toEqual({ inner: { value: 8080 } });
  expect(actual.token).toEqual([{ value: '50%' }, { deep: 't' }]);
  expect(actual.unions.slice(0, 2)).toEqual([{ value: 3 }, { value: '1Gi' }]);
  expect(actual.fn).toEqual({ value: 'fn-value' });
  expect(1 in actual.holey).toBe(false);
});

test('an app with its own resolvers is rendered by cdk8s\' resolve, which passes them the key path', () => {
  const seen: string[] = [];
  const recorder: IResolver = {
    resolve(context: ResolutionContext) {
      if (context.value === 'secret') {
        seen.push(context.key.join('.'));
        context.replaceValue('redacted');
      }
    },
  };
  const outdir = tmpDir('fast-resolve-custom-');
  const app = new App({ outdir, resolvers: [recorder] });
  expect(hasBuiltInResolversOnly(app)).toBe(false);
  const chart = new ComponentChart(app, 'custom');
  new kplus.k8s.KubeConfigMap(chart, 'cm', { data: { password: 'secret' } });
  app.synth();
  expect(seen).toEqual(['data.password']);
  // a ComponentChart at the App's root writes to its own folder (the GitOps layout)
  expect(fs.readFileSync(path.join(outdir, 'custom', 'custom.k8s.yaml'), 'utf8')).toContain('password: redacted');
});

test('cdk8s\' resolve is put back after rendering, also when rendering throws', () => {
  const probe = someObject();
  const original = cdk8sResolve.resolve;
  let during: unknown;
  withFastResolve(App.of(probe), probe, () => {
    during = cdk8sResolve.resolve;
  });
  expect(during).not.toBe(original);
  expect(cdk8sResolve.resolve).toBe(original);
  expect(() => withFastResolve(App.of(probe), probe, () => {
    throw new Error('boom');
  })).toThrow('boom');
  expect(cdk8sResolve.resolve).toBe(original);
});

test('objects of another app rendered meanwhile go through cdk8s\' resolve with that app\'s resolvers', () => {
  const probe = someObject();
  const otherApp = new App({
    outdir: tmpDir('fast-resolve-other-'),
    resolvers: [{ resolve: (c: ResolutionContext) => (c.value === 'x' ? c.replaceValue('from-other-app') : undefined) }],
  });
  const other = new ApiObject(new ComponentChart(otherApp, 'o'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'x' } });
  const json = withFastResolve(App.of(probe), probe, () => other.toJson());
  expect(json.data).toEqual({ k: 'from-other-app' });
});

/** The values of `values()` the sanitizer accepts after resolving (plain data only). */
function sanitizable(): any {
  const v = values();
  delete v.date;
  delete v.bare;
  v.unions = v.unions.filter((u: any) => typeof u.value === 'number' || typeof u.value === 'string');
  return {
    ...v,
    unsorted: { z: 1, a: [null, undefined, { y: null, b: undefined, a: Lazy.any({ produce: () => null }) }], m: { empty: {}, list: [[], {}] } },
  };
}

test('one walk gives what cdk8s\' sanitizeValue gives on cdk8s\' resolve, keys in the same order', () => {
  const probe = someObject();
  const expected = cdk8sUtil.sanitizeValue(cdk8sResolve.resolve([], sanitizable(), probe), { sortKeys: true });
  const actual = resolveAndSanitize(sanitizable());
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expect(Object.keys(actual.unsorted)).toEqual(['a', 'm', 'z']);
  expect(actual.unsorted.a[2]).toEqual({});
  expect(actual.unsorted.a[0]).toBeUndefined();
});

test('a value the sanitizer refuses fails with cdk8s\' own error, and the sanitizer is put back', () => {
  const app = new App({ outdir: tmpDir('fast-resolve-refused-') });
  const chart = new ComponentChart(app, 'c');
  new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { when: Lazy.any({ produce: () => new Date(0) }) } });
  const original = cdk8sUtil.sanitizeValue;
  expect(() => app.synth()).toThrow(/can't render non-simple object of type 'Date'/);
  expect(cdk8sUtil.sanitizeValue).toBe(original);
});

test('with CDK8S_DISABLE_SORT the keys keep their order, as cdk8s writes them', () => {
  const render = (env: string | undefined) => {
    const before = process.env.CDK8S_DISABLE_SORT;
    if (env === undefined) delete process.env.CDK8S_DISABLE_SORT; else process.env.CDK8S_DISABLE_SORT = env;
    try {
      const outdir = tmpDir('fast-resolve-unsorted-');
      const app = new App({ outdir });
      new ApiObject(new ComponentChart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { z: '1', a: '2' } });
      const sanitizedBefore = fastResolveStats.sanitizedInWalk;
      app.synth();
      return { text: fs.readFileSync(path.join(outdir, 'c', 'c.k8s.yaml'), 'utf8'), sanitizedInWalk: fastResolveStats.sanitizedInWalk - sanitizedBefore };
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT; else process.env.CDK8S_DISABLE_SORT = before;
    }
  };
  const unsorted = render('1');
  expect(unsorted.text).toMatch(/z: "1"\n\s+a: "2"/);
  expect(unsorted.sanitizedInWalk).toBe(0);
  const sorted = render(undefined);
  expect(sorted.text).toMatch(/a: "2"\n\s+z: "1"/);
  expect(sorted.sanitizedInWalk).toBe(1);
});
