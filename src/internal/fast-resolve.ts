import { App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

// ---------------------------------------------------------------------------------------------
// Resolving the values of the component charts' objects
//
// `ApiObject.toJson()` resolves every value of an object with cdk8s' `resolve(key, value,
// apiObject)`, which, for *every* value of the tree, looks the app up from the object
// (`App.of(apiObject)`, a walk to the root of the construct tree), copies the key path into a new
// array and creates a `ResolutionContext` for each resolver. When the app has exactly cdk8s'
// three built-in resolvers (no `resolvers` prop), none of them reads the key path, so the same
// result comes from one walk of the tree that applies the three rules directly, in cdk8s' order:
//
// 1. `LazyResolver`: a `Lazy` is replaced by what it produces;
// 2. `ImplicitTokenResolver`: a value with a `resolve()` method is replaced by its result;
// 3. `NumberStringUnionResolver`: a non-plain object whose `value` is a number or a string (the
//    L1 union types, `IntOrString`, `Quantity`) is replaced by `{ value }`;
//
// and a replaced value is resolved again; arrays and plain objects are resolved member by member.
//
// The fast walk is used only while a ComponentChart renders its own objects (`withFastResolve`),
// only for objects of that app, and only if this cdk8s's module still has the shape it was written
// against and resolves the canary values exactly as cdk8s does (checked once); otherwise cdk8s'
// own function runs, unchanged.
//
// Both callers of cdk8s' `resolve` (`ApiObject.toJson()` and `ApiObjectMetadataDefinition.toJson()`)
// pass its result straight to cdk8s' `sanitizeValue` (drop null and undefined members, sort the
// keys), which copies the whole tree once more. The fast walk does both in the same pass
// (`resolveAndSanitize`) and marks its result; while it is installed, `sanitizeValue` returns a
// marked tree as it is when called with the options that pass produced (`sortKeys`, no filters),
// and runs unchanged otherwise (on a marked tree it gives the same result as on the unsanitized
// one, since sanitizing is idempotent). A value the sanitizer would refuse (a non-plain object
// left after resolving: it throws) makes the walk fall back to resolving alone, unmarked, so
// that cdk8s' sanitizer throws its own error. With `CDK8S_DISABLE_SORT` set, only resolving is
// replaced.

interface ResolveModule {
  resolve(key: string[], value: any, apiObject: any): any;
}

interface SanitizeModule {
  sanitizeValue(obj: any, options?: SanitizeOptions): any;
}

interface SanitizeOptions {
  readonly filterEmptyObjects?: boolean;
  readonly filterEmptyArrays?: boolean;
  readonly sortKeys?: boolean;
}

function sanitizeModule(): SanitizeModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('cdk8s/lib/_util') as SanitizeModule;
    return typeof m.sanitizeValue === 'function' ? m : undefined;
  } catch {
    return undefined;
  }
}

function resolveModule(): ResolveModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('cdk8s/lib/resolve') as ResolveModule;
    return typeof m.resolve === 'function' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** cdk8s' three built-in resolvers, in cdk8s' order, with the same rules. */
export function fastResolve(value: any): any {
  // strings, numbers and booleans: no rule applies (none has a `resolve` method or a `value`)
  if (typeof value !== 'object') return typeof value === 'function' ? resolveOther(value) : value;
  if (value === null) return value;
  return resolveObject(value);
}

function resolveOther(value: any): any {
  if (typeof value.resolve === 'function') return fastResolve(value.resolve());
  const v = value.value;
  if (typeof v === 'number' || typeof v === 'string') return fastResolve({ value: v });
  return value;
}

function resolveObject(value: any): any {
  if (value instanceof Lazy) return fastResolve(value.produce());
  if (typeof value.resolve === 'function') return fastResolve(value.resolve());
  if (value.constructor !== Object) {
    const v = value.value;
    if (typeof v === 'number' || typeof v === 'string') return fastResolve({ value: v });
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (i in value) out[i] = fastResolve(value[i]);
    }
    return out;
  }
  if (value.constructor == Object) {
    const out: Record<string, any> = {};
    for (const k of Object.keys(value)) out[k] = fastResolve(value[k]);
    return out;
  }
  return value;
}

/** Thrown inside `resolveAndSanitize` where cdk8s' sanitizer would throw. */
class NotSanitizable extends Error {}

/**
 * `sanitizeValue(resolve(value), { sortKeys: true })` in one walk: resolved by cdk8s' three
 * built-in resolvers' rules (as `fastResolve`), then null and undefined members of objects dropped,
 * null array items made undefined, and object keys sorted. Throws `NotSanitizable` on a value the
 * sanitizer refuses.
 */
export function resolveAndSanitize(value: any): any {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'function') {
    if (typeof value.resolve === 'function') return resolveAndSanitize(value.resolve());
    const v = value.value;
    if (typeof v === 'number' || typeof v === 'string') return { value: v };
    return value; // kept, as the sanitizer keeps what is not an object
  }
  if (typeof value !== 'object') return value;
  if (value instanceof Lazy) return resolveAndSanitize(value.produce());
  if (typeof value.resolve === 'function') return resolveAndSanitize(value.resolve());
  if (value.constructor !== Object) {
    const v = value.value;
    if (typeof v === 'number' || typeof v === 'string') return { value: v };
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (i in value) out[i] = resolveAndSanitize(value[i]);
    }
    return out;
  }
  // the sanitizer refuses what is not a plain object (it checks the constructor's name)
  if (value.constructor !== Object) throw new NotSanitizable();
  const out: Record<string, any> = {};
  for (const k of Object.keys(value).sort()) {
    const v = resolveAndSanitize(value[k]);
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}

/** Whether the app resolves with exactly cdk8s' built-in resolvers (not subclasses, none added). */
export function hasBuiltInResolversOnly(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3
    && r[0].constructor === LazyResolver
    && r[1].constructor === ImplicitTokenResolver
    && r[2].constructor === NumberStringUnionResolver;
}

/**
 * How many renders took the fast walk since the process started, and how many of them also
 * sanitized in the same walk (for tests and the benchmark).
 */
export const fastResolveStats = { renders: 0, sanitizedInWalk: 0 };

interface CheckedModules {
  readonly resolve: ResolveModule;
  /** cdk8s' sanitizer, if the one-walk resolve-and-sanitize gives its result on the canary */
  readonly sanitize?: SanitizeModule;
}

let checked: CheckedModules | undefined | null = null;

/** cdk8s' resolve module, if the fast walk gives the same result as its `resolve` on the canary. */
function checkedModules(probe: any): CheckedModules | undefined {
  if (checked !== null) return checked;
  checked = undefined;
  const m = resolveModule();
  if (!m) return undefined;
  try {
    const canary = resolveCanary();
    const expected = JSON.stringify(m.resolve([], canary(), probe));
    if (JSON.stringify(fastResolve(canary())) !== expected) return undefined;
    checked = { resolve: m, sanitize: checkedSanitizer(m, probe) };
  } catch {
    checked = undefined;
  }
  return checked;
}

function checkedSanitizer(m: ResolveModule, probe: any): SanitizeModule | undefined {
  const s = sanitizeModule();
  if (!s) return undefined;
  try {
    const canary = sanitizeCanary();
    const expected = JSON.stringify(s.sanitizeValue(m.resolve([], canary(), probe), { sortKeys: true }));
    return JSON.stringify(resolveAndSanitize(canary())) === expected ? s : undefined;
  } catch {
    return undefined;
  }
}

class Union {
  constructor(public readonly value: any) {}
}

/** Values exercising each rule (built fresh for each walk: a Lazy may produce new objects). */
function resolveCanary(): () => any {
  class Token {
    public resolve() {
      return { fromToken: [1, 'two', Lazy.any({ produce: () => ({ lazyInToken: true }) })] };
    }
  }
  return () => ({
    plain: { a: 1, b: 'x', c: true, d: null, e: undefined, f: [1, [2, { g: 3 }]] },
    lazy: Lazy.any({ produce: () => ({ produced: new Union(8080) }) }),
    token: new Token(),
    union: [new Union('50%'), new Union(3), new Union({ nested: true })],
    empty: [{}, []],
  });
}

/** What the sanitizer accepts after resolving: unsorted keys, null and undefined members and items. */
function sanitizeCanary(): () => any {
  return () => ({
    z: [null, undefined, 2, { y: null, x: undefined, w: Lazy.any({ produce: () => undefined }) }],
    a: Lazy.any({ produce: () => ({ k: new Union('1Gi'), c: Lazy.any({ produce: () => null }), b: [] }) }),
    m: { empty: {}, list: [[], {}], n: 0, f: false, s: '' },
  });
}

/** The trees `resolveAndSanitize` produced in renders in progress: cdk8s' sanitizer returns them. */
const sanitizedTrees = new WeakSet<object>();

/**
 * Runs `render` with cdk8s' `resolve` replaced by the fast walk for the objects of `app`, if the
 * app has only the built-in resolvers and this cdk8s passes the canary; else just runs `render`.
 * `probe` is an ApiObject of `app` (cdk8s' own `resolve` runs on the canary with it).
 */
export function withFastResolve<T>(app: App, probe: any, render: () => T): T {
  if (!hasBuiltInResolversOnly(app)) return render();
  const modules = checkedModules(probe);
  if (!modules) return render();
  const m = modules.resolve;
  const original = m.resolve;
  // with CDK8S_DISABLE_SORT, ApiObject.toJson() keeps the keys' order: only resolving is replaced
  const s = process.env.CDK8S_DISABLE_SORT ? undefined : modules.sanitize;
  const originalSanitize = s?.sanitizeValue;
  fastResolveStats.renders++;
  if (s) {
    fastResolveStats.sanitizedInWalk++;
    m.resolve = function resolve(key: string[], value: any, apiObject: any): any {
      if (App.of(apiObject) !== app) return original(key, value, apiObject);
      try {
        const tree = resolveAndSanitize(value);
        if (tree !== null && typeof tree === 'object') sanitizedTrees.add(tree);
        return tree;
      } catch (e) {
        if (!(e instanceof NotSanitizable)) throw e;
        return fastResolve(value); // cdk8s' sanitizer throws its own error on it
      }
    };
    s.sanitizeValue = function sanitizeValue(obj: any, options: SanitizeOptions = {}): any {
      const asWalked = options.sortKeys !== false && !options.filterEmptyArrays && !options.filterEmptyObjects;
      return asWalked && obj !== null && typeof obj === 'object' && sanitizedTrees.has(obj) ? obj : originalSanitize!(obj, options);
    };
  } else {
    m.resolve = function resolve(key: string[], value: any, apiObject: any): any {
      return App.of(apiObject) === app ? fastResolve(value) : original(key, value, apiObject);
    };
  }
  try {
    return render();
  } finally {
    m.resolve = original;
    if (s) s.sanitizeValue = originalSanitize!;
  }
}
