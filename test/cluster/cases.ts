/**
 * What test/cluster applies: every example (both profiles where the example has both), and the
 * CRDs from ../shared/crds that its output uses.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { EXAMPLES } from '../../examples/synth-all';
import * as arch from '../../src';
import { K8sObject, newTestApp, synthApp, SynthResult } from '../harness/synth';

export interface ClusterCase {
  readonly name: string;
  readonly synth: () => SynthResult;
}

/** Examples whose build takes a profile (the others have one architecture per profile inside). */
const WITH_PROFILE = new Set(['reference-architecture']);

export function clusterCases(): ClusterCase[] {
  const only = process.env.CLUSTER_EXAMPLES?.split(/[\s,]+/).filter(Boolean);
  const cases: ClusterCase[] = [];
  for (const name of EXAMPLES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = () => require(`../../examples/${name}`);
    const profiles = WITH_PROFILE.has(name) ? [arch.Profile.PRODUCTION, arch.Profile.DEVELOPMENT] : [undefined];
    for (const profile of profiles) {
      const id = profile === undefined ? name : `${name} (${profile})`;
      if (only && !only.some((o) => id.startsWith(o))) continue;
      cases.push({
        name: id,
        synth: () => {
          const app = newTestApp();
          if (profile === undefined) load().build(app); else load().build(app, profile);
          return synthApp(app);
        },
      });
    }
  }
  return cases;
}

const SHARED_CRDS = path.join(__dirname, '..', '..', '..', 'shared', 'crds');

/** group/kind -> CRD, from ../shared/crds; for 1.28 the k8s-1.28/ releases take precedence. */
export function loadCrds(version: string): Map<string, K8sObject> {
  const dir = process.env.SHARED_CRDS ?? SHARED_CRDS;
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: the cluster tests install the CRDs from ../shared/crds (or SHARED_CRDS)`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
  const old = path.join(dir, 'k8s-1.28');
  const oldFiles = fs.existsSync(old) ? fs.readdirSync(old).filter((f) => f.endsWith('.yaml')).map((f) => path.join(old, f)) : [];
  const ordered = /^v1\.28\./.test(version) ? [...oldFiles, ...files] : files;
  const crds = new Map<string, K8sObject>();
  for (const file of ordered) {
    for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8')) as K8sObject[]) {
      if (doc?.kind !== 'CustomResourceDefinition') continue;
      const key = `${doc.spec.group}/${doc.spec.names.kind}`;
      if (!crds.has(key)) crds.set(key, doc);
    }
  }
  return crds;
}

/** group/kind of an object ('' for the core group). */
export function groupKind(o: K8sObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}`;
}
