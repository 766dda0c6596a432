import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import * as arch from '../src';
import { manifestFiles, newTestApp, synthApp } from './harness/synth';
import { EXAMPLES } from '../examples/synth-all';

const IMAGE = (n: string) => `ghcr.io/acme/${n}:1.0.0`;
const rules = (findings: arch.LintFinding[]) => findings.map((f) => `${f.severity} ${f.rule} ${f.path}`);

describe.each(EXAMPLES)('example %s', (name) => {
  test('is lint-clean (or suppresses with documented reasons)', () => {
    const app = newTestApp();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`../examples/${name}`).build(app);
    synthApp(app);
    const architectures = app.node.findAll().filter((c) => arch.BackendArchitecture.isBackendArchitecture(c)) as arch.BackendArchitecture[];
    expect(architectures.length).toBeGreaterThan(0);
    for (const a of architectures) {
      expect(a.lint().map((f) => `${f.path}: ${f.message}`)).toEqual([]);
      for (const s of a._lintOptions.suppressions ?? []) expect(s.reason.length).toBeGreaterThan(20);
    }
  });
});

/** A small production architecture with a queue, for the rules. */
function shop(props: arch.BackendArchitectureProps = {}) {
  const app = newTestApp();
  const a = new arch.BackendArchitecture(app, 'shop', props);
  const stack = new arch.ObservabilityStack(a, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const events = new arch.MessageQueue(a, 'events', { engine: arch.MessageQueueEngine.rabbitmq(), topics: [{ name: 'orders' }, { name: 'refunds' }, { name: 'audit' }] });
  const orders = new arch.Microservice(a, 'orders', { image: IMAGE('orders') });
  const billing = new arch.Microservice(a, 'billing', { image: IMAGE('billing') });
  return { app, a, stack, events, orders, billing };
}

describe('rules', () => {
  test('topic produced without consumer, consumed without producer, declared and unused; two services in one group', () => {
    const { a, events, orders, billing } = shop();
    orders.uses(events.topic('orders').producer());
    billing.uses(events.topic('orders').consumer('workers'));
    orders.uses(events.topic('orders').consumer('workers'));
    billing.uses(events.topic('refunds').consumer('billing'));
    const findings = a.lint();
    expect(rules(findings)).toEqual(expect.arrayContaining([
      'warning topic-without-producer shop/events',
      'warning shared-consumer-group shop/events',
      'warning unused-component shop/events',
    ]));
    const byRule = (r: arch.LintRule) => findings.filter((f) => f.rule === r);
    expect(byRule(arch.LintRule.TOPIC_WITHOUT_PRODUCER)[0].message).toBe('topic "refunds" of rabbitmq message queue "events" is consumed by "billing" but nobody produces it');
    expect(byRule(arch.LintRule.SHARED_CONSUMER_GROUP)[0]).toMatchObject({
      severity: arch.LintSeverity.WARNING,
      message: '"billing" and "orders" share the consumer group "workers" of topic "orders" on rabbitmq message queue "events": each receives only part of the messages',
    });
    expect(byRule(arch.LintRule.UNUSED_COMPONENT)[0].message).toBe('topic "audit" of rabbitmq message queue "events" is declared but nobody produces or consumes it');
  });

  test('an error fails synth with the construct path and the fix', () => {
    const { app, events, orders, billing } = shop({ lint: { errors: [arch.LintRule.SHARED_CONSUMER_GROUP] } });
    orders.uses(events.topic('orders').producer());
    billing.uses(events.topic('orders').consumer('workers'));
    orders.uses(events.topic('orders').consumer('workers'));
    expect(() => app.synth()).toThrow(/\[shop\/events\] "billing" and "orders" share the consumer group "workers" of topic "orders" on rabbitmq message queue "events": each receives only part of the messages\. Fix: give each service its own consumer group .* \(architecture lint: shared-consumer-group\)/);
  });

  test('a topic the architecture only produces', () => {
    const { a, events, orders } = shop();
    orders.uses(events.topic('orders').producer());
    expect(a.lint().find((f) => f.rule === arch.LintRule.TOPIC_WITHOUT_CONSUMER)?.message)
      .toBe('topic "orders" of rabbitmq message queue "events" is produced by "orders" but nobody consumes it');
  });

  test('a quorum of one in production loses the majority with one node', () => {
    const app = newTestApp();
    const a = new arch.BackendArchitecture(app, 'shop');
    const registry = new arch.Registry(a, 'registry', { engine: arch.RegistryEngine.etcd({ members: 1 }) });
    new arch.Microservice(a, 'orders', { image: IMAGE('orders') }).uses(registry);
    const f = a.lint().filter((x) => x.rule === arch.LintRule.NODE_LOSS);
    expect(f).toEqual([{
      rule: arch.LintRule.NODE_LOSS,
      severity: arch.LintSeverity.ERROR,
      path: 'shop/registry',
      message: 'the quorum "registry" of etcd registry "registry" has 1 member in production: losing one node loses the majority',
      fix: 'run 3 members (or 5 to survive two losses)',
    }]);
    // the same program in development: no finding
    const dev = new arch.BackendArchitecture(newTestApp(), 'dev', { profile: arch.Profile.DEVELOPMENT });
    const r = new arch.Registry(dev, 'registry', { engine: arch.RegistryEngine.etcd({ members: 1 }) });
    new arch.Microservice(dev, 'orders', { image: IMAGE('orders') }).uses(r);
    expect(dev.lint()).toEqual([]);
  });

  test('a topic on a single replica in production', () => {
    const app = newTestApp();
    const a = new arch.BackendArchitecture(app, 'shop', { lint: { suppressions: [{ rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'the architecture is monitored by the platform team\'s Datadog' }] } });
    const events = new arch.MessageQueue(a, 'events', { engine: arch.MessageQueueEngine.kafka(), topics: [{ name: 'orders', replicationFactor: 1 }] });
    new arch.Microservice(a, 'orders', { image: IMAGE('orders') }).uses(events.topic('orders').producer());
    new arch.Microservice(a, 'billing', { image: IMAGE('billing') }).uses(events.topic('orders').consumer('billing'));
    expect(rules(a.lint())).toEqual(['error node-loss shop/events']);
    expect(a.lint()[0].message).toBe('topic "orders" has replicationFactor 1 in production: losing the node that stores it loses its messages');
  });

  test('a Microservice routed without authentication; with auth, none', () => {
    const { a, orders } = shop();
    const edge = new arch.Gateway(a, 'edge', { engine: arch.GatewayEngine.kong() });
    edge.route({ path: '/orders', to: orders });
    const f = a.lint().find((x) => x.rule === arch.LintRule.UNAUTHENTICATED_ROUTE)!;
    expect(f).toMatchObject({ path: 'shop/orders', severity: arch.LintSeverity.WARNING });
    expect(f.message).toMatch(/^microservice "orders" is routed from the gateway "edge" without authentication \(route "\/orders" .*\)$/);
    const s2 = shop();
    const g2 = new arch.Gateway(s2.a, 'edge', { engine: arch.GatewayEngine.kong(), auth: arch.GatewayAuth.jwt({ issuer: 'https://id.example', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----' }) });
    g2.route({ path: '/orders', to: s2.orders });
    expect(s2.a.lint().filter((x) => x.rule === arch.LintRule.UNAUTHENTICATED_ROUTE)).toEqual([]);
  });

  test('unused platform components, unscraped ones, single replicas others depend on', () => {
    const { a, orders } = shop();
    // Redis is scraped through its redis_exporter sidecar, RocketMQ on its brokers' and controllers'
    // own endpoint; Apollo has no exporter yet
    new arch.MessageQueue(a, 'redis', { engine: arch.MessageQueueEngine.redis() });
    const cache = new arch.MessageQueue(a, 'cache', { engine: arch.MessageQueueEngine.rocketmq() });
    const config = new arch.ConfigCenter(a, 'config', { engine: arch.ConfigCenterEngine.apollo() });
    new arch.Registry(a, 'registry', { engine: arch.RegistryEngine.etcd() });
    const payments = new arch.Microservice(a, 'payments', { image: IMAGE('payments'), replicas: 1 });
    orders.uses(payments);
    orders.uses(cache);
    orders.uses(config);
    const f = a.lint();
    expect(f.find((x) => x.rule === arch.LintRule.UNUSED_COMPONENT && x.path === 'shop/registry')?.message).toBe('etcd registry "registry" is deployed but no service uses it');
    expect(f.find((x) => x.rule === arch.LintRule.UNSCRAPED_COMPONENT && x.path === 'shop/config')?.message)
      .toBe('nobody scrapes the metrics of apollo config center "config": the library runs no metrics endpoint or exporter for apollo that Prometheus could scrape');
    // etcd, Redis and RocketMQ are scraped by the stack's Prometheus
    expect(f.filter((x) => x.rule === arch.LintRule.UNSCRAPED_COMPONENT).map((x) => x.path)).toEqual(['shop/config']);
    expect(f.find((x) => x.rule === arch.LintRule.SINGLE_REPLICA_DEPENDENCY && x.path === 'shop/payments')?.message)
      .toBe('"payments" of microservice "payments" runs 1 replica in production, and "orders" depends on it: a node loss or a drain stops them');
  });

  test('production without Prometheus: one finding for the architecture', () => {
    const app = newTestApp();
    const a = new arch.BackendArchitecture(app, 'shop');
    const registry = new arch.Registry(a, 'registry', { engine: arch.RegistryEngine.etcd() });
    new arch.Microservice(a, 'orders', { image: IMAGE('orders') }).uses(registry);
    expect(a.lint().map((f) => [f.rule, f.path, f.message])).toEqual([[arch.LintRule.UNSCRAPED_COMPONENT, 'shop', 'nobody scrapes the metrics of "registry": the architecture has no metrics system']]);
  });
});

describe('options', () => {
  function unauthenticated(lint: arch.ArchitectureLintOptions) {
    const s = shop({ lint });
    new arch.Gateway(s.a, 'edge', { engine: arch.GatewayEngine.kong() }).route({ path: '/', to: s.orders });
    return s;
  }

  test('errors promotes a rule; warningsAsErrors promotes all', () => {
    const promoted = unauthenticated({ errors: [arch.LintRule.UNAUTHENTICATED_ROUTE] }).a.lint();
    expect(promoted.find((f) => f.rule === arch.LintRule.UNAUTHENTICATED_ROUTE)?.severity).toBe(arch.LintSeverity.ERROR);
    const all = unauthenticated({ warningsAsErrors: true }).a.lint();
    expect(all.length).toBeGreaterThan(1);
    expect(all.every((f) => f.severity === arch.LintSeverity.ERROR)).toBe(true);
  });

  test('warnings are printed and synth goes on; a promoted one fails synth', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { written.push(String(s)); return true; });
    try {
      synthApp(unauthenticated({}).app);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/^warning: \[shop\/orders\] microservice "orders" is routed from the gateway "edge" without authentication .*\. Fix: .* \(architecture lint: unauthenticated-route\)$/m);
    expect(() => unauthenticated({ errors: [arch.LintRule.UNAUTHENTICATED_ROUTE] }).app.synth()).toThrow(/architecture lint: unauthenticated-route/);
  });

  test('a suppression for the component removes the finding; a stale one is reported', () => {
    const s = unauthenticated({ suppressions: [{ rule: arch.LintRule.UNAUTHENTICATED_ROUTE, path: 'shop/orders', reason: 'the orders API is public by design' }] });
    expect(s.a.lint().filter((f) => f.rule === arch.LintRule.UNAUTHENTICATED_ROUTE)).toEqual([]);
    const stale = shop({ lint: { suppressions: [{ rule: arch.LintRule.NODE_LOSS, path: 'shop/none', reason: 'nothing to see here at all' }] } });
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((x: any) => { written.push(String(x)); return true; });
    try {
      stale.orders.uses(stale.events.topic('orders').producer());
      synthApp(stale.app);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toContain('warning: [shop] the lint suppression of node-loss for "shop/none" matches no finding. Fix: remove it');
  });

  test('a suppression without a reason fails at construction', () => {
    expect(() => new arch.BackendArchitecture(new App(), 'shop', { lint: { suppressions: [{ rule: arch.LintRule.UNUSED_COMPONENT, reason: ' ' }] } }))
      .toThrow(/\[shop\] the lint suppression of "unused-component" has no reason\. Fix: /);
  });
});

describe('the cdk8s validation plugin', () => {
  const saved = process.env.CDK8S_RECORD_CONSTRUCT_METADATA;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_RECORD_CONSTRUCT_METADATA;
    else process.env.CDK8S_RECORD_CONSTRUCT_METADATA = saved;
  });

  /** Synthesizes as `cdk8s synth` does with validations configured, then runs the plugin with cdk8s-cli's own ValidationContext. */
  async function runPlugin(build: (app: App) => void, properties: arch.ArchitectureLintPluginProps = {}, helm = false) {
    process.env.CDK8S_RECORD_CONSTRUCT_METADATA = 'true';
    let app = newTestApp();
    if (helm) {
      // as `cdk8s synth --format helm` runs the program: Chart.yaml first, the outdir its templates/
      fs.writeFileSync(path.join(app.outdir, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 1.0.0\n');
      app = new App({ outdir: path.join(app.outdir, 'templates') });
    }
    build(app);
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((x: any) => { written.push(String(x)); return true; });
    try {
      app.synth();
    } finally {
      spy.mockRestore();
    }
    const manifests = [...manifestFiles(app.outdir).values()];
    const metadata = JSON.parse(fs.readFileSync(path.join(app.outdir, 'construct-metadata.json'), 'utf8')).resources;
    const context = new ValidationContext(manifests, 'cdk8s-architect', '0.0.0', metadata, false);
    // cdk8s-cli instantiates the class named in cdk8s.yaml with the entry's properties
    const Plugin = (arch as any).ArchitectureLintPlugin;
    await new Plugin(properties).validate(context);
    return { context, outdir: app.outdir };
  }

  test('reports the same findings as synth, with construct paths and fixes', async () => {
    const { context, outdir } = await runPlugin((app) => {
      const a = new arch.BackendArchitecture(app, 'shop', { lint: { suppressions: [{ rule: arch.LintRule.UNSCRAPED_COMPONENT, reason: 'monitored by the platform team\'s own stack' }] } });
      const gw = new arch.Gateway(a, 'edge', { engine: arch.GatewayEngine.kong() });
      const orders = new arch.Microservice(a, 'orders', { image: IMAGE('orders') });
      gw.route({ path: '/', to: orders });
    });
    expect(fs.existsSync(path.join(outdir, 'shop.architecture-model.json'))).toBe(true);
    const report = context.report.toJson();
    expect(context.report.success).toBe(true);
    expect(report.summary.metadata).toEqual({ architectures: '1', errors: '0', warnings: '1' });
    expect(report.violations).toEqual([{
      ruleName: 'unauthenticated-route (warning)',
      recommendation: expect.stringMatching(/^microservice "orders" is routed from the gateway "edge" without authentication/),
      fix: expect.stringMatching(/^give the route \(or the gateway\) an auth/),
      violatingConstructs: [{ resourceName: 'shop/orders', locations: ['shop/orders'], manifestPath: path.join(outdir, 'shop-orders', 'shop-orders.k8s.yaml'), constructPath: undefined }],
    }]);
    expect(context.report.toString()).toContain('unauthenticated-route (warning)');
  });

  test('under a Helm chart (cdk8s synth --format helm) the model is beside templates/ and the plugin finds it', async () => {
    const { context, outdir } = await runPlugin((app) => {
      const a = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
      const gw = new arch.Gateway(a, 'edge', { engine: arch.GatewayEngine.kong() });
      gw.route({ path: '/', to: new arch.Microservice(a, 'orders', { image: IMAGE('orders') }) });
    }, {}, true);
    expect(fs.existsSync(path.join(outdir, '..', 'shop.architecture-model.json'))).toBe(true);
    expect(fs.readdirSync(outdir).sort()).toEqual(['construct-metadata.json', 'shop-edge', 'shop-namespaces', 'shop-orders']);
    expect(context.report.toJson().violations.map((v: any) => [v.ruleName, v.violatingConstructs[0].manifestPath])).toEqual([
      ['unauthenticated-route (warning)', path.join(outdir, 'shop-orders', 'shop-orders.k8s.yaml')],
    ]);
  });

  test('warningsAsErrors fails the report; a clean architecture passes', async () => {
    const build = (app: App) => {
      const a = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT });
      const gw = new arch.Gateway(a, 'edge', { engine: arch.GatewayEngine.kong() });
      gw.route({ path: '/', to: new arch.Microservice(a, 'orders', { image: IMAGE('orders') }) });
    };
    expect((await runPlugin(build, { warningsAsErrors: true })).context.report.success).toBe(false);
    const clean = await runPlugin((app) => {
      new arch.Microservice(new arch.BackendArchitecture(app, 'solo', { profile: arch.Profile.DEVELOPMENT }), 'web', { image: IMAGE('web') });
    });
    expect(clean.context.report.success).toBe(true);
    expect(clean.context.report.toJson().violations).toEqual([]);
  });

  test('without CDK8S_RECORD_CONSTRUCT_METADATA no model file is written (npm run synth output is unchanged)', () => {
    delete process.env.CDK8S_RECORD_CONSTRUCT_METADATA;
    const app = newTestApp();
    new arch.Microservice(new arch.BackendArchitecture(app, 'solo', { profile: arch.Profile.DEVELOPMENT }), 'web', { image: IMAGE('web') });
    app.synth();
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['kustomization.yaml', 'solo-namespaces', 'solo-secrets.yaml', 'solo-web', 'solo.mmd']);
  });
});
