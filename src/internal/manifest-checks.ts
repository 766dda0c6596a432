import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { show } from './errors';

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** One chart of an architecture and the construct the user created it through. */
export interface OwnedChart {
  readonly chart: Chart;
  readonly owner: IConstruct;
}

/** Why a name is invalid for its kind (as the API server would say), or undefined when it is valid. */
function nameProblem(kind: string, name: string): string | undefined {
  switch (kind) {
    case 'Service':
      // Service names become DNS labels of the cluster domain: DNS-1035 (must start with a letter).
      return name.length <= 63 && DNS_1035_LABEL.test(name) ? undefined : 'is not a valid Service name (a DNS-1035 label: at most 63 lowercase letters, digits and "-", starting with a letter)';
    case 'Namespace':
      return name.length <= 63 && DNS_1123_LABEL.test(name) ? undefined : 'is not a valid Namespace name (a DNS-1123 label)';
    case 'CronJob':
      // The controller appends an 11-character suffix for its Jobs, which must stay a DNS label.
      return name.length <= 52 && DNS_1123_SUBDOMAIN.test(name) ? undefined : 'is not a valid CronJob name (at most 52 characters, DNS-1123)';
    case 'StatefulSet':
      // Pods are `<name>-<ordinal>` and carry a `controller-revision-hash: <name>-<hash>` label (max 63).
      return name.length <= 52 && DNS_1123_LABEL.test(name) ? undefined : 'is not a valid StatefulSet name (at most 52 characters: pod names and revision labels derive from it)';
    default:
      return name.length <= 253 && DNS_1123_SUBDOMAIN.test(name) ? undefined : 'is not a valid object name (a DNS-1123 subdomain)';
  }
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a DNS subdomain';
  if (name.length > 63 || !LABEL_NAME_PART.test(name)) return 'has a name part that is not at most 63 letters, digits, "-", "_" or "."';
  return undefined;
}

/**
 * What the API server would reject in the architecture's objects, found before anything is
 * written: object names invalid for their kind, label keys and values over their limits (an
 * `app.kubernetes.io/instance` of `<architecture>-<component>` longer than 63 characters), and two
 * objects with the same group, kind, namespace and name (the last one applied would silently
 * replace the other — for example a microservice named `default-deny-all` replacing the
 * namespace's deny-all policy). Each message names the construct the user created, the object,
 * the bad value and the fix.
 */
export function manifestViolations(charts: OwnedChart[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  const reported = new Set<string>();
  for (const { chart, owner } of charts) {
    for (const c of chart.node.findAll()) {
      if (!(c instanceof ApiObject) || Chart.of(c) !== chart) continue;
      // The metadata as declared (cdk8s' `metadata.toJson()` would resolve and sanitize a copy of
      // it for every object, which costs more than the checks: names, namespaces and labels of this
      // library's objects are plain strings, and anything else is left to the renderer).
      const name = c.metadata.name;
      const namespace = c.metadata.namespace;
      const labels = (c.metadata as unknown as { labels?: Record<string, unknown> }).labels;
      if (typeof name !== 'string') continue;
      const what = `${c.kind} ${show(namespace ? `${namespace}/${name}` : name)} (from ${owner.node.path})`;
      const problem = nameProblem(c.kind, name);
      if (problem) out.push(`${what}: the name ${show(name)} ${problem}. Fix: choose a shorter or different component name`);
      for (const [key, value] of Object.entries(labels ?? {})) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) out.push(`${what}: the label key ${show(key)} ${keyProblem}. Fix: use a valid label key`);
        // One message per component and label, not one per object that carries it.
        const once = `${owner.node.path}|${key}|${String(value)}`;
        if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value)) && !reported.has(once)) {
          reported.add(once);
          out.push(`${what}: the label ${key}=${show(value)} is not a valid label value (${value.length} characters; at most 63 letters, digits, "-", "_" or ".", alphanumeric at both ends). Fix: shorten the architecture or component name so that "<architecture>-<component>" stays within 63 characters`);
        }
      }
      const group = c.apiVersion.includes('/') ? c.apiVersion.slice(0, c.apiVersion.indexOf('/')) : '';
      const key = `${group}|${c.kind}|${namespace ?? ''}|${name}`;
      const previous = seen.get(key);
      if (previous !== undefined) {
        out.push(`${what}: the same ${c.kind} is also generated by ${previous}; applying both would silently keep only the last one. Fix: rename the component (or move it to another namespace) so that the names differ`);
      } else {
        seen.set(key, owner.node.path);
      }
    }
  }
  return out;
}
