import type { IWorkload } from '../architecture/binding';
import { fail, show } from '../internal/errors';
import { compareStrings } from '../internal/names';

/**
 * The credentials Secrets of the engines whose services are each their own user (Kafka SCRAM,
 * RocketMQ ACL): `<service>-<queue>-client` in the service's namespace, key `password`, managed
 * outside the manifests. A name over 63 characters, or one that two users would share, fails at
 * synth with the service's path.
 */
export class ClientCredentialsSecrets {
  private readonly owners = new Map<string, string>();

  /** `engine` names the engine in errors (e.g. "Kafka"); `queueName` is the queue's component name. */
  constructor(private readonly engine: string, private readonly queueName: string) {}

  /** The Secret `consumer` reads the password of `user` from. */
  public secretFor(consumer: IWorkload, user: string): string {
    const secretName = `${consumer.componentName}-${this.queueName}-client`;
    if (secretName.length > 63) {
      fail(consumer, `the ${this.engine} credentials Secret ${show(secretName)} of ${show(consumer.componentName)} has ${secretName.length} characters (Kubernetes allows 63)`,
        `shorten the service name or the message queue name ${show(this.queueName)}`);
    }
    const key = `${consumer.namespace}/${secretName}`;
    const other = this.owners.get(key);
    if (other !== undefined && other !== user) {
      fail(consumer, `the ${this.engine} credentials Secret ${show(secretName)} would hold the passwords of both ${show(other)} and ${show(user)}`, 'rename one of the services');
    }
    this.owners.set(key, user);
    return secretName;
  }
}

/** What one service's user may do, collected from its bindings. */
export interface ClientUser {
  /** `<namespace>.<service>`. */
  readonly user: string;
  /** Topics it produces. */
  readonly writes: Set<string>;
  /** Topics it consumes. */
  readonly reads: Set<string>;
  /** Its consumer groups. */
  readonly groups: Set<string>;
  /** Kafka's exporter: DESCRIBE on the cluster, every topic and every group. */
  readonly describeAll?: boolean;
}

/** Each service's user, `<namespace>.<service>`, with what its bindings allow, in a stable order. */
export class ClientUsers {
  private readonly users = new Map<string, ClientUser>();

  /** The user of `consumer` (created empty at its first binding). */
  public of(consumer: IWorkload): ClientUser {
    const user = `${consumer.namespace}.${consumer.componentName}`;
    let u = this.users.get(user);
    if (!u) {
      u = { user, writes: new Set(), reads: new Set(), groups: new Set() };
      this.users.set(user, u);
    }
    return u;
  }

  /** Adds a user that is no service's (e.g. an exporter's). */
  public add(u: ClientUser): void {
    this.users.set(u.user, u);
  }

  public get size(): number {
    return this.users.size;
  }

  /** Every user, sorted by name. */
  public sorted(): ClientUser[] {
    return [...this.users.values()].sort((a, b) => compareStrings(a.user, b.user));
  }
}
