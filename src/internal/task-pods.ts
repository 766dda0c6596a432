import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { recommendedLabels, selectorLabels, WorkloadIdentityLabels } from './labels';
import { WorkloadNetworkPolicy } from './network';
import { securePodSpec } from './pod';
import { PodTemplateExtras, registerWorkload } from './workload-registration';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import type { IWorkload, NetworkPort } from '../architecture/binding';
import { WorkloadController } from '../architecture/extension';

const k8s = kplus.k8s;

export interface TaskPodsProps {
  readonly architecture: BackendArchitecture;
  readonly chart: Chart;
  /** Name of the Job/CronJob, its ServiceAccount and NetworkPolicy. */
  readonly name: string;
  readonly namespace: string;
  readonly identity: WorkloadIdentityLabels;
  readonly extraLabels?: Record<string, string>;
}

/**
 * The pods of a Job or CronJob (maintenance and initialization tasks: defragmentation, schema
 * setup, topic creation, ...) as a workload of the graph: their own ServiceAccount, labels that no
 * Service selects, and a NetworkPolicy, so a task reaches exactly the cluster it maintains.
 */
export class TaskPods extends Construct implements IWorkload {
  public readonly architecture: BackendArchitecture;
  public readonly componentName: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly labels: Record<string, string>;
  private readonly selector: Record<string, string>;
  private readonly policy: WorkloadNetworkPolicy;
  private readonly props: TaskPodsProps;
  private readonly extras = new PodTemplateExtras();

  constructor(scope: Construct, id: string, props: TaskPodsProps) {
    super(scope, id);
    this.props = props;
    this.architecture = props.architecture;
    this.componentName = props.identity.name;
    this.namespace = props.namespace;
    this.serviceAccountName = props.name;
    this.selector = selectorLabels(props.identity);
    this.labels = recommendedLabels(props.identity, props.extraLabels);
    new k8s.KubeServiceAccount(props.chart, `${id}-service-account`, {
      metadata: { name: props.name, namespace: props.namespace, labels: this.labels },
      automountServiceAccountToken: false,
    });
    this.policy = new WorkloadNetworkPolicy(props.chart, `${id}-network-policy`, {
      name: props.name,
      namespace: props.namespace,
      identity: props.identity,
      podSelector: this.selector,
      extraLabels: props.extraLabels,
    });
    registerWorkload({ workload: this, controller: WorkloadController.JOB, kind: props.identity.component, ports: [], extras: this.extras });
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
    this.architecture._recordConnection({ consumer: peer, provider: this, ports });
  }

  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }

  /** A restricted pod template for these task pods (restartPolicy OnFailure). */
  public podTemplate(
    containers: kplus.k8s.Container[],
    uid: number,
    volumes?: kplus.k8s.Volume[],
    annotations?: Record<string, string>,
  ): kplus.k8s.PodTemplateSpec {
    return {
      metadata: { labels: this.extras.renderLabels(this.labels), annotations: this.extras.renderAnnotations(annotations) },
      spec: { ...securePodSpec({ serviceAccountName: this.serviceAccountName, containers, volumes, uid }), restartPolicy: 'OnFailure' },
    };
  }

  /** A CronJob running these pods on `schedule` (never two at once, short history). */
  public cronJob(schedule: string, template: kplus.k8s.PodTemplateSpec): kplus.k8s.KubeCronJob {
    return new k8s.KubeCronJob(this.props.chart, `${this.node.id}-cronjob`, {
      metadata: { name: this.props.name, namespace: this.namespace, labels: this.labels },
      spec: {
        schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 3600, template } },
      },
    });
  }

  /**
   * A Job running these pods once (initialization: schema, users, topics, ...). Its name defaults
   * to the task's; pass a name that changes with the Job's content (e.g. a content hash, possibly
   * `lazy`) when the template can change, since a Job's pod template is immutable.
   */
  public job(template: kplus.k8s.PodTemplateSpec, options: TaskJobOptions = {}): kplus.k8s.KubeJob {
    return new k8s.KubeJob(this.props.chart, `${this.node.id}-job`, {
      metadata: { name: options.name ?? this.props.name, namespace: this.namespace, labels: this.labels },
      spec: {
        backoffLimit: options.backoffLimit ?? 6,
        activeDeadlineSeconds: options.activeDeadlineSeconds ?? 3600,
        template,
      },
    });
  }
}

/** Options of {@link TaskPods.job}. */
export interface TaskJobOptions {
  /** @default - the task's name */
  readonly name?: string;
  /** Retries before the Job fails. @default 6 */
  readonly backoffLimit?: number;
  /** The Job's time limit, retries included. @default 3600 */
  readonly activeDeadlineSeconds?: number;
}
