import * as fs from 'fs';
import * as path from 'path';
import { renderReadme } from '../scripts/update-readme';
import * as arch from '../src';

const kinds = (rs: arch.EngineRecommendation[]) => rs.map((r) => r.kind);

test('every engine has a profile with sources for each of the seed\'s five dimensions', () => {
  const profiles = arch.MessageQueueAdvisor.profiles();
  expect(profiles.map((p) => p.kind)).toEqual(['redis', 'rabbitmq', 'kafka', 'rocketmq', 'pulsar']);
  for (const p of profiles) {
    for (const dimension of [p.highAvailability, p.features, p.duplicateConsumption, p.orderingNote]) expect(dimension.length).toBeGreaterThan(20);
    expect(Object.values(arch.ThroughputClass)).toContain(p.throughput);
    expect(p.sources.length).toBeGreaterThanOrEqual(2);
  }
});

test('exactly-once excludes the engines that cannot do it, and says why', () => {
  const ranked = arch.MessageQueueAdvisor.recommend({ delivery: arch.DeliverySemantics.EXACTLY_ONCE });
  const suitable = ranked.filter((r) => r.suitable).map((r) => r.kind);
  expect(suitable.sort()).toEqual(['kafka', 'pulsar']);
  const redis = ranked.find((r) => r.kind === arch.MessageQueueKind.REDIS)!;
  expect(redis.reasons).toContain('delivery: at best at-least-once, exactly-once required');
  expect(ranked.slice(0, 2).every((r) => r.suitable)).toBe(true);
});

test('high throughput with per-key ordering and delayed messages on a medium budget: RocketMQ first', () => {
  const ranked = arch.MessageQueueAdvisor.recommend({
    ordering: arch.OrderingScope.PER_KEY,
    throughput: arch.ThroughputClass.HUNDREDS_OF_THOUSANDS,
    delayedMessages: true,
    operationalBudget: arch.OperationalLevel.MEDIUM,
  });
  expect(ranked[0].kind).toBe(arch.MessageQueueKind.ROCKETMQ);
  expect(ranked[0].factory).toBe('MessageQueueEngine.rocketmq()');
  expect(ranked[0].reasons).toContain('delayed messages: native');
  // Kafka has no delayed delivery: unsuitable
  expect(ranked.find((r) => r.kind === arch.MessageQueueKind.KAFKA)!.suitable).toBe(false);
  // RabbitMQ is below the throughput
  expect(ranked.find((r) => r.kind === arch.MessageQueueKind.RABBITMQ)!.reasons.join()).toContain('below the hundreds-of-thousands required');
});

test('multi-tenancy with replay and dead letters and no budget constraint: Pulsar first', () => {
  const ranked = arch.MessageQueueAdvisor.recommend({ multiTenancy: true, replay: true, deadLetter: true, transactions: true });
  expect(ranked[0].kind).toBe(arch.MessageQueueKind.PULSAR);
});

test('a low operational budget favours the simple engines', () => {
  const ranked = arch.MessageQueueAdvisor.recommend({ operationalBudget: arch.OperationalLevel.LOW, deadLetter: true });
  expect(ranked[0].kind).toBe(arch.MessageQueueKind.RABBITMQ);
  expect(ranked.find((r) => r.kind === arch.MessageQueueKind.PULSAR)!.reasons).toContain('operations: needs high effort, more than the low budget');
  expect(kinds(ranked).indexOf(arch.MessageQueueKind.PULSAR)).toBeGreaterThan(kinds(ranked).indexOf(arch.MessageQueueKind.RABBITMQ));
});

test('no requirements: every engine is suitable, ranking is deterministic', () => {
  const a = arch.MessageQueueAdvisor.recommend();
  expect(a.every((r) => r.suitable)).toBe(true);
  expect(arch.MessageQueueAdvisor.recommend()).toEqual(a);
});

test('global ordering is possible everywhere, with the cost stated', () => {
  const ranked = arch.MessageQueueAdvisor.recommend({ ordering: arch.OrderingScope.GLOBAL });
  for (const r of ranked) expect(r.reasons[0]).toMatch(/single partition\/queue/);
});

test('profiles are copies: callers cannot change the data', () => {
  const p = arch.MessageQueueAdvisor.profile(arch.MessageQueueKind.KAFKA);
  p.sources.push('tampered');
  expect(arch.MessageQueueAdvisor.profile(arch.MessageQueueKind.KAFKA).sources).not.toContain('tampered');
});

test('the README\'s comparison table is the generated one', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  expect(renderReadme(readme)).toBe(readme);
  expect(readme).toContain(arch.MessageQueueAdvisor.comparisonTable());
  expect(arch.MessageQueueAdvisor.comparisonTable().split('\n')).toHaveLength(15); // header, separator and 13 dimensions
});
