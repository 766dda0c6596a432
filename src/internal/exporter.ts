import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ANNOTATION_EXTERNAL_SECRETS } from './labels';
import { secureContainer } from './pod';
import { scrapeAnnotations } from './stateful-cluster';
import { StatelessWorkload } from './stateless-workload';
import { BackendArchitecture } from '../architecture/backend-architecture';

/** A Prometheus exporter beside a platform component (kafka_exporter, elasticsearch_exporter). */
export interface MetricsExporterProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  /** The component it exports metrics of (its `app.kubernetes.io/name`). */
  readonly componentName: string;
  /** The Deployment's (and scrape job's) name, e.g. `<component>-exporter`. */
  readonly name: string;
  readonly namespace: string;
  /** The workload kind (`kafka-exporter`); also the container's name. */
  readonly kind: string;
  /** The `kind` label of its series (selects the alert rules). */
  readonly metricsKind: string;
  readonly image: string;
  /** Its metrics port, served on `/metrics`, with `/healthz` for the probes. */
  readonly port: number;
  /** The image's non-root user. */
  readonly uid: number;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  readonly args: string[];
  readonly env?: kplus.k8s.EnvVar[];
  readonly volumes?: kplus.k8s.Volume[];
  readonly volumeMounts?: kplus.k8s.VolumeMount[];
  /** Secrets the pod reads that the library does not create (the secrets inventory). */
  readonly externalSecrets?: string[];
  /**
   * Seconds the exporter may take to open its port (a startup probe), for exporters that open it
   * only after a first call to the component. @default - no startup probe
   */
  readonly startupSeconds?: number;
}

/**
 * One exporter pod: a second one would duplicate every series (and double any sum over them); a
 * missing exporter shows as its scrape target down. Restricted Pod Security, probes on `/healthz`,
 * scraped by the architecture's metrics pillar on its `metrics` port.
 */
export function deployMetricsExporter(scope: Construct, id: string, p: MetricsExporterProps): StatelessWorkload {
  const http = { httpGet: { path: '/healthz', port: kplus.k8s.IntOrString.fromString('metrics') } };
  const scrape = { port: p.port, path: '/metrics', kind: p.metricsKind, job: p.name };
  const external = p.externalSecrets ?? [];
  const exporter = new StatelessWorkload(scope, id, {
    architecture: p.architecture,
    chart: p.chart,
    name: p.name,
    namespace: p.namespace,
    identity: { name: p.componentName, instance: `${p.architecture.name}-${p.name}`, component: 'exporter', partOf: p.architecture.name },
    replicas: 1,
    ports: [{ name: 'metrics', port: p.port, appProtocol: 'http' }],
    uid: p.uid,
    kind: p.kind,
    podAnnotations: { ...scrapeAnnotations(scrape), ...(external.length > 0 ? { [ANNOTATION_EXTERNAL_SECRETS]: external.join(',') } : {}) },
    volumes: p.volumes ?? [],
    containers: (w) => [secureContainer({
      name: p.kind,
      image: p.image,
      command: p.command,
      args: p.args,
      env: p.env,
      ports: w.containerPorts,
      ...(p.startupSeconds !== undefined
        ? { startupProbe: { ...http, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: Math.ceil(p.startupSeconds / 5) } }
        : {}),
      readinessProbe: { ...http, periodSeconds: 10, timeoutSeconds: 5 },
      livenessProbe: { ...http, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      resources: { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 },
      volumeMounts: p.volumeMounts ?? [],
    })],
  });
  p.architecture._registerScrapeTarget({ workload: exporter, ...scrape });
  return exporter;
}
