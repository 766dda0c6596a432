import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { ConfigCenter } from './config-center';
import { ConfigValue } from './config-value';
import { ConfigCenterKind } from './engine';
import { ConfigCenterEngineImpl, DeployedConfigCenter } from './engine-impl';
import { validateConfigEntries } from './entries';
import { KubernetesConfigOptions } from './kubernetes-options';
import { EnvValue, EnvVariable, IWorkload } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { LABEL_MANAGED_BY, LABEL_NAME, LABEL_PART_OF, MANAGED_BY } from '../internal/labels';
import { envPrefix, objectName } from '../internal/names';

const k8s = kplus.k8s;
const PROFILES = new Set<string>(Object.values(Profile));

/** "orders.page-size" -> "ORDERS_PAGE_SIZE": the variable a config key is handed to the process as. */
export function configEnvName(key: string): string {
  return envPrefix(key);
}

/**
 * Zero-dependency configuration: per consumer, an immutable ConfigMap in the consumer's namespace
 * whose name carries a hash of its content (a change creates a new ConfigMap, so the consumer's
 * pod template changes and it rolls), the consumer's variables reading its keys, and Secret
 * references for credentials.
 *
 * Lifecycle, decided here and documented in the README:
 * - Superseded ConfigMaps are pruned by the GitOps tool (annotated `PruneLast` for Argo CD, so
 *   they go only after the new version is applied and healthy). Rolling back means reverting the
 *   Git commit, which brings the old ConfigMap back with the old pod template; `kubectl rollout
 *   undo` is not supported (it would point pods at a pruned ConfigMap).
 * - Values reach the process as env vars, read at container start: a rotated Secret takes effect
 *   at the next rollout (`kubectl rollout restart`, or a reloader watching the Secret), never by
 *   itself. Plain values roll the consumer through the hashed name.
 * - No Role: nothing reads the configuration through the API (pods mount no API token), so the
 *   consumer's ServiceAccount gets no permission at all.
 */
export class KubernetesConfigEngine implements ConfigCenterEngineImpl {
  public readonly kind = ConfigCenterKind.KUBERNETES;

  constructor(private readonly options: KubernetesConfigOptions) {}

  public _deploy(center: ConfigCenter): DeployedConfigCenter {
    const o = this.options;
    const shared = o.entries ?? {};
    validateConfigEntries(center, 'entries', shared);
    for (const profile of Object.keys(o.overlays ?? {})) {
      if (!PROFILES.has(profile)) {
        fail(center, `overlay ${show(profile)} is not a profile`, `use ${[...PROFILES].map((p) => show(p)).join(' or ')} (the values of Profile)`);
      }
      validateConfigEntries(center, `overlays.${profile}`, o.overlays![profile], shared);
    }
    const arch = center.architecture;
    const base = { ...shared, ...(o.overlays?.[arch.profile] ?? {}) };
    for (const app of Object.keys(o.applications ?? {})) {
      validateConfigEntries(center, `applications.${app}`, o.applications![app], base);
    }
    let chart: Chart | undefined;
    const bound = new Set<string>();

    return {
      bind: (consumer: IWorkload) => {
        const entries: Record<string, ConfigValue> = { ...base, ...(o.applications?.[consumer.componentName] ?? {}) };
        const keys = Object.keys(entries).sort();
        const envNames = new Map<string, string>();
        for (const key of keys) {
          const name = configEnvName(key);
          if (envNames.has(name)) {
            fail(center, `config keys ${show(envNames.get(name))} and ${show(key)} both become the variable ${name}`, 'rename one of the keys');
          }
          envNames.set(name, key);
        }
        const data: Record<string, string> = {};
        for (const key of keys) if (!entries[key].isSecret) data[key] = entries[key].rendered!;
        const hash = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 10);
        const configMapName = objectName(center, center.componentName, consumer.componentName, hash);
        const key = `${consumer.namespace}/${consumer.componentName}`;
        if (bound.has(key)) {
          fail(center, `${show(consumer.componentName)} in ${show(consumer.namespace)} is bound twice`, 'bind each consumer to the config center once');
        }
        bound.add(key);
        // The chart (output file) is created with the first consumer: no consumers, no file.
        chart ??= arch._newComponentChart(center, center.componentName);
        const labels = {
          [LABEL_NAME]: center.componentName,
          'app.kubernetes.io/instance': `${arch.name}-${center.componentName}`,
          'app.kubernetes.io/component': 'configuration',
          [LABEL_PART_OF]: arch.name,
          [LABEL_MANAGED_BY]: MANAGED_BY,
        };
        const metadata = (name: string) => ({ name, namespace: consumer.namespace, labels });
        new k8s.KubeConfigMap(chart, `${consumer.namespace}-${consumer.componentName}-config`, {
          metadata: { ...metadata(configMapName), annotations: { 'argocd.argoproj.io/sync-options': 'PruneLast=true' } },
          immutable: true,
          data,
        });
        const env: EnvVariable[] = [{ name: 'CONFIG_MAP_NAME', value: EnvValue.fromValue(configMapName) }];
        for (const k of keys) {
          const v = entries[k];
          env.push({
            name: configEnvName(k),
            value: v.isSecret ? EnvValue.fromSecret(v.secretRef!) : EnvValue._fromManagedConfigMap(configMapName, k),
          });
        }
        return { env, endpoints: [] };
      },
    };
  }
}
