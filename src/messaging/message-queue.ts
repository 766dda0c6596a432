import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { IMessageQueueEngine } from './engine';
import { DeployedMessageQueue, isMessageQueueEngineImpl } from './engine-impl';
import { CleanupPolicy, Topic, TopicOptions } from './topic';
import { ResolvedTopic, TopicRole } from './topic-internal';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, EnvValue, IBindable, IWorkload } from '../architecture/binding';
import { Profile } from '../architecture/profile';
import type { IConsole } from '../architecture/routable';
import { fail, show } from '../internal/errors';
import { envPrefix, validateDnsLabel, validateInteger } from '../internal/names';
import { placePlatformComponent } from '../internal/platform';

/** Properties of a {@link MessageQueue}. */
export interface MessageQueueProps {
  /** The message-queue software, e.g. `MessageQueueEngine.kafka()`. */
  readonly engine: IMessageQueueEngine;
  /**
   * The topics (queues, streams) services produce to and consume from.
   * @default - none (the queue is used through plain connections, e.g. as a cache)
   */
  readonly topics?: TopicOptions[];
  /**
   * The namespace the queue runs in.
   * @default - the construct id
   */
  readonly namespace?: string;
}

const PARTITIONED_DEFAULT = 3;

/**
 * A message queue (or streaming platform, or cache) from the seed's comparison: Redis, RabbitMQ,
 * Kafka, RocketMQ or Pulsar, deployed for real on plain Kubernetes (no operator) in the
 * architecture's profile, with its topics declared. Services bind as producers or consumers of a
 * declared topic (`svc.uses(mq.topic('orders').producer())`) and get the connection variables,
 * credentials by Secret reference and NetworkPolicy edges to exactly the ports they need; a
 * service can also use the queue itself (`svc.uses(cache)`), e.g. Redis as a cache.
 */
export class MessageQueue extends Construct implements IBindable {
  /** The architecture. */
  public readonly architecture: BackendArchitecture;
  /** The component's name. */
  public readonly componentName: string;
  /** The namespace it runs in. */
  public readonly namespace: string;
  /** The engine. */
  public readonly engine: IMessageQueueEngine;
  /** Prefix of every variable this queue hands out, e.g. "EVENTS_". */
  public readonly envPrefix: string;
  private readonly topicMap = new Map<string, { topic: Topic; resolved: ResolvedTopic }>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly roles = new Map<string, TopicRole>();
  private readonly deployed: DeployedMessageQueue;

  /** The web console (RabbitMQ management), exposable with `gateway.expose()`. */
  public get console(): IConsole | undefined {
    return this.deployed.console;
  }

  constructor(scope: Construct, id: string, props: MessageQueueProps) {
    super(scope, id);
    const placement = placePlatformComponent(this, id, props.namespace);
    this.architecture = placement.architecture;
    this.componentName = placement.componentName;
    this.namespace = placement.namespace;
    this.engine = props.engine;
    this.envPrefix = `${envPrefix(this.componentName)}_`;
    const engine = this.engine;
    if (!isMessageQueueEngineImpl(engine)) {
      fail(this, `engine ${show(this.engine.kind)} is not one of the library's engines`, 'choose it with a MessageQueueEngine factory, e.g. MessageQueueEngine.kafka()');
    }
    const production = this.architecture.profile === Profile.PRODUCTION;
    for (const t of props.topics ?? []) {
      if (typeof t.name !== 'string' || t.name.length === 0) {
        fail(this, `a topic has no name (${show(t.name)})`, 'give every topic a name');
      }
      if (this.topicMap.has(t.name)) {
        fail(this, `topic ${show(t.name)} is declared twice`, 'declare each topic once');
      }
      const partitions = t.partitions ?? (production && engine.partitioned ? PARTITIONED_DEFAULT : 1);
      validateInteger(this, `topic ${show(t.name)} partitions`, partitions, 1, 10000, 'use at least 1 partition');
      if (t.replicationFactor !== undefined) {
        validateInteger(this, `topic ${show(t.name)} replicationFactor`, t.replicationFactor, 1, 100, 'use at least 1 replica');
      }
      const retentionMillis = (t.retention ?? Duration.days(7)).toMilliseconds();
      validateInteger(this, `topic ${show(t.name)} retention (ms)`, retentionMillis, 60_000, 10 * 365 * 24 * 3600 * 1000, 'keep messages between one minute and ten years');
      const clash = [...this.topicMap.keys()].find((other) => envPrefix(other) === envPrefix(t.name));
      if (clash !== undefined) {
        fail(this, `topics ${show(clash)} and ${show(t.name)} both map to the variables ${this.envPrefix}${envPrefix(t.name)}_*`,
          'rename one of them so their names differ in more than "-", "_" and "."');
      }
      const resolved: ResolvedTopic = {
        name: t.name, partitions, replicationFactor: t.replicationFactor, retentionMillis, cleanupPolicy: t.cleanupPolicy ?? CleanupPolicy.DELETE,
      };
      this.topicMap.set(t.name, { topic: new Topic(this, t.name), resolved });
    }
    this.deployed = engine._deploy(this, [...this.topicMap.values()].map((x) => x.resolved));
  }

  /** Human description used in errors. */
  public get bindingDescription(): string {
    return `${this.engine.kind} message queue ${show(this.componentName)} (${this.node.path})`;
  }

  /** The declared topics, in declaration order. */
  public get topics(): Topic[] {
    return [...this.topicMap.values()].map((x) => x.topic);
  }

  /** A declared topic; an undeclared name is an error. */
  public topic(name: string): Topic {
    const t = this.topicMap.get(name);
    if (!t) {
      const declared = [...this.topicMap.keys()];
      fail(this, `topic ${show(name)} is not declared on this queue${declared.length ? ` (declared: ${declared.map((d) => show(d)).join(', ')})` : ''}`,
        `add { name: ${show(name)} } to the queue's topics, or use one of the declared topics`);
    }
    return t.topic;
  }

  /** A declared topic with its defaults applied (for the lint). @internal */
  public _resolvedTopic(name: string): ResolvedTopic | undefined {
    return this.topicMap.get(name)?.resolved;
  }

  /** The consumer groups bound to `topic` so far, sorted (complete at synth time). */
  public consumerGroups(topic: string): string[] {
    return [...(this.groups.get(topic) ?? [])].sort();
  }

  /** A plain connection to the queue (e.g. Redis used as a cache). */
  public bind(consumer: IWorkload): Binding {
    const w = this.deployed.connection(consumer);
    return { env: [{ name: `${this.envPrefix}TYPE`, value: EnvValue.fromValue(this.engine.kind) }, ...w.env], endpoints: w.endpoints, secretFiles: w.secretFiles };
  }

  /** @internal */
  public _role(topic: string, group?: string): TopicRole {
    this.topic(topic);
    if (group !== undefined) validateDnsLabel(this, 'consumer group', group);
    const key = `${topic}\u0000${group ?? ''}`;
    let role = this.roles.get(key);
    if (!role) {
      role = new TopicRole(this, topic, group);
      this.roles.set(key, role);
    }
    return role;
  }

  /** @internal */
  public _bindRole(consumer: IWorkload, topic: string, group?: string): Binding {
    const resolved = this.topicMap.get(topic)!.resolved;
    const typeVar = { name: `${this.envPrefix}TYPE`, value: EnvValue.fromValue(this.engine.kind) };
    if (group === undefined) {
      const w = this.deployed.producer(resolved, consumer);
      return { env: [typeVar, ...w.env], endpoints: w.endpoints, secretFiles: w.secretFiles };
    }
    let set = this.groups.get(topic);
    if (!set) {
      set = new Set();
      this.groups.set(topic, set);
    }
    set.add(group);
    const w = this.deployed.consumer(resolved, group, consumer);
    return { env: [typeVar, ...w.env], endpoints: w.endpoints, secretFiles: w.secretFiles };
  }

  /** The variable prefix of one topic, e.g. "EVENTS_ORDER_CREATED_". */
  public topicEnvPrefix(topic: string): string {
    return `${this.envPrefix}${envPrefix(topic)}_`;
  }
}
