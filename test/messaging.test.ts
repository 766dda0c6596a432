import { Duration } from 'cdk8s';
import * as arch from '../src';
import { envOf, newTestApp, one, synthApp } from './harness/synth';

/** The MessageQueue framework, independent of the engine (Kafka is used as the carrier). */
function shop(): arch.BackendArchitecture {
  return new arch.BackendArchitecture(newTestApp(), 'shop', { profile: arch.Profile.DEVELOPMENT });
}
function expectError(fn: () => unknown, value: string, fix: RegExp): void {
  let message = '';
  try {
    fn();
  } catch (e: any) {
    message = e.message;
  }
  expect(message).toContain('[shop/events]');
  expect(message).toContain(value);
  expect(message).toMatch(/Fix: /);
  expect(message).toMatch(fix);
}
const kafka = () => arch.MessageQueueEngine.kafka();

test('a consumer of an undeclared topic fails and lists the declared ones', () => {
  const mq = new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'orders' }, { name: 'payments' }] });
  expectError(() => mq.topic('shipments').consumer('billing'), '"shipments"', /add \{ name: "shipments" \}/);
  expectError(() => mq.topic('shipments'), '"orders", "payments"', /declared topics/);
});

test('a topic declared twice, with no partitions, or with too short a retention', () => {
  expectError(() => new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'orders' }, { name: 'orders' }] }), '"orders"', /declare each topic once/);
  expectError(() => new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'orders', partitions: 0 }] }), 'partitions 0', /at least 1 partition/);
  expectError(() => new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'orders', retention: Duration.seconds(10) }] }), '10000', /between one minute/);
});

test('topics whose variables would collide', () => {
  expectError(() => new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'order-placed' }, { name: 'order_placed' }] }), 'EVENTS_ORDER_PLACED_', /rename one/);
});

test('a consumer group that is not a DNS label', () => {
  const mq = new arch.MessageQueue(shop(), 'events', { engine: kafka(), topics: [{ name: 'orders' }] });
  expectError(() => mq.topic('orders').consumer('Billing Team'), '"Billing Team"', /lowercase/);
});

test('roles are stable objects; groups are collected per topic, sorted', () => {
  const s = shop();
  const mq = new arch.MessageQueue(s, 'events', { engine: kafka(), topics: [{ name: 'orders' }] });
  expect(mq.topic('orders').producer()).toBe(mq.topic('orders').producer());
  expect(mq.topic('orders').consumer('b')).toBe(mq.topic('orders').consumer('b'));
  expect(mq.topic('orders').consumer('a')).not.toBe(mq.topic('orders').consumer('b'));
  const svc = new arch.Microservice(s, 'svc', { image: 'ghcr.io/acme/svc:1.0.0' });
  svc.uses(mq.topic('orders').consumer('zeta'));
  new arch.Microservice(s, 'other', { image: 'ghcr.io/acme/other:1.0.0' }).uses(mq.topic('orders').consumer('alpha'));
  expect(mq.consumerGroups('orders')).toEqual(['alpha', 'zeta']);
  expect(mq.topics.map((t) => t.name)).toEqual(['orders']);
  expect(mq.topic('orders').producer().bindingDescription).toContain('producer of topic "orders"');
});

test('producer, consumer and plain connection each carry the queue type and their own variables', () => {
  const s = shop();
  const mq = new arch.MessageQueue(s, 'events', { engine: kafka(), topics: [{ name: 'orders' }] });
  const p = new arch.Microservice(s, 'producer', { image: 'ghcr.io/acme/p:1.0.0' });
  const c = new arch.Microservice(s, 'consumer', { image: 'ghcr.io/acme/c:1.0.0' });
  const plain = new arch.Microservice(s, 'plain', { image: 'ghcr.io/acme/x:1.0.0' });
  p.uses(mq.topic('orders').producer());
  c.uses(mq.topic('orders').consumer('billing'));
  plain.uses(mq);
  const out = synthApp(s.node.root as any);
  const pe = envOf(one(out.objects, 'Deployment', 'producer', 'shop'));
  const ce = envOf(one(out.objects, 'Deployment', 'consumer', 'shop'));
  const xe = envOf(one(out.objects, 'Deployment', 'plain', 'shop'));
  expect(pe.EVENTS_TYPE).toBe('kafka');
  expect(pe.EVENTS_ORDERS_TOPIC).toBe('orders');
  expect(pe.EVENTS_ORDERS_GROUP).toBeUndefined();
  expect(ce.EVENTS_ORDERS_GROUP).toBe('billing');
  expect(xe.EVENTS_TYPE).toBe('kafka');
  expect(xe.EVENTS_ADDRESS).toBe(pe.EVENTS_ADDRESS);
  expect(xe.EVENTS_ORDERS_TOPIC).toBeUndefined();
  const edges = s.edges.map((e) => `${e.consumer.componentName}->${e.provider.componentName}`);
  expect(edges).toEqual(['producer->events', 'consumer->events', 'plain->events']);
});
