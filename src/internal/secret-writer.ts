import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { ANNOTATION_WRITES_SECRETS } from './labels';
import { lazy } from './lazy';
import { compareStrings } from './names';
import type { TaskPods } from './task-pods';

const k8s = kplus.k8s;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** A Secret a provisioning Job writes into a consumer's namespace. */
export interface WrittenSecret {
  readonly namespace: string;
  readonly secretName: string;
}

/** Validates the `kubernetesApiCidr` option of a component whose Job calls the Kubernetes API. */
export function validateKubernetesApiCidr(scope: IConstruct, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = CIDR.exec(value);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) {
    fail(scope, `kubernetesApiCidr ${show(value)} is not an IPv4 CIDR`, 'give the API server\'s address range, e.g. "10.0.0.1/32"');
  }
  return value;
}

/** Sorts written Secrets by "<namespace>/<name>" (the order of scripts, Roles and annotations). */
export function sortWrittenSecrets<T extends WrittenSecret>(secrets: Iterable<T>): T[] {
  return [...secrets].sort((a, b) => compareStrings(`${a.namespace}/${a.secretName}`, `${b.namespace}/${b.secretName}`));
}

/**
 * What a Job needs to write Secrets into consumers' namespaces through the Kubernetes API: egress
 * to the API server (443 and 6443, optionally only `apiCidr`: the API server is not a pod of the
 * graph), and in each consumer namespace a Role and RoleBinding for the Job's ServiceAccount that
 * allow `create` on Secrets (Kubernetes cannot narrow "create" to names) and `get`/`update` on
 * exactly the Secrets it writes there. The pod template must set `automountServiceAccountToken`
 * and carry `annotation()`.
 */
export class KubernetesSecretWriter {
  private readonly namespaces = new Set<string>();

  /**
   * @param id construct id prefix in `chart` (unique per Job in the chart)
   * @param roleName name of the Role and RoleBinding in each consumer namespace
   * @param secrets every Secret the Job writes (complete at synth time)
   */
  constructor(
    private readonly chart: Chart,
    private readonly id: string,
    private readonly task: TaskPods,
    private readonly roleName: string,
    apiCidr: string | undefined,
    private readonly secrets: () => WrittenSecret[],
  ) {
    new k8s.KubeNetworkPolicy(chart, `${id}-api-egress`, {
      metadata: { name: `${task.serviceAccountName}-kubernetes-api`, namespace: task.namespace, labels: task.labels },
      spec: {
        podSelector: { matchLabels: task.podSelector },
        policyTypes: ['Egress'],
        egress: [{
          ...(apiCidr !== undefined ? { to: [{ ipBlock: { cidr: apiCidr } }] } : {}),
          ports: [443, 6443].map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' })),
        }],
      },
    });
  }

  /** Lets the Job write Secrets in `namespace` (once per namespace). */
  public grant(namespace: string): void {
    if (this.namespaces.has(namespace)) return;
    this.namespaces.add(namespace);
    const labels = { ...this.task.labels };
    new k8s.KubeRole(this.chart, `${this.id}-role-${namespace}`, {
      metadata: { name: this.roleName, namespace, labels },
      rules: lazy(() => [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: sortWrittenSecrets(this.secrets()).filter((c) => c.namespace === namespace).map((c) => c.secretName),
          verbs: ['get', 'update'],
        },
      ]),
    });
    new k8s.KubeRoleBinding(this.chart, `${this.id}-rolebinding-${namespace}`, {
      metadata: { name: this.roleName, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.roleName },
      subjects: [{ kind: 'ServiceAccount', name: this.task.serviceAccountName, namespace: this.task.namespace }],
    });
  }

  /** The pod template's annotation listing the Secrets the Job writes ("<namespace>/<name>"). */
  public annotation(): Record<string, string> {
    return { [ANNOTATION_WRITES_SECRETS]: sortWrittenSecrets(this.secrets()).map((c) => `${c.namespace}/${c.secretName}`).join(',') };
  }
}
