/**
 * The program test/locale.test.ts synthesizes under several locales (into `CDK8S_OUTDIR`): every
 * example, plus an architecture whose names sort differently by locale (`y` before `j` in
 * Lithuanian, `z` after `s` in Estonian) in every place the library sorts names: Kafka users and
 * ACLs, Nacos users, Consul tokens, mesh grants, per-service alert rules, lint findings.
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { EXAMPLES } from '../../examples/synth-all';
import * as arch from 'cdk8s-architect';

const root = process.env.CDK8S_OUTDIR;
if (!root) throw new Error('CDK8S_OUTDIR is not set');

for (const name of EXAMPLES) {
  const app = new App({ outdir: path.join(root, name) });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`../../examples/${name}`).build(app);
  app.synth();
}

const app = new App({ outdir: path.join(root, 'locale-sensitive') });
const shop = new arch.BackendArchitecture(app, 'yjzs', { profile: arch.Profile.PRODUCTION });
const registry = new arch.Registry(shop, 'registry', {
  engine: arch.RegistryEngine.consul({ acl: { enabled: true, defaultPolicy: arch.ConsulAclPolicy.DENY, tokenSecretName: 'consul-bootstrap-token' } }),
});
const config = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos() });
const events = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.kafka(), topics: [{ name: 'ticks', partitions: 3 }] });
const names = ['yak', 'jay', 'zulu', 'sierra', 'tango', 'young', 'jolly'];
new arch.ObservabilityStack(shop, 'observability', {
  tracing: arch.Tracing.jaeger(),
  logging: arch.Logging.fluentBit({ store: arch.LogStore.elasticsearch() }),
  metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}, ...names.map((team) => ({ team }))] } }),
});
const services = names.map((n, i) => new arch.Microservice(shop, n, {
  image: `ghcr.io/acme/${n}:1.0.0`,
  team: names[(i + 3) % names.length],
  context: i % 2 === 0 ? 'yard' : 'jetty',
}));
for (const [i, svc] of services.entries()) {
  svc.uses(registry);
  svc.uses(config);
  svc.uses(i === 0 ? events.topic('ticks').producer() : events.topic('ticks').consumer(names[i]));
  if (i > 0) services[i - 1].uses(svc);
}
new arch.Mesh(shop, 'mesh', { engine: arch.MeshEngine.istio() });
app.synth();
