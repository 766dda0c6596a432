/** Recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const MANAGED_BY = 'cdk8s-architect';

/** The library's own label/annotation domain. */
export const DOMAIN = 'cdk8s-architect.dev';
export const LABEL_CONTEXT = `${DOMAIN}/bounded-context`;
export const LABEL_TEAM = `${DOMAIN}/team`;
/** The architecture's profile ("development" or "production"), on its Namespace objects. */
export const LABEL_PROFILE = `${DOMAIN}/profile`;
/** Annotation listing Secrets/ConfigMaps a workload reads that are managed outside these manifests. */
export const ANNOTATION_EXTERNAL_SECRETS = `${DOMAIN}/external-secrets`;
export const ANNOTATION_EXTERNAL_CONFIGMAPS = `${DOMAIN}/external-configmaps`;
/**
 * Annotation listing Secrets a workload reads that a Job of these manifests writes (pod template),
 * and, on that Job's pod template, the Secrets it writes as "<namespace>/<name>".
 */
export const ANNOTATION_PROVISIONED_SECRETS = `${DOMAIN}/provisioned-secrets`;
export const ANNOTATION_WRITES_SECRETS = `${DOMAIN}/writes-secrets`;
/** Annotation on a namespace whose Pod Security level is below "restricted": why. */
export const ANNOTATION_POD_SECURITY_REASON = `${DOMAIN}/pod-security-reason`;
export const ANNOTATION_OWNER = `${DOMAIN}/owner`;

/** The identity of one workload inside an architecture. */
export interface WorkloadIdentityLabels {
  /** The component's name, e.g. "orders" or "events". */
  readonly name: string;
  /** Unique per architecture, e.g. "shop-orders" or "shop-events-broker". */
  readonly instance: string;
  /** The role of the pods, e.g. "microservice", "broker", "controller". */
  readonly component: string;
  /** The architecture's name. */
  readonly partOf: string;
}

/**
 * The labels a selector uses: stable, derived from names the user chose (never from construct
 * paths), so moving a construct in the tree does not change an immutable selector.
 */
export function selectorLabels(id: WorkloadIdentityLabels): Record<string, string> {
  return {
    [LABEL_NAME]: id.name,
    [LABEL_INSTANCE]: id.instance,
    [LABEL_COMPONENT]: id.component,
  };
}

/** Selector labels plus part-of and managed-by: put on every object and pod template. */
export function recommendedLabels(id: WorkloadIdentityLabels, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...selectorLabels(id),
    [LABEL_PART_OF]: id.partOf,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    ...extra,
  };
}
