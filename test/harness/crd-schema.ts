import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as yaml from 'js-yaml';
import type { K8sObject } from './synth';

/**
 * Validates custom resources against the openAPIV3Schema of their upstream CRDs in
 * ../shared/crds/ (the current releases) and ../shared/crds/k8s-1.28/ (the last releases that
 * support Kubernetes 1.28). A custom resource must use an API version that every bundle defining
 * its group serves, and validate against each of those schemas — the objects then apply on 1.28
 * and on current clusters alike.
 *
 * Stricter than the API server in one way on purpose: a field the schema does not declare (and no
 * `x-kubernetes-preserve-unknown-fields` allows) is a violation, where the API server would
 * silently prune it — a pruned policy field is a policy that is not there.
 */
const CRD_ROOT = path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');

interface Bundle {
  readonly file: string;
  /** `group/kind` -> CRD. */
  readonly crds: Map<string, any>;
}

let bundles: Bundle[] | undefined;

function loadBundles(): Bundle[] {
  if (bundles) return bundles;
  if (!fs.existsSync(CRD_ROOT)) {
    throw new Error(`${CRD_ROOT} is missing: the CRD bundles (shared/crds beside the checkout) are needed to validate custom resources`);
  }
  const files = [
    ...fs.readdirSync(CRD_ROOT).filter((f) => f.endsWith('.yaml')),
    ...fs.readdirSync(path.join(CRD_ROOT, 'k8s-1.28')).filter((f) => f.endsWith('.yaml')).map((f) => `k8s-1.28/${f}`),
  ].sort();
  bundles = files.map((file) => {
    const crds = new Map<string, any>();
    for (const d of yaml.loadAll(fs.readFileSync(path.join(CRD_ROOT, file), 'utf8')) as any[]) {
      if (d?.kind === 'CustomResourceDefinition') crds.set(`${d.spec.group}/${d.spec.names.kind}`, d);
    }
    return { file, crds };
  });
  return bundles;
}

/** The groups for which some bundle has a CRD. */
export function crdGroupKnown(group: string): boolean {
  return loadBundles().some((b) => [...b.crds.keys()].some((k) => k.startsWith(`${group}/`)));
}

function compilesInJs(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Rewrites an OpenAPI v3 structural schema into a JSON schema that rejects undeclared fields. */
function toJsonSchema(s: any): any {
  if (s === null || typeof s !== 'object') return s;
  if (Array.isArray(s)) return s.map(toJsonSchema);
  const out: any = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, toJsonSchema(ps)]));
    } else if (k === 'nullable' || k.startsWith('x-kubernetes-') || k === 'format' || k === 'description') {
      continue;
    } else if (k === 'pattern' && !compilesInJs(v as string)) {
      // Go RE2 syntax JavaScript lacks (e.g. a leading `(?i)`): the API server checks it.
      continue;
    } else {
      out[k] = toJsonSchema(v);
    }
  }
  // OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum (Envoy Gateway's CRDs use them) are
  // numbers in the JSON Schema draft Ajv implements.
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof s[exclusive] === 'boolean') {
      delete out[exclusive];
      if (s[exclusive] && typeof s[bound] === 'number') {
        out[exclusive] = s[bound];
        delete out[bound];
      }
    }
  }
  if (s['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = out.anyOf ?? [{ type: 'integer' }, { type: 'string' }];
  }
  if (s.nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
  }
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();

function validator(bundle: Bundle, crd: any, version: any): ValidateFunction {
  const key = `${bundle.file}|${crd.metadata.name}|${version.name}`;
  let v = compiled.get(key);
  if (!v) {
    const schema = toJsonSchema(version.schema?.openAPIV3Schema ?? { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true });
    // metadata is validated by the API server's own ObjectMeta rules, not the CRD; apiVersion and
    // kind are accepted on every object, though some CRDs (Istio's) do not declare them.
    if (schema.properties) {
      schema.properties.metadata = { type: 'object' };
      schema.properties.apiVersion = { type: 'string' };
      schema.properties.kind = { type: 'string' };
    }
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

/**
 * The violations of one custom resource, or undefined when no bundle knows its group (the caller
 * then falls back to other schemas).
 */
export function crdViolations(o: K8sObject): string[] | undefined {
  const slash = o.apiVersion.indexOf('/');
  if (slash < 0) return undefined;
  const group = o.apiVersion.slice(0, slash);
  const version = o.apiVersion.slice(slash + 1);
  if (!crdGroupKnown(group)) return undefined;
  const out: string[] = [];
  let defined = 0;
  for (const bundle of loadBundles()) {
    const crd = bundle.crds.get(`${group}/${o.kind}`);
    if (!crd) continue;
    defined++;
    const v = crd.spec.versions.find((x: any) => x.name === version);
    if (!v || !v.served) {
      out.push(`${version} is not served by ${bundle.file} (served: ${crd.spec.versions.filter((x: any) => x.served).map((x: any) => x.name).join(', ')})`);
      continue;
    }
    const validate = validator(bundle, crd, v);
    if (!validate(o)) {
      out.push(`${bundle.file}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${(e.params as any).additionalProperty})` : ''}`).join('; ')}`);
    }
  }
  if (defined === 0) out.push(`no CRD in ../shared/crds defines kind ${o.kind} in group ${group}`);
  return out;
}
