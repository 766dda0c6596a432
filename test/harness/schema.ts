import { crdViolations } from './crd-schema';
import type { K8sObject } from './synth';

/**
 * Validates objects against the Kubernetes OpenAPI schema with the `kubernetes-models` classes
 * (4.4.x: Kubernetes 1.27 schema, CommonJS). Custom resources are validated against their upstream
 * CRD schemas in ../shared/crds (crd-schema.ts); other groups by the `@kubernetes-models/*` package
 * registered for them. An object whose kind no schema covers is itself a violation.
 */
const crdPackages: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** Registers the `@kubernetes-models/*` package that holds a CRD group's models. */
export function registerCrdModels(group: string, packageName: string): void {
  crdPackages[group] = packageName;
}

function modelClass(apiVersion: string, kind: string): any {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const base = group === '' || !group.includes('.') || group.endsWith('.k8s.io') ? 'kubernetes-models' : crdPackages[group];
  if (!base) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`${base}/${apiVersion}/${kind}`);
    return mod[kind] ?? mod.default;
  } catch {
    return undefined;
  }
}

/** Returns one message per object that does not validate. */
export function schemaViolations(objects: K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const id = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const crd = crdViolations(o);
    if (crd) {
      out.push(...crd.map((m) => `${id}: ${m}`));
      continue;
    }
    const Model = modelClass(o.apiVersion, o.kind);
    if (!Model) {
      out.push(`${id}: no schema known for this apiVersion/kind`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e: any) {
      out.push(`${id}: ${e.message}${e.errors ? ' ' + JSON.stringify(e.errors) : ''}`);
    }
  }
  return out;
}
