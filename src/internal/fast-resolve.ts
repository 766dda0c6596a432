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

interface ResolveModule {
  resolve(key: string[], value: any, apiObject: any): any;
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

/** Whether the app resolves with exactly cdk8s' built-in resolvers (not subclasses, none added). */
export function hasBuiltInResolversOnly(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3
    && r[0].constructor === LazyResolver
    && r[1].constructor === ImplicitTokenResolver
    && r[2].constructor === NumberStringUnionResolver;
}

/** How many renders took the fast walk since the process started (for tests and the benchmark). */
export const fastResolveStats = { renders: 0 };

let checked: ResolveModule | undefined | null = null;

/** The cdk8s resolve module, if the fast walk gives the same result as its `resolve` on the canary. */
function checkedModule(probe: any): ResolveModule | undefined {
  if (checked !== null) return checked;
  checked = undefined;
  const m = resolveModule();
  if (!m) return undefined;
  try {
    const canary = resolveCanary();
    const expected = JSON.stringify(m.resolve([], canary(), probe));
    if (JSON.stringify(fastResolve(canary())) === expected) checked = m;
  } catch {
    checked = undefined;
  }
  return checked;
}

/** Values exercising each rule (built fresh for each walk: a Lazy may produce new objects). */
function resolveCanary(): () => any {
  class Union {
    constructor(public readonly value: any) {}
  }
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

/**
 * Runs `render` with cdk8s' `resolve` replaced by the fast walk for the objects of `app`, if the
 * app has only the built-in resolvers and this cdk8s passes the canary; else just runs `render`.
 * `probe` is an ApiObject of `app` (cdk8s' own `resolve` runs on the canary with it).
 */
export function withFastResolve<T>(app: App, probe: any, render: () => T): T {
  if (!hasBuiltInResolversOnly(app)) return render();
  const m = checkedModule(probe);
  if (!m) return render();
  const original = m.resolve;
  fastResolveStats.renders++;
  m.resolve = function resolve(key: string[], value: any, apiObject: any): any {
    return App.of(apiObject) === app ? fastResolve(value) : original(key, value, apiObject);
  };
  try {
    return render();
  } finally {
    m.resolve = original;
  }
}
