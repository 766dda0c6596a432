import { ArchitectureLintOptions, LintFinding, LintRule, LintSeverity, LintSuppression } from './lint-options';
import { ArchitectureModel, ModelComponent } from './model';
import { compareStrings } from '../internal/names';

/*
 * The architecture lint: checks over the whole architecture (the model built from the construct
 * graph) that no single component can make. What a component can check alone is a synth error
 * where it is declared (even quorums, Pod Security levels below "restricted" without a reason,
 * undeclared topics, ...); the lint reports the rest.
 */

const DEFAULT_SEVERITY: Record<LintRule, LintSeverity> = {
  [LintRule.NODE_LOSS]: LintSeverity.ERROR,
  [LintRule.TOPIC_WITHOUT_PRODUCER]: LintSeverity.WARNING,
  [LintRule.TOPIC_WITHOUT_CONSUMER]: LintSeverity.WARNING,
  [LintRule.SHARED_CONSUMER_GROUP]: LintSeverity.WARNING,
  [LintRule.UNAUTHENTICATED_ROUTE]: LintSeverity.WARNING,
  [LintRule.UNUSED_COMPONENT]: LintSeverity.WARNING,
  [LintRule.UNSCRAPED_COMPONENT]: LintSeverity.WARNING,
  [LintRule.SINGLE_REPLICA_DEPENDENCY]: LintSeverity.WARNING,
};

/** A finding before severities and suppressions apply. */
type RawFinding = Omit<LintFinding, 'severity'>;

const PLATFORM: ReadonlySet<string> = new Set(['registry', 'config-center', 'message-queue', 'gateway']);

function describe(c: ModelComponent | undefined, path: string): string {
  if (!c) return JSON.stringify(path);
  const kind = c.kind === 'microservice' ? 'microservice' : `${c.engine ? `${c.engine} ` : ''}${c.kind.replace('-', ' ')}`;
  return `${kind} ${JSON.stringify(c.name)}`;
}

/** Runs every check over the model; findings in a stable order (rule, path, message). */
export function lintModel(model: ArchitectureModel): RawFinding[] {
  const out: RawFinding[] = [];
  const byPath = new Map(model.components.map((c) => [c.path, c]));
  const production = model.profile === 'production';

  // ---- the loss of one node
  if (production) {
    const quorums = new Map<string, { component: string; name: string; members: number }>();
    for (const w of model.workloads) {
      if (w.quorum && w.minReplicas < 3) quorums.set(`${w.component}|${w.name}`, { component: w.component, name: w.name, members: w.minReplicas });
    }
    for (const q of quorums.values()) {
      out.push({
        rule: LintRule.NODE_LOSS,
        path: q.component,
        message: `the quorum ${JSON.stringify(q.name)} of ${describe(byPath.get(q.component), q.component)} has ${q.members} member${q.members === 1 ? '' : 's'} in production: losing one node loses the majority`,
        fix: 'run 3 members (or 5 to survive two losses)',
      });
    }
    for (const t of model.topics) {
      if (t.replicationFactor === 1) {
        out.push({
          rule: LintRule.NODE_LOSS,
          path: t.queue,
          message: `topic ${JSON.stringify(t.name)} has replicationFactor 1 in production: losing the node that stores it loses its messages`,
          fix: 'drop replicationFactor (the engine\'s production default replicates) or set it to 3',
        });
      }
    }
  }

  // ---- topics: producers, consumers, groups
  for (const t of model.topics) {
    const queue = describe(byPath.get(t.queue), t.queue);
    if (t.producers.length === 0 && t.consumers.length > 0) {
      out.push({
        rule: LintRule.TOPIC_WITHOUT_PRODUCER,
        path: t.queue,
        message: `topic ${JSON.stringify(t.name)} of ${queue} is consumed by ${t.consumers.map((c) => JSON.stringify(byPath.get(c.component)?.name ?? c.component)).join(', ')} but nobody produces it`,
        fix: `let the producing service use(queue.topic(${JSON.stringify(t.name)}).producer()), or suppress the finding if a producer outside the architecture writes it`,
      });
    }
    if (t.consumers.length === 0 && t.producers.length > 0) {
      out.push({
        rule: LintRule.TOPIC_WITHOUT_CONSUMER,
        path: t.queue,
        message: `topic ${JSON.stringify(t.name)} of ${queue} is produced by ${t.producers.map((p) => JSON.stringify(byPath.get(p)?.name ?? p)).join(', ')} but nobody consumes it`,
        fix: `let the consuming service use(queue.topic(${JSON.stringify(t.name)}).consumer("<group>")), or suppress the finding if a consumer outside the architecture reads it`,
      });
    }
    if (t.consumers.length === 0 && t.producers.length === 0) {
      out.push({
        rule: LintRule.UNUSED_COMPONENT,
        path: t.queue,
        message: `topic ${JSON.stringify(t.name)} of ${queue} is declared but nobody produces or consumes it`,
        fix: 'remove it from the queue\'s topics, or bind its producers and consumers',
      });
    }
    const groups = new Map<string, string[]>();
    for (const c of t.consumers) groups.set(c.group, [...(groups.get(c.group) ?? []), c.component]);
    for (const [group, members] of groups) {
      if (members.length < 2) continue;
      out.push({
        rule: LintRule.SHARED_CONSUMER_GROUP,
        path: t.queue,
        message: `${members.map((m) => JSON.stringify(byPath.get(m)?.name ?? m)).join(' and ')} share the consumer group ${JSON.stringify(group)} of topic ${JSON.stringify(t.name)} on ${queue}: each receives only part of the messages`,
        fix: 'give each service its own consumer group (e.g. its name): topic.consumer("<service>")',
      });
    }
  }

  // ---- the way in
  for (const r of model.routes) {
    if (r.authenticated || r.targetKind !== 'microservice') continue;
    out.push({
      rule: LintRule.UNAUTHENTICATED_ROUTE,
      path: r.target,
      message: `${describe(byPath.get(r.target), r.target)} is routed from the gateway ${JSON.stringify(byPath.get(r.gateway)?.name ?? r.gateway)} without authentication (${r.description})`,
      fix: 'give the route (or the gateway) an auth, e.g. GatewayAuth.jwt({...}); or suppress the finding with the reason the API is public',
    });
  }

  // ---- components nobody uses, nobody scrapes, or that run one replica others depend on
  const used = new Set(model.edges.map((e) => e.to));
  for (const c of model.components) {
    if ((c.kind === 'registry' || c.kind === 'config-center' || c.kind === 'message-queue') && !used.has(c.path)) {
      out.push({
        rule: LintRule.UNUSED_COMPONENT,
        path: c.path,
        message: `${describe(c, c.path)} is deployed but no service uses it`,
        fix: 'let the services that need it use() it, or remove it',
      });
    }
    const hasPods = model.workloads.some((w) => w.component === c.path);
    if (PLATFORM.has(c.kind) && hasPods && model.metrics === 'prometheus' && c.scrapeTargets === 0) {
      out.push({
        rule: LintRule.UNSCRAPED_COMPONENT,
        path: c.path,
        message: `nobody scrapes the metrics of ${describe(c, c.path)}: the library runs no metrics endpoint or exporter for ${c.engine ?? c.kind} that Prometheus could scrape`,
        fix: 'run an exporter for it and scrape it yourself (a PodMonitor), or suppress the finding with the reason',
      });
    }
  }
  // without a Prometheus, no platform component is scraped: one finding for the architecture (production only)
  const unscraped = model.components.filter((c) => PLATFORM.has(c.kind) && model.workloads.some((w) => w.component === c.path));
  if (production && model.metrics !== 'prometheus' && unscraped.length > 0) {
    out.push({
      rule: LintRule.UNSCRAPED_COMPONENT,
      path: model.path,
      message: `nobody scrapes the metrics of ${unscraped.map((c) => JSON.stringify(c.name)).join(', ')}: ${model.metrics === undefined ? 'the architecture has no metrics system' : `the ${model.metrics} metrics system does not scrape platform components`}`,
      fix: 'add an ObservabilityStack with Metrics.prometheus(), or suppress the finding with the reason (e.g. monitored by another system)',
    });
  }
  if (production) {
    const seen = new Set<string>();
    for (const w of model.workloads) {
      const dependents = w.dependents.filter((d) => d !== w.component);
      if (w.minReplicas !== 1 || dependents.length === 0) continue;
      const key = `${w.component}|${w.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const c = byPath.get(w.component);
      out.push({
        rule: LintRule.SINGLE_REPLICA_DEPENDENCY,
        path: w.component,
        message: `${JSON.stringify(w.name)} of ${describe(c, w.component)} runs 1 replica in production, and ${dependents.map((d) => JSON.stringify(byPath.get(d)?.name ?? d)).join(', ')} depend${dependents.length === 1 ? 's' : ''} on it: a node loss or a drain stops them`,
        fix: c?.kind === 'microservice' ? 'run 2 or more replicas (replicas, autoscaling.minReplicas, or profiles.production)' : 'run 2 or more replicas (the component\'s replicas or members option)',
      });
    }
  }

  const rank = Object.values(LintRule) as string[];
  return out.sort((a, b) => rank.indexOf(a.rule) - rank.indexOf(b.rule) || compareStrings(a.path, b.path) || compareStrings(a.message, b.message));
}

/** Validates the options: every suppression needs a rule and a reason. Returns the problems. */
export function lintOptionProblems(options: ArchitectureLintOptions): string[] {
  const problems: string[] = [];
  const rules = Object.values(LintRule) as string[];
  for (const s of options.suppressions ?? []) {
    if (!rules.includes(s.rule)) problems.push(`lint suppression rule ${JSON.stringify(s.rule)} is not a LintRule`);
    if (typeof s.reason !== 'string' || s.reason.trim() === '') problems.push(`the lint suppression of ${JSON.stringify(s.rule)}${s.path ? ` for ${JSON.stringify(s.path)}` : ''} has no reason`);
  }
  for (const r of options.errors ?? []) {
    if (!rules.includes(r)) problems.push(`lint errors rule ${JSON.stringify(r)} is not a LintRule`);
  }
  return problems;
}

function suppressedBy(f: RawFinding, suppressions: LintSuppression[]): LintSuppression | undefined {
  return suppressions.find((s) => s.rule === f.rule && (s.path === undefined || f.path === s.path || f.path.startsWith(`${s.path}/`)));
}

/** Applies severities, promotions and suppressions. */
export function applyLintOptions(findings: RawFinding[], options: ArchitectureLintOptions): LintFinding[] {
  const promoted = new Set(options.errors ?? []);
  const out: LintFinding[] = [];
  for (const f of findings) {
    if (suppressedBy(f, options.suppressions ?? [])) continue;
    const severity = options.warningsAsErrors || promoted.has(f.rule) ? LintSeverity.ERROR : DEFAULT_SEVERITY[f.rule];
    out.push({ ...f, severity });
  }
  return out;
}

/** Suppressions that matched no finding (stale: the program changed). */
export function unusedSuppressions(findings: RawFinding[], options: ArchitectureLintOptions): LintSuppression[] {
  return (options.suppressions ?? []).filter((s) => !findings.some((f) => suppressedBy(f, [s])));
}

/** One line per finding: `[path] message. Fix: fix (lint rule)`. */
export function formatFinding(f: LintFinding): string {
  return `[${f.path}] ${f.message}. Fix: ${f.fix} (architecture lint: ${f.rule})`;
}
