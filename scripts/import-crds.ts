/**
 * Regenerates src/imports/ with `cdk8s import` from the upstream CRD bundles in ../shared/crds.
 *
 * Each bundle is filtered to the kinds the library emits (the Envoy Gateway `EnvoyProxy` CRD alone
 * would add 1.8 MB of TypeScript to every build), written to a temporary file, and imported
 * unchanged. Where a Kubernetes-1.28-compatible release exists (../shared/crds/k8s-1.28/), the
 * classes come from it: the library emits only API versions that both it and the current release
 * serve, which the test harness checks against both bundles.
 *
 * Run with `npx projen import`; commit the result; never edit src/imports/ by hand.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';

interface Source {
  /** Path below ../shared/crds. */
  readonly file: string;
  /** The kinds to import (all when absent). */
  readonly kinds?: string[];
}

export const CRD_SOURCES: Source[] = [
  { file: 'prometheus-operator-v0.93.0-monitors-rules.yaml' },
  { file: 'k8s-1.28/gateway-api-v1.3.0-standard-core.yaml' },
  { file: 'k8s-1.28/envoy-gateway-v1.2.8-policies.yaml', kinds: ['BackendTrafficPolicy', 'ClientTrafficPolicy', 'SecurityPolicy'] },
  {
    file: 'k8s-1.28/istio-1.24.6.yaml',
    kinds: ['AuthorizationPolicy', 'DestinationRule', 'PeerAuthentication', 'RequestAuthentication', 'ServiceEntry', 'Sidecar', 'Telemetry', 'VirtualService'],
  },
  {
    file: 'k8s-1.28/linkerd-version-2.19.yaml',
    kinds: ['AuthorizationPolicy', 'HTTPRoute', 'MeshTLSAuthentication', 'NetworkAuthentication', 'Server', 'ServiceProfile'],
  },
  // GitOps delivery (BackendArchitecture's `gitops` option): Argo CD, Flux, External Secrets Operator
  { file: 'argo-cd-v3.5.1.yaml', kinds: ['Application'] },
  { file: 'flux-source-v1.9.1-kustomize-v1.9.4.yaml', kinds: ['GitRepository', 'Kustomization'] },
  { file: 'external-secrets-v2.9.0.yaml', kinds: ['ExternalSecret'] },
];

function main(): void {
  const root = path.resolve(__dirname, '..');
  const crdDir = path.resolve(root, '..', 'shared', 'crds');
  if (!fs.existsSync(crdDir)) {
    throw new Error(`${crdDir} is missing: the CRD bundles live in the steering repository's shared/ folder beside this checkout`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-import-'));
  try {
    for (const source of CRD_SOURCES) {
      const docs = (yaml.loadAll(fs.readFileSync(path.join(crdDir, source.file), 'utf8')) as any[])
        .filter((d) => d && d.kind === 'CustomResourceDefinition');
      const picked = source.kinds ? docs.filter((d) => source.kinds!.includes(d.spec.names.kind)) : docs;
      const missing = (source.kinds ?? []).filter((k) => !picked.some((d) => d.spec.names.kind === k));
      if (missing.length > 0) throw new Error(`${source.file} has no CRD for ${missing.join(', ')}`);
      // One file per API group: `cdk8s import` writes one module per group, so a group split over
      // several inputs would overwrite itself.
      const groups = new Map<string, any[]>();
      for (const d of picked) groups.set(d.spec.group, [...(groups.get(d.spec.group) ?? []), d]);
      for (const [group, crds] of groups) {
        const file = path.join(tmp, `${group}.yaml`);
        if (fs.existsSync(file)) throw new Error(`API group ${group} comes from two bundles`);
        fs.writeFileSync(file, crds.map((d) => yaml.dump(d, { noRefs: true, lineWidth: -1 })).join('---\n'));
        execFileSync('cdk8s', ['import', file, '-l', 'typescript', '-o', path.join(root, 'src', 'imports'), '--no-check-upgrade'], {
          cwd: tmp,
          stdio: 'inherit',
        });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main();
