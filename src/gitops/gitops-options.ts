/**
 * How Argo CD turns the output folders into Applications.
 */
export enum ArgoCdMode {
  /** One Application per component folder, each with its sync wave (an app of apps). */
  APPLICATION_PER_COMPONENT = 'application-per-component',
  /**
   * One ApplicationSet whose list generator holds every component folder with its sync wave; its
   * RollingSync strategy syncs the waves in order (Argo CD's progressive syncs must be enabled).
   */
  APPLICATION_SET = 'application-set',
}

/** Which kind of External Secrets Operator store the ExternalSecrets read from. */
export enum SecretStoreKind {
  /** A namespaced `SecretStore`: one of this name must exist in every namespace that needs a Secret. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** Argo CD objects for the output tree (written to the folder `<architecture>-argocd`). */
export interface ArgoCdOptions {
  /** The Git repository the synthesized output is committed to. */
  readonly repoUrl: string;
  /**
   * The folder of the repository that holds the synthesized output (the App's outdir).
   * @default "."
   */
  readonly path?: string;
  /**
   * The revision Argo CD syncs.
   * @default "HEAD"
   */
  readonly targetRevision?: string;
  /**
   * Application per component or one ApplicationSet.
   * @default ArgoCdMode.APPLICATION_PER_COMPONENT
   */
  readonly mode?: ArgoCdMode;
  /**
   * The namespace Argo CD runs in (its Applications live there).
   * @default "argocd"
   */
  readonly namespace?: string;
  /**
   * The Argo CD project of the Applications.
   * @default "default"
   */
  readonly project?: string;
  /**
   * The API server Argo CD deploys to.
   * @default "https://kubernetes.default.svc"
   */
  readonly destinationServer?: string;
  /**
   * Sync automatically when the repository changes.
   * @default true
   */
  readonly automatedSync?: boolean;
  /**
   * With automated sync: delete objects that are no longer in the repository.
   * @default false
   */
  readonly prune?: boolean;
  /**
   * With automated sync: revert changes made in the cluster.
   * @default false
   */
  readonly selfHeal?: boolean;
}

/** A Flux Kustomization (or Argo CD Application) outside the architecture that installs CRDs it uses. */
export interface CrdOwner {
  /** The name of the Flux Kustomization that installs the CRDs (e.g. the operator's). */
  readonly name: string;
  /**
   * Its namespace.
   * @default - the namespace of the architecture's Flux objects
   */
  readonly namespace?: string;
  /** The API groups whose CRDs it installs, e.g. ["monitoring.coreos.com"]. */
  readonly apiGroups: string[];
}

/** Flux objects for the output tree (written to the folder `<architecture>-flux`). */
export interface FluxOptions {
  /** The URL of the Git repository the synthesized output is committed to. */
  readonly url: string;
  /**
   * The branch Flux follows.
   * @default "main"
   */
  readonly branch?: string;
  /**
   * The folder of the repository that holds the synthesized output (the App's outdir).
   * @default "."
   */
  readonly path?: string;
  /**
   * The namespace of the GitRepository and the Kustomizations.
   * @default "flux-system"
   */
  readonly namespace?: string;
  /**
   * How often Flux reconciles, as a Go duration.
   * @default "10m"
   */
  readonly interval?: string;
  /**
   * Delete objects that are no longer in the repository.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * The Secret with the credentials of the repository, in `namespace`.
   * @default - a public repository
   */
  readonly secretName?: string;
  /**
   * Kustomizations outside the architecture that install CRDs its components use: a component with
   * objects of those API groups depends on them.
   * @default - none
   */
  readonly crdOwners?: CrdOwner[];
}

/** External Secrets Operator `ExternalSecret` objects for every external Secret of the inventory. */
export interface ExternalSecretsOptions {
  /** The name of the SecretStore or ClusterSecretStore to read from. */
  readonly storeName: string;
  /**
   * The kind of store.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /**
   * How often the operator refreshes the Secrets, as a Go duration.
   * @default "1h"
   */
  readonly refreshInterval?: string;
  /**
   * Prepended to every remote key, which is `<namespace>/<name>` of the Secret (a key of the
   * Secret is a property of that remote key).
   * @default - none
   */
  readonly remoteKeyPrefix?: string;
}

/**
 * GitOps delivery of the architecture. Every `app.synth()` writes one folder per component with a
 * `kustomization.yaml`, a root `kustomization.yaml`, and `<architecture>-secrets.yaml` (the
 * inventory of the Secrets and ConfigMaps the manifests read but do not create); these options add
 * Argo CD, Flux or External Secrets Operator objects.
 */
export interface GitOpsOptions {
  /**
   * Argo CD Applications (or an ApplicationSet) over the component folders.
   * @default - none
   */
  readonly argoCd?: ArgoCdOptions;
  /**
   * A Flux GitRepository and a Kustomization per component folder.
   * @default - none
   */
  readonly flux?: FluxOptions;
  /**
   * ExternalSecret objects (folder `<architecture>-external-secrets`) for every external Secret.
   * @default - none (create the Secrets as the inventory says)
   */
  readonly externalSecrets?: ExternalSecretsOptions;
}
