import type { MessageQueue } from './message-queue';
import type { CleanupPolicy } from './topic';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { Binding, IBindable, IWorkload } from '../architecture/binding';

/** A declared topic with its defaults applied. */
export interface ResolvedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly retentionMillis: number;
  readonly cleanupPolicy: CleanupPolicy;
}

/** A producer or consumer role of a topic: what `uses()` binds. */
export class TopicRole implements IBindable {
  constructor(public readonly queue: MessageQueue, public readonly topic: string, public readonly group?: string) {}

  public get architecture(): BackendArchitecture {
    return this.queue.architecture;
  }

  public get bindingDescription(): string {
    return `${this.group === undefined ? 'producer' : `consumer group ${JSON.stringify(this.group)}`} of topic ${JSON.stringify(this.topic)} on ${this.queue.bindingDescription}`;
  }

  public bind(consumer: IWorkload): Binding {
    return this.queue._bindRole(consumer, this.topic, this.group);
  }
}
