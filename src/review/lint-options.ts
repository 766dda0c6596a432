/** The checks of the architecture lint. */
export enum LintRule {
  /**
   * Production pods that do not survive the loss of one node: a quorum (etcd, ZooKeeper, Consul,
   * KRaft controllers, ...) of fewer than 3 members, or a topic stored on a single replica.
   * Default severity: error.
   */
  NODE_LOSS = 'node-loss',
  /** A topic that services consume but nobody in the architecture produces. Default: warning. */
  TOPIC_WITHOUT_PRODUCER = 'topic-without-producer',
  /** A topic that services produce but nobody in the architecture consumes. Default: warning. */
  TOPIC_WITHOUT_CONSUMER = 'topic-without-consumer',
  /**
   * Two different services in one consumer group of a topic: each receives only part of the
   * messages (competing consumers; deliberate only when the services are interchangeable).
   * Default: warning.
   */
  SHARED_CONSUMER_GROUP = 'shared-consumer-group',
  /** A Microservice routed from a gateway without authentication. Default: warning. */
  UNAUTHENTICATED_ROUTE = 'unauthenticated-route',
  /** A registry, config center, message queue or declared topic that nothing uses. Default: warning. */
  UNUSED_COMPONENT = 'unused-component',
  /** A platform component whose pods nobody scrapes for metrics. Default: warning. */
  UNSCRAPED_COMPONENT = 'unscraped-component',
  /** Production pods that other components depend on, running as a single replica. Default: warning. */
  SINGLE_REPLICA_DEPENDENCY = 'single-replica-dependency',
}

/** How a lint finding is treated. */
export enum LintSeverity {
  /** Fails the synthesis. */
  ERROR = 'error',
  /** Printed (to stderr) while the synthesis goes on. */
  WARNING = 'warning',
}

/** One finding of the architecture lint. */
export interface LintFinding {
  /** The check that reported it. */
  readonly rule: LintRule;
  /** Error or warning (after `warningsAsErrors` and `errors`). */
  readonly severity: LintSeverity;
  /** The construct path of the component concerned. */
  readonly path: string;
  /** What is wrong, with the values concerned. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A finding the program accepts deliberately, with the reason (recorded in the program, not silenced). */
export interface LintSuppression {
  /** The check. */
  readonly rule: LintRule;
  /**
   * The construct path of the component (or a parent of it) the suppression is for.
   * @default - every finding of the rule in the architecture
   */
  readonly path?: string;
  /** Why the finding is accepted (required, not empty). */
  readonly reason: string;
}

/** Options of the architecture lint that runs at synth. */
export interface ArchitectureLintOptions {
  /**
   * Treat every warning as an error.
   * @default false
   */
  readonly warningsAsErrors?: boolean;
  /**
   * Checks whose findings are errors although they are warnings by default.
   * @default - none
   */
  readonly errors?: LintRule[];
  /**
   * Findings accepted deliberately.
   * @default - none
   */
  readonly suppressions?: LintSuppression[];
}
