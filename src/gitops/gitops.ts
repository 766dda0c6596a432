import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { ArgoCdMode, ArgoCdOptions, ExternalSecretsOptions, FluxOptions, GitOpsOptions, SecretStoreKind } from './gitops-options';
import { SecretsInventory } from './secrets-inventory';
import * as argo from '../imports/argoproj.io';
import * as eso from '../imports/external-secrets.io';
import * as fluxk from '../imports/kustomize.toolkit.fluxcd.io';
import * as fluxs from '../imports/source.toolkit.fluxcd.io';
import { afterSynth, ComponentChart } from '../internal/component-chart';
import { fail, show } from '../internal/errors';
import { helmChartOf, sideFilesDir } from '../internal/helm';
import { LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { compareStrings, validateDnsLabel } from '../internal/names';
import { stringifyDocument } from '../internal/yaml-writer';

/**
 * The order in which the folders apply: namespaces, then the ExternalSecrets, then components made
 * of built-in kinds only, then components with custom resources (whose CRDs must be installed
 * first). The Argo CD sync wave of a folder is its phase.
 */
export enum Phase {
  NAMESPACES = 0,
  SECRETS = 1,
  BUILT_IN = 2,
  CUSTOM_RESOURCES = 3,
}

/** API groups the Kubernetes API server serves itself (everything else needs a CRD). */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
  'certificates.k8s.io', 'node.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io',
]);

/** The API group of an apiVersion (`""` for the core group). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The label Argo CD's ApplicationSet RollingSync steps select on. */
export const LABEL_SYNC_WAVE = 'cdk8s-architect.dev/sync-wave';
const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };

/** One output folder of an architecture. */
export interface Folder {
  readonly name: string;
  readonly phase: Phase;
  /** The API groups of its custom resources, sorted. */
  readonly crdGroups: string[];
}

/** Architectures of each App, for the root kustomization.yaml. */
const outputs = new WeakMap<App, GitOpsOutput[]>();

/**
 * The GitOps tree of one architecture: a folder per component chart (ComponentChart writes
 * `<outdir>/<chart>/<chart>.k8s.yaml`), a `kustomization.yaml` in each and at the root (namespaces
 * first), the secrets inventory, and the optional Argo CD, Flux and External Secrets objects.
 * Internal: BackendArchitecture drives it.
 */
export class GitOpsOutput {
  public readonly inventory: SecretsInventory;
  private readonly charts: ComponentChart[] = [];
  private readonly deliveryCharts = new Set<Chart>();
  private secretsChart?: ComponentChart;
  private finalized = false;

  constructor(
    private readonly arch: { readonly name: string; readonly node: Chart['node'] },
    private readonly app: App,
    private readonly options: GitOpsOptions,
    /** Creates a component chart of the architecture (its folder is the chart's id). */
    private readonly newChart: (componentName: string) => ComponentChart,
  ) {
    this.inventory = new SecretsInventory(arch.name);
    this.checkOptions();
    let all = outputs.get(app);
    if (!all) {
      all = [];
      outputs.set(app, all);
      afterSynth(app, (write) => writeTree(app, outputs.get(app)!, write));
    }
    all.push(this);
  }

  /** A component chart of the architecture was created. */
  public chartCreated(chart: ComponentChart): void {
    this.charts.push(chart);
    chart.onRender = (docs) => this.inventory.scan(chart.folder, docs);
  }

  /** Once every component is declared (the architecture's validation): adds the delivery objects. */
  public finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    const { externalSecrets, argoCd, flux } = this.options;
    if (externalSecrets) {
      // rendered after every other chart (created last): its objects come from their documents
      const chart = this.newChart('external-secrets');
      this.secretsChart = chart;
      this.created(chart);
      const render = chart.onRender;
      chart.onRender = undefined;
      const toJson = chart.toJson.bind(chart);
      let built = false;
      chart.toJson = () => {
        if (!built) {
          built = true;
          this.addExternalSecrets(chart, externalSecrets);
        }
        const docs = toJson();
        render?.(docs);
        return docs;
      };
    }
    if (argoCd) this.addArgoCd(this.created(this.newChart('argocd')), argoCd);
    if (flux) this.addFlux(this.created(this.newChart('flux')), flux);
  }

  /** The folders with the architecture's manifests, in apply order (the delivery folders not included). */
  public folders(): Folder[] {
    const out: Folder[] = [];
    for (const chart of this.charts) {
      if (this.deliveryCharts.has(chart)) continue;
      const groups = new Set<string>();
      for (const c of chart.node.findAll()) {
        if (c instanceof ApiObject && Chart.of(c) === chart) {
          const g = apiGroupOf(c.apiVersion);
          if (!BUILT_IN_GROUPS.has(g)) groups.add(g);
        }
      }
      const phase = chart === this.charts[0] ? Phase.NAMESPACES
        : chart === this.secretsChart ? Phase.SECRETS
          : groups.size > 0 ? Phase.CUSTOM_RESOURCES : Phase.BUILT_IN;
      out.push({ name: chart.folder, phase, crdGroups: [...groups].sort() });
    }
    return out.sort((a, b) => a.phase - b.phase || compareStrings(a.name, b.name));
  }

  /** Every folder the architecture writes, with the file in it. */
  public allFolders(): Array<{ folder: string; file: string }> {
    return this.charts.map((c) => ({ folder: c.folder, file: `${c.folder}${this.app.outputFileExtension}` }));
  }

  private created(chart: ComponentChart): ComponentChart {
    // created during validation, after cdk8s collected the tree it validates
    chart.markValidated();
    if (chart !== this.secretsChart) this.deliveryCharts.add(chart);
    return chart;
  }

  private checkOptions(): void {
    const o = this.options;
    const scope = this.arch as any;
    if (o.argoCd) {
      if (!o.argoCd.repoUrl) fail(scope, 'gitops.argoCd.repoUrl is empty', 'give the URL of the Git repository the output is committed to');
      validateDnsLabel(scope, 'gitops.argoCd.namespace', o.argoCd.namespace ?? 'argocd');
      if (o.argoCd.automatedSync === false && (o.argoCd.prune || o.argoCd.selfHeal)) {
        fail(scope, 'gitops.argoCd.prune and selfHeal apply to automated sync, which automatedSync: false turns off', 'remove prune/selfHeal or enable automatedSync');
      }
    }
    if (o.flux) {
      if (!o.flux.url) fail(scope, 'gitops.flux.url is empty', 'give the URL of the Git repository the output is committed to');
      validateDnsLabel(scope, 'gitops.flux.namespace', o.flux.namespace ?? 'flux-system');
      for (const owner of o.flux.crdOwners ?? []) {
        if (owner.apiGroups.length === 0) fail(scope, `gitops.flux.crdOwners ${show(owner.name)} has no apiGroups`, 'list the API groups whose CRDs it installs, e.g. ["monitoring.coreos.com"]');
      }
    }
    if (o.externalSecrets && !o.externalSecrets.storeName) {
      fail(scope, 'gitops.externalSecrets.storeName is empty', 'give the name of the SecretStore or ClusterSecretStore');
    }
  }

  private addExternalSecrets(chart: ComponentChart, o: ExternalSecretsOptions): void {
    // every other chart of the app has rendered (this one was created last), so the inventory is complete
    const labels = { [LABEL_PART_OF]: this.arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    for (const s of this.inventory.secrets()) {
      const key = `${o.remoteKeyPrefix ?? ''}${s.namespace}/${s.name}`;
      new eso.ExternalSecret(chart, `${s.namespace}-${s.name}`, {
        metadata: { name: s.name, namespace: s.namespace, labels },
        spec: {
          refreshInterval: o.refreshInterval ?? '1h',
          secretStoreRef: {
            name: o.storeName,
            kind: (o.storeKind ?? SecretStoreKind.CLUSTER_SECRET_STORE) === SecretStoreKind.SECRET_STORE
              ? eso.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE
              : eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
          },
          target: {
            name: s.name,
            creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
            ...(s.type !== 'Opaque' ? { template: { type: s.type } } : {}),
          },
          ...(s.everyKey || s.keys.length === 0
            ? { dataFrom: [{ extract: { key } }] }
            : { data: s.keys.map((k) => ({ secretKey: k, remoteRef: { key, property: k } })) }),
        },
      });
    }
  }

  private addArgoCd(chart: Chart, o: ArgoCdOptions): void {
    const namespace = o.namespace ?? 'argocd';
    const labels = { [LABEL_PART_OF]: this.arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const automated = o.automatedSync ?? true;
    const syncPolicy = (crds: boolean) => ({
      ...(automated ? { automated: { prune: o.prune ?? false, selfHeal: o.selfHeal ?? false } } : {}),
      // a custom resource's dry run fails until its CRD exists (installed by an earlier wave or app)
      ...(crds ? { syncOptions: ['SkipDryRunOnMissingResource=true'] } : {}),
    });
    const source = (folder: string) => ({ repoUrl: o.repoUrl, targetRevision: o.targetRevision ?? 'HEAD', path: repoPath(o.path, folder) });
    const destination = { server: o.destinationServer ?? 'https://kubernetes.default.svc' };
    const project = o.project ?? 'default';
    const folders = this.folders();
    if ((o.mode ?? ArgoCdMode.APPLICATION_PER_COMPONENT) === ArgoCdMode.APPLICATION_PER_COMPONENT) {
      for (const f of folders) {
        new argo.Application(chart, f.name, {
          metadata: { name: f.name, namespace, labels, annotations: { 'argocd.argoproj.io/sync-wave': String(f.phase) } },
          spec: { project, source: source(f.name), destination, syncPolicy: syncPolicy(f.crdGroups.length > 0) },
        });
      }
      return;
    }
    // ApplicationSet: plain ApiObject (the imported class would add 3.3 MB), validated against the CRD in the tests
    const waves = [...new Set(folders.map((f) => f.phase))];
    new ApiObject(chart, 'application-set', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: this.arch.name, namespace, labels },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: folders.map((f) => ({ folder: f.name, wave: String(f.phase) })) } }],
        strategy: {
          type: 'RollingSync',
          rollingSync: { steps: waves.map((w) => ({ matchExpressions: [{ key: LABEL_SYNC_WAVE, operator: 'In', values: [String(w)] }] })) },
        },
        template: {
          metadata: { name: '{{.folder}}', labels: { ...labels, [LABEL_SYNC_WAVE]: '{{.wave}}' } },
          spec: {
            project,
            source: { repoURL: o.repoUrl, targetRevision: o.targetRevision ?? 'HEAD', path: repoPath(o.path, '{{.folder}}') },
            destination,
            syncPolicy: syncPolicy(folders.some((f) => f.crdGroups.length > 0)),
          },
        },
      },
    });
  }

  private addFlux(chart: Chart, o: FluxOptions): void {
    const namespace = o.namespace ?? 'flux-system';
    const labels = { [LABEL_PART_OF]: this.arch.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    const interval = o.interval ?? '10m';
    new fluxs.GitRepository(chart, 'repository', {
      metadata: { name: this.arch.name, namespace, labels },
      spec: { url: o.url, interval, ref: { branch: o.branch ?? 'main' }, ...(o.secretName ? { secretRef: { name: o.secretName } } : {}) },
    });
    const folders = this.folders();
    for (const f of folders) {
      const dependsOn: fluxk.KustomizationSpecDependsOn[] = folders
        .filter((d) => d.phase < f.phase && d.phase <= Phase.SECRETS)
        .map((d) => ({ name: d.name }));
      for (const owner of o.crdOwners ?? []) {
        if (owner.apiGroups.some((g) => f.crdGroups.includes(g))) {
          dependsOn.push({ name: owner.name, ...(owner.namespace ? { namespace: owner.namespace } : {}) });
        }
      }
      new fluxk.Kustomization(chart, f.name, {
        metadata: { name: f.name, namespace, labels },
        spec: {
          interval,
          path: `./${repoPath(o.path, f.name)}`,
          prune: o.prune ?? true,
          sourceRef: { kind: fluxk.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: this.arch.name },
          // the folders others depend on are Ready only once their objects are
          ...(f.phase <= Phase.SECRETS ? { wait: true } : {}),
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
        },
      });
    }
  }
}

function repoPath(base: string | undefined, folder: string): string {
  return path.posix.join(base ?? '.', folder);
}

/**
 * After synth: a kustomization.yaml per folder and at the root, and each architecture's inventory.
 * Under a Helm chart (`cdk8s synth --format helm`) the inventory goes beside templates/ and there
 * is no kustomization.yaml (Helm would read them as Kubernetes objects; see ../internal/helm).
 */
function writeTree(app: App, archs: GitOpsOutput[], write: (filePath: string, data: string) => void): void {
  const helm = helmChartOf(app.outdir) !== undefined;
  const perChart = app.yamlOutputType === YamlOutputType.FILE_PER_CHART && !helm;
  const sideDir = sideFilesDir(app.outdir);
  if (helm) fs.mkdirSync(sideDir, { recursive: true });
  const root: Folder[] = [];
  for (const a of archs) {
    write(path.join(sideDir, `${a.inventory.architecture}-secrets.yaml`), a.inventory.render());
    if (!perChart) continue;
    for (const { folder, file } of a.allFolders()) {
      write(path.join(app.outdir, folder, 'kustomization.yaml'), stringifyDocument({ ...KUSTOMIZATION, resources: [file] }));
    }
    root.push(...a.folders());
  }
  if (!perChart || root.length === 0) return;
  root.sort((a, b) => a.phase - b.phase || compareStrings(a.name, b.name));
  write(path.join(app.outdir, 'kustomization.yaml'), stringifyDocument({ ...KUSTOMIZATION, resources: root.map((f) => f.name) }));
}
