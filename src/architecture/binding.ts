import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import type { BackendArchitecture } from './backend-architecture';

/** Transport protocol of a network port. */
export enum Protocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
}

/** A port a workload listens on, as seen by NetworkPolicies. */
export interface NetworkPort {
  /** Port number (1-65535). */
  readonly port: number;
  /**
   * Transport protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
  /**
   * The last port of a range that starts at `port` (NetworkPolicy `endPort`), e.g. RabbitMQ's
   * stream replication ports 6000-6500.
   * @default - the single port `port`
   */
  readonly endPort?: number;
}

/** A reference to one key of a Secret in the consumer's namespace. */
export interface SecretKeyReference {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** A reference to one key of a ConfigMap in the consumer's namespace. */
export interface ConfigMapKeyReference {
  /** Name of the ConfigMap. */
  readonly configMapName: string;
  /** Key inside the ConfigMap. */
  readonly key: string;
}

/**
 * The value of an environment variable: a literal, a reference to a Secret or ConfigMap key, or a
 * field of the pod. Credentials are only ever passed as Secret references.
 */
export class EnvValue {
  /** A literal value. Never use this for credentials: the library rejects names such as *_PASSWORD. */
  public static fromValue(value: string): EnvValue {
    return new EnvValue({ value });
  }

  /**
   * A key of a Secret that is managed outside these manifests (for example by External Secrets,
   * Sealed Secrets or a Vault injector). The workload lists it in its
   * `cdk8s-architect.dev/external-secrets` annotation so reviewers and tooling see the dependency.
   */
  public static fromSecret(ref: SecretKeyReference): EnvValue {
    return new EnvValue({ valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } }, ref.secretName);
  }

  /**
   * A key of a ConfigMap that is managed outside these manifests. The workload lists it in its
   * `cdk8s-architect.dev/external-configmaps` annotation.
   */
  public static fromConfigMap(ref: ConfigMapKeyReference): EnvValue {
    return new EnvValue({ valueFrom: { configMapKeyRef: { name: ref.configMapName, key: ref.key } } }, undefined, ref.configMapName);
  }

  /**
   * A key of a ConfigMap that the library itself emits in the consumer's namespace (not listed as
   * external).
   * @internal
   */
  public static _fromManagedConfigMap(configMapName: string, key: string): EnvValue {
    return new EnvValue({ valueFrom: { configMapKeyRef: { name: configMapName, key } } });
  }

  /** A field of the pod, e.g. `metadata.name`, `metadata.namespace`, `status.podIP`, `spec.nodeName`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  private constructor(
    private readonly source: { value?: string; valueFrom?: kplus.k8s.EnvVarSource },
    /** Name of the external Secret this value reads, if any. */
    public readonly externalSecretName?: string,
    /** Name of the external ConfigMap this value reads, if any. */
    public readonly externalConfigMapName?: string,
  ) {}

  /** The literal value, if this is a literal. */
  public get literal(): string | undefined {
    return this.source.value;
  }

  /** True if this value comes from a Secret. */
  public get isSecret(): boolean {
    return this.source.valueFrom?.secretKeyRef !== undefined;
  }

  /** The value's source (literal or reference). @internal */
  public get _source(): { value?: string; valueFrom?: kplus.k8s.EnvVarSource } {
    return this.source;
  }

  /** @internal */
  public _toKube(name: string): kplus.k8s.EnvVar {
    return { name, ...this.source };
  }
}

/** One environment variable. */
export interface EnvVariable {
  /** The variable's name. */
  readonly name: string;
  /** Its value. */
  readonly value: EnvValue;
}

/**
 * What a service publishes when it registers with a client-side registry (etcd, ZooKeeper,
 * Consul, Nacos): its name, the port clients call and how the registry checks its health. The
 * address is the pod's IP (`status.podIP`), handed to the process as `SERVICE_REGISTRATION_HOST`.
 */
export interface RegistrationInfo {
  /** The service name clients look up. */
  readonly serviceName: string;
  /** The port clients call. */
  readonly port: number;
  /** The application protocol of that port, e.g. "http" or "grpc". */
  readonly protocol: string;
  /**
   * An HTTP path that answers 2xx while the instance is healthy.
   * @default - none (TCP or gRPC health checking)
   */
  readonly healthCheckPath?: string;
}

/**
 * A running workload of the architecture (a microservice or a platform component's pods): what
 * bindings, NetworkPolicies and a mesh need to know about it.
 */
export interface IWorkload extends IConstruct {
  /** The architecture this workload belongs to. */
  readonly architecture: BackendArchitecture;
  /** The component's name, e.g. "orders". */
  readonly componentName: string;
  /** The namespace its pods run in. */
  readonly namespace: string;
  /** The ServiceAccount its pods run as: the identity a mesh authorizes. */
  readonly serviceAccountName: string;
  /** Labels that select exactly this workload's pods. */
  readonly podSelector: { [key: string]: string };
  /**
   * What this workload publishes to a client-side registry, if it is a service that registers.
   * @default - not registrable
   */
  readonly registration?: RegistrationInfo;

  /** Lets `peer`'s pods reach these ports of this workload (NetworkPolicy ingress). */
  allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void;

  /** Lets this workload's pods reach these ports of `peer` (NetworkPolicy egress). */
  allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void;
}

/** A workload that a binding connects the consumer to, and the ports it may use. */
export interface BindingEndpoint {
  /** The provider's pods. */
  readonly workload: IWorkload;
  /** The ports the consumer may reach. */
  readonly ports: NetworkPort[];
}

/**
 * A Secret mounted as read-only files in the consumer's containers. Private keys, certificates and
 * tokens travel this way, never as env vars (those show in `kubectl describe`, in crash reports
 * and in every child process's environment). The Secret is managed outside these manifests and
 * listed in the pod's `cdk8s-architect.dev/external-secrets` annotation, unless a Job of these
 * manifests writes it (`provisionedBy`).
 */
export interface SecretFiles {
  /** Name of the Secret in the consumer's namespace. */
  readonly secretName: string;
  /** The directory its keys appear in (one file per key). */
  readonly mountPath: string;
  /**
   * The Job of these manifests that writes the Secret, as "<namespace>/<job name>" (e.g. Consul's
   * ACL bootstrap Job). The pod lists the Secret in its `cdk8s-architect.dev/provisioned-secrets`
   * annotation instead of the external ones; the kubelet retries the mount until the Job has run.
   * @default - managed outside these manifests
   */
  readonly provisionedBy?: string;
}

/** What a consumer receives when it uses something. */
export interface Binding {
  /**
   * Environment variables for the consumer's containers (connection details; credentials only as
   * Secret references).
   * @default - none
   */
  readonly env?: EnvVariable[];
  /**
   * The provider workloads the consumer talks to: NetworkPolicy egress on the consumer, ingress on
   * each provider, and the edges a mesh authorizes.
   * @default - none
   */
  readonly endpoints?: BindingEndpoint[];
  /**
   * Secrets mounted as files in the consumer's containers (client certificates and keys).
   * @default - none
   */
  readonly secretFiles?: SecretFiles[];
}

/**
 * Something a workload can use: a platform component (registry, config center, topic role,
 * tracing backend, ...) or another microservice. This is the one contract every component
 * implements; `Microservice.uses()` applies it.
 */
export interface IBindable {
  /** The architecture this belongs to (a binding never crosses architectures). */
  readonly architecture: BackendArchitecture;
  /** Short human description for errors and docs, e.g. "microservice orders". */
  readonly bindingDescription: string;

  /**
   * Produces the binding for `consumer`. Called once per `uses()`; it must not change the
   * consumer itself (the caller applies env and network edges).
   */
  bind(consumer: IWorkload): Binding;
}

/** One edge of the architecture's graph: a consumer reaching a provider's ports. */
export interface Edge {
  /** The workload that initiates connections. */
  readonly consumer: IWorkload;
  /** The workload that accepts them. */
  readonly provider: IWorkload;
  /** The ports used. */
  readonly ports: NetworkPort[];
  /** What the consumer declared it uses (the provider itself or a role of it, e.g. a topic's producer). */
  readonly via: IBindable;
}
