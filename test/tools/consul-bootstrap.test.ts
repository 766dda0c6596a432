import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { certificates, KubeState, kubeStub, startNodeServer } from './kube-stub';
import { Lab } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import { build } from '../../examples/service-discovery';
import * as arch from '../../src';
import { find, K8sObject, newTestApp, synthApp } from '../harness/synth';

/**
 * The Consul bootstrap (the chart's server-acl-init) of the `mesh-ready` architecture of
 * examples/service-discovery.ts (three servers, TLS, deny-by-default ACLs), run as a cluster would
 * run it: the synthesized Job's and CronJob's own container (command, args, volumes at their
 * container paths, user 100 and the read-only root from the security context, the service account
 * token the kubelet mounts because the pod template asks for it) in its own network namespace
 * (test/tools/lab.ts), reaching Consul and the Kubernetes API by the DNS names the script uses,
 * over TLS with the CA certificates it is given. The image's tools are the host's: sh, curl, jq
 * (Debian's `jq`; the image's Alpine jq is a newer release of the same program).
 *
 * Neither Consul nor a Kubernetes API server can run here (no package, no registry): two small
 * HTTPS servers stand in for them, in the pods of the names the script dials.
 * - Consul: the ACL endpoints the script calls, with Consul's rules (every ACL call but `token/self`
 *   needs the initial management token from the ACL Secret; a token is created with the SecretID
 *   it is given and gets a new AccessorID; its policies must exist by name; a SecretID in use
 *   cannot be created twice).
 * - Kubernetes: Secrets get/create/update, allowed only to the Job's ServiceAccount token and only
 *   as the synthesized Roles of the bootstrap allow (create in the namespace, get/update exactly the
 *   Role's resourceNames): the RBAC is checked by the calls the script really makes.
 * Both keep their state in a JSON file the test reads and changes between runs (a deleted Secret,
 * servers that lost their data).
 *
 * Verified: the first run creates the agent policy and token, one Secret (token, CA) and one
 * service-identity token per consumer, and the metrics reader's Secret in Prometheus's namespace
 * (the one Prometheus mounts and its scrape job reads) with a token of the agent:read policy; a rerun (the CronJob's pod) changes nothing; a deleted
 * Secret gets a new token and the old one is deleted in the same run (a rotation); tokens lost with
 * the servers' data are recreated from the Secrets; the next version of the program, without one
 * service, deletes that service's token and leaves tokens it did not create alone.
 */
jest.setTimeout(300_000);

const MANAGEMENT = 'b1c0b6e2-3c55-4f5e-9b0e-4ad1c3b2a001';
const AGENT = 'b1c0b6e2-3c55-4f5e-9b0e-4ad1c3b2a002';
const SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.bootstrap-sa.sig';
const CONSUL_NS = 'consul';
/** The services' namespace: their bounded context. */
const APP_NS = 'mesh-ready-catalog';
/** Prometheus's namespace, where the bootstrap writes the metrics reader's Secret. */
const METRICS_NS = 'observability';
const METRICS_SECRET = 'consul-registry-consul-metrics';

let lab: Lab | undefined;
const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await lab?.destroy();
});

interface Token {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies?: Array<{ ID: string; Name: string }>;
  ServiceIdentities?: Array<{ ServiceName: string }>;
}
interface ConsulState {
  policies: Array<{ ID: string; Name: string; Description: string; Rules: string }>;
  tokens: Token[];
  /** The agent token each server uses, by its host name (what PUT /v1/agent/token/agent set). */
  agentTokens?: { [host: string]: string };
  /** Servers that do not answer the handover (a server restarting). */
  down?: string[];
}

/** Consul's ACL HTTP API as far as the script uses it, with Consul's rules; state in a file. */
function consulStub(stateFile: string, log: string, cert: string, key: string): string {
  return `
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');
const load = () => JSON.parse(fs.readFileSync(${JSON.stringify(stateFile)}, 'utf8'));
const save = (s) => fs.writeFileSync(${JSON.stringify(stateFile)}, JSON.stringify(s, null, 2));
https.createServer({ cert: fs.readFileSync(${JSON.stringify(cert)}), key: fs.readFileSync(${JSON.stringify(key)}) }, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const p = new URL(req.url, 'https://x').pathname;
    const token = req.headers['x-consul-token'];
    fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ method: req.method, path: p }) + '\\n');
    const reply = (code, v) => { res.statusCode = code; res.end(typeof v === 'string' ? v : JSON.stringify(v)); };
    const s = load();
    if (p === '/v1/status/leader') return reply(200, '"10.0.0.10:8300"');
    if (p === '/v1/acl/token/self') {
      const t = s.tokens.find((x) => x.SecretID === token);
      return t ? reply(200, t) : reply(403, 'ACL not found');
    }
    if (token !== ${JSON.stringify(MANAGEMENT)}) return reply(403, 'Permission denied: token lacks acl:write');
    let m;
    if (req.method === 'PUT' && p === '/v1/agent/token/agent') {
      // the server the request reached (each server's own API; its certificate lists its DNS name)
      const host = req.headers.host.replace(/:\\d+$/, '');
      if ((s.down || []).includes(host)) return reply(503, 'the server is restarting');
      s.agentTokens = { ...(s.agentTokens || {}), [host]: JSON.parse(body).Token };
      save(s);
      return reply(200, '');
    }
    if (req.method === 'GET' && (m = /^\\/v1\\/acl\\/policy\\/name\\/(.+)$/.exec(p))) {
      const pol = s.policies.find((x) => x.Name === m[1]);
      return pol ? reply(200, pol) : reply(403, 'ACL not found');
    }
    if (req.method === 'PUT' && (m = /^\\/v1\\/acl\\/policy(?:\\/(.+))?$/.exec(p))) {
      const b = JSON.parse(body);
      if (!m[1] && s.policies.some((x) => x.Name === b.Name)) return reply(500, 'Invalid Policy: A Policy with Name ' + b.Name + ' already exists');
      const existing = m[1] && s.policies.find((x) => x.ID === m[1]);
      if (m[1] && !existing) return reply(400, 'Cannot find policy ' + m[1]);
      const pol = { ID: m[1] || crypto.randomUUID(), Name: b.Name, Description: b.Description, Rules: b.Rules };
      s.policies = s.policies.filter((x) => x.ID !== pol.ID).concat([pol]);
      save(s);
      return reply(200, pol);
    }
    if (req.method === 'PUT' && p === '/v1/acl/token') {
      const b = JSON.parse(body);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(b.SecretID || '')) return reply(400, 'Invalid Token: SecretID is not a UUID');
      if (s.tokens.some((x) => x.SecretID === b.SecretID)) return reply(500, 'Invalid Token: SecretID is already in use');
      const policies = [];
      for (const ref of b.Policies || []) {
        const pol = s.policies.find((x) => x.Name === ref.Name);
        if (!pol) return reply(400, 'No such ACL policy with name "' + ref.Name + '"');
        policies.push({ ID: pol.ID, Name: pol.Name });
      }
      const t = { AccessorID: crypto.randomUUID(), SecretID: b.SecretID, Description: b.Description || '' };
      if (policies.length) t.Policies = policies;
      if (b.ServiceIdentities) t.ServiceIdentities = b.ServiceIdentities;
      s.tokens.push(t);
      save(s);
      return reply(200, t);
    }
    if (req.method === 'GET' && p === '/v1/acl/tokens') return reply(200, s.tokens);
    if (req.method === 'DELETE' && (m = /^\\/v1\\/acl\\/token\\/(.+)$/.exec(p))) {
      const before = s.tokens.length;
      s.tokens = s.tokens.filter((x) => x.AccessorID !== m[1]);
      if (s.tokens.length === before) return reply(403, 'ACL not found');
      save(s);
      return reply(200, 'true');
    }
    reply(404, 'no such endpoint in the stand-in: ' + req.method + ' ' + p);
  });
}).listen(8501, '0.0.0.0');
`;
}

/** The bootstrap's Job, CronJob and Roles of the `mesh-ready` architecture of a program. */
function bootstrapOf(objects: K8sObject[]) {
  const jobs = find(objects, 'Job', undefined, CONSUL_NS).filter((j) => j.metadata.name.startsWith('registry-bootstrap-'));
  expect(jobs).toHaveLength(1);
  const cron = find(objects, 'CronJob', 'registry-bootstrap', CONSUL_NS);
  expect(cron).toHaveLength(1);
  const roles = find(objects, 'Role', 'registry-consul-bootstrap');
  return { job: jobs[0].spec.template, cron: cron[0].spec.jobTemplate.spec.template, roles };
}

test('the synthesized bootstrap Job and CronJob converge Consul\'s tokens and the consumers\' Secrets: first run, rerun, rotation, lost data, a removed service', async () => {
  requireProgram(['curl'], 'curl');
  requireProgram(['jq'], 'jq');
  const app = newTestApp();
  build(app);
  const objects = synthApp(app).objects;
  const first = bootstrapOf(objects);
  expect(first.roles.map((r) => r.metadata.namespace).sort()).toEqual([APP_NS, METRICS_NS]);
  // what Prometheus reads: the Secret the Job is to write, mounted where its scrape job looks
  const prometheus = find(objects, 'StatefulSet', 'observability-prometheus', METRICS_NS)[0];
  const mount = prometheus.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === METRICS_SECRET);
  expect(prometheus.spec.template.spec.volumes)
    .toContainEqual(expect.objectContaining({ name: METRICS_SECRET, secret: expect.objectContaining({ secretName: METRICS_SECRET }) }));
  const promConfig = find(objects, 'ConfigMap', 'observability-prometheus-config', METRICS_NS)[0].data['prometheus.yml'];
  expect(promConfig).toContain(`credentials_file: ${mount.mountPath}/token`);
  expect(promConfig).toContain(`ca_file: ${mount.mountPath}/ca.crt`);
  const script: string = first.job.spec.containers[0].args[0];
  const consulUrl = new URL(/^consul='([^']+)'$/m.exec(script)![1]);
  expect(consulUrl.port).toBe('8501');
  // each server's own API, where the agent token is handed over
  const servers = [0, 1, 2].map((i) => `registry-${i}.registry-headless.${CONSUL_NS}.svc.cluster.local`);
  expect(script).toContain(`for server in ${servers.map((h) => `'https://${h}:8501'`).join(' ')}; do`);

  lab = Lab.create([
    { name: 'registry-bootstrap', hostnames: [] },
    // one stand-in answers for the client Service and every server
    { name: 'registry-0', hostnames: [consulUrl.hostname, ...servers] },
    { name: 'kube-apiserver', hostnames: ['kubernetes.default.svc'] },
  ]);
  const work = lab.dir('stand-ins', 0, 0, 0o700);
  const consulTls = certificates(work, 'consul', consulUrl.hostname, ...servers);
  const kubeTls = certificates(work, 'kube', 'kubernetes.default.svc');
  const consulState = path.join(work, 'consul.json');
  const kubeState = path.join(work, 'kube.json');
  const requests = path.join(work, 'consul-requests.log');
  const operatorTokens: Token[] = [
    { AccessorID: 'a0000000-0000-4000-8000-00000000000a', SecretID: MANAGEMENT, Description: 'Bootstrap Token (Global Management)', Policies: [{ ID: '00000000-0000-0000-0000-000000000001', Name: 'global-management' }] },
    { AccessorID: 'a0000000-0000-4000-8000-00000000000b', SecretID: 'c0000000-0000-4000-8000-00000000000b', Description: 'deploy pipeline' },
    // a token of another registry's bootstrap: not this one's to delete
    { AccessorID: 'a0000000-0000-4000-8000-00000000000c', SecretID: 'c0000000-0000-4000-8000-00000000000c', Description: 'service billing (pay/billing-registry-consul) of other/registry', ServiceIdentities: [{ ServiceName: 'billing' }] },
  ];
  const writeConsul = (s: ConsulState) => fs.writeFileSync(consulState, JSON.stringify(s));
  const readConsul = (): ConsulState => JSON.parse(fs.readFileSync(consulState, 'utf8'));
  const readKube = (): KubeState => JSON.parse(fs.readFileSync(kubeState, 'utf8'));
  writeConsul({ policies: [], tokens: operatorTokens });
  fs.writeFileSync(kubeState, JSON.stringify({ secrets: {} }));

  const startStub = (pod: string, file: string, program: string) => running.push(startNodeServer(lab!, pod, file, program));
  startStub('registry-0', path.join(work, 'consul-stub.js'), consulStub(consulState, requests, consulTls.cert, consulTls.key));
  startStub('kube-apiserver', path.join(work, 'kube-stub.js'), kubeStub(kubeState, first.roles, kubeTls.cert, kubeTls.key, SA_TOKEN));
  for (const [pod, port] of [['registry-0', 8501], ['kube-apiserver', 443]] as const) {
    await waitFor(`the stand-in on ${pod}:${port}`,
      async () => (lab!.exec('registry-bootstrap', ['curl', '-sk', '-o', '/dev/null', `https://${lab!.pods.get(pod)!.address}:${port}/`]).status === 0 ? true : undefined), 20_000);
  }

  // The pod's volumes: the Secrets it mounts (the ACL Secret's two keys, the CA certificate of the
  // servers' TLS Secret), its emptyDir, and the service account token the kubelet mounts because
  // the pod sets automountServiceAccountToken.
  const runPod = (template: any, what: string, agentToken = AGENT) => {
    const spec = template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    const fsGroup = spec.securityContext.fsGroup;
    const container = spec.containers[0];
    const volumes: { [name: string]: string } = {};
    for (const v of spec.volumes) {
      if (v.secret?.secretName === 'consul-bootstrap-token') {
        volumes[v.name] = lab!.secretDir(`${what}-acl`, { 'token': `${MANAGEMENT}\n`, 'agent-token': agentToken }, v.secret.defaultMode, fsGroup);
      } else if (v.secret?.secretName === 'consul-server-tls') {
        expect(v.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
        volumes[v.name] = lab!.secretDir(`${what}-tls`, { 'ca.crt': fs.readFileSync(consulTls.ca, 'utf8') }, v.secret.defaultMode, fsGroup);
      } else if (v.emptyDir) {
        volumes[v.name] = lab!.dir(`${what}-${v.name}-${Date.now()}`, 0, fsGroup, 0o1777);
      } else {
        throw new Error(`volume ${JSON.stringify(v)} of the bootstrap has no stand-in`);
      }
    }
    volumes['kube-api-access'] = lab!.secretDir(`${what}-sa`, { 'token': SA_TOKEN, 'ca.crt': fs.readFileSync(kubeTls.ca, 'utf8'), 'namespace': CONSUL_NS }, 0o644, fsGroup);
    const withServiceAccount = {
      ...container,
      volumeMounts: [...container.volumeMounts, { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    };
    const r = lab!.runSync('registry-bootstrap', { container: withServiceAccount, podSpec: spec, volumes }, 120_000);
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${out}`);
    return out;
  };

  const serviceToken = (s: ConsulState, secretId: string) => s.tokens.find((t) => t.SecretID === secretId);
  const secretToken = (k: KubeState, name: string, ns = APP_NS) => Buffer.from(k.secrets[`${ns}/${name}`].data.token, 'base64').toString();

  // ---- 1. the Job: policy, agent token, a Secret and a service-identity token per consumer
  const out1 = runPod(first.job, 'job');
  expect(out1).toContain('consul-bootstrap: done');
  let consul = readConsul();
  let kube = readKube();
  expect(consul.policies.map((p) => p.Name)).toEqual(['registry-agent', 'registry-metrics']);
  expect(consul.policies[0].Rules).toContain('node_prefix "" { policy = "write" }');
  // the metrics reader: agent:read, which /v1/agent/metrics checks, and nothing else
  expect(consul.policies[1].Rules).toBe('agent_prefix "" { policy = "read" }\n');
  expect(serviceToken(consul, AGENT)).toMatchObject({ Description: 'agent token of consul/registry', Policies: [{ Name: 'registry-agent' }] });
  expect(Object.keys(kube.secrets).sort()).toEqual([`${APP_NS}/catalog-registry-consul`, `${APP_NS}/search-registry-consul`, `${METRICS_NS}/${METRICS_SECRET}`]);
  const metricsToken = secretToken(kube, METRICS_SECRET, METRICS_NS);
  expect(serviceToken(consul, metricsToken)).toMatchObject({
    Description: `metrics reader (${METRICS_NS}/${METRICS_SECRET}) of consul/registry`,
    Policies: [{ Name: 'registry-metrics' }],
  });
  expect(serviceToken(consul, metricsToken)!.ServiceIdentities).toBeUndefined();
  expect(Buffer.from(kube.secrets[`${METRICS_NS}/${METRICS_SECRET}`].data['ca.crt'], 'base64').toString()).toBe(fs.readFileSync(consulTls.ca, 'utf8'));
  for (const svc of ['catalog', 'search']) {
    const secret = kube.secrets[`${APP_NS}/${svc}-registry-consul`];
    expect(Buffer.from(secret.data['ca.crt'], 'base64').toString()).toBe(fs.readFileSync(consulTls.ca, 'utf8'));
    expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'cdk8s-architect', 'app.kubernetes.io/part-of': 'mesh-ready' });
    const token = secretToken(kube, `${svc}-registry-consul`);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(serviceToken(consul, token)).toMatchObject({
      Description: `service ${svc} (${APP_NS}/${svc}-registry-consul) of consul/registry`,
      ServiceIdentities: [{ ServiceName: svc }],
    });
  }
  // every server uses the agent token of the Secret
  expect(consul.agentTokens).toEqual(Object.fromEntries(servers.map((h) => [h, AGENT])));
  expect(out1).toContain('consul-bootstrap: server https://registry-2.registry-headless.consul.svc.cluster.local:8501 uses the agent token');
  // no token ever travelled in a URL
  const logged = fs.readFileSync(requests, 'utf8');
  for (const t of [MANAGEMENT, AGENT, secretToken(kube, 'catalog-registry-consul')]) expect(logged).not.toContain(t);

  // ---- 2. the CronJob's pod: nothing changes
  const before = JSON.stringify(readConsul());
  const kubeBefore = JSON.stringify(readKube());
  runPod(first.cron, 'cron-rerun');
  expect(JSON.stringify(readConsul())).toBe(before);
  expect(JSON.stringify(readKube())).toBe(kubeBefore);

  // ---- 2b. the agent token rotated in the ACL Secret: a new token, handed to every server, the old one
  // kept while a server does not answer (it would lose its token), deleted once all have the new one
  const agent2 = 'b1c0b6e2-3c55-4f5e-9b0e-4ad1c3b2a0a2';
  const oldAgentAccessor = serviceToken(readConsul(), AGENT)!.AccessorID;
  writeConsul({ ...readConsul(), down: [servers[1]] });
  const outRestarting = runPod(first.cron, 'cron-agent-rotation-restarting', agent2);
  expect(outRestarting).toContain(`server https://${servers[1]}:8501: HTTP 503 on the agent token handover`);
  expect(outRestarting).toContain('2 of 3 servers took the agent token: older agent tokens are kept until every server has it');
  expect(serviceToken(readConsul(), AGENT)).toBeDefined();
  expect(serviceToken(readConsul(), agent2)).toMatchObject({ Description: 'agent token of consul/registry', Policies: [{ Name: 'registry-agent' }] });
  writeConsul({ ...readConsul(), down: [] });
  const outRotated = runPod(first.cron, 'cron-agent-rotation', agent2);
  expect(outRotated).toContain(`old agent token (AccessorID ${oldAgentAccessor}) deleted: every server uses the new one`);
  expect(outRotated).not.toContain(AGENT);
  consul = readConsul();
  expect(serviceToken(consul, AGENT)).toBeUndefined();
  expect(consul.agentTokens).toEqual(Object.fromEntries(servers.map((h) => [h, agent2])));
  // back to the first agent token for the steps below (a rotation the other way)
  runPod(first.cron, 'cron-agent-back');
  expect(serviceToken(readConsul(), agent2)).toBeUndefined();
  consul = readConsul();

  // ---- 3. a rotation: catalog's Secret deleted; the next run writes a new token and deletes the old one
  const oldCatalog = secretToken(kube, 'catalog-registry-consul');
  const oldCatalogAccessor = serviceToken(consul, oldCatalog)!.AccessorID;
  const searchToken = serviceToken(consul, secretToken(kube, 'search-registry-consul'))!;
  delete kube.secrets[`${APP_NS}/catalog-registry-consul`];
  fs.writeFileSync(kubeState, JSON.stringify(kube));
  const out3 = runPod(first.cron, 'cron-rotation');
  consul = readConsul();
  kube = readKube();
  const newCatalog = secretToken(kube, 'catalog-registry-consul');
  expect(newCatalog).not.toBe(oldCatalog);
  expect(serviceToken(consul, newCatalog)).toMatchObject({ ServiceIdentities: [{ ServiceName: 'catalog' }] });
  expect(serviceToken(consul, oldCatalog)).toBeUndefined();
  // the log names the token by its description and AccessorID, never by its SecretID
  expect(out3).toContain(`token service catalog (${APP_NS}/catalog-registry-consul) of consul/registry (AccessorID ${oldCatalogAccessor}) deleted`);
  expect(out3).not.toContain(oldCatalog);
  expect(serviceToken(consul, searchToken.SecretID)).toEqual(searchToken);

  // ---- 4. the servers lost their data (a new cluster, the management token restored from its Secret)
  writeConsul({ policies: [], tokens: operatorTokens });
  runPod(first.cron, 'cron-lost-data');
  consul = readConsul();
  expect(serviceToken(consul, AGENT)).toMatchObject({ Policies: [{ Name: 'registry-agent' }] });
  expect(serviceToken(consul, newCatalog)).toMatchObject({ ServiceIdentities: [{ ServiceName: 'catalog' }] });
  expect(serviceToken(consul, searchToken.SecretID)).toMatchObject({ ServiceIdentities: [{ ServiceName: 'search' }] });
  const searchAccessor = serviceToken(consul, searchToken.SecretID)!.AccessorID;

  // ---- 5. the next version of the program drops `search`: its Job deletes search's token only
  const next = newTestApp();
  const meshReady = new arch.BackendArchitecture(next, 'mesh-ready', { profile: arch.Profile.PRODUCTION });
  new arch.ObservabilityStack(meshReady, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const registry = registryOf(app);
  new arch.Microservice(meshReady, 'catalog', { image: 'ghcr.io/acme/catalog:5.1.0', context: 'mesh-ready-catalog', team: 'catalog' })
    .uses(new arch.Registry(meshReady, 'registry', { namespace: CONSUL_NS, engine: registry }));
  const second = bootstrapOf(synthApp(next).objects);
  expect(second.job.spec.containers[0].args[0]).not.toContain('search');
  const out5 = runPod(second.job, 'job-without-search');
  consul = readConsul();
  expect(serviceToken(consul, searchToken.SecretID)).toBeUndefined();
  expect(out5).toContain(`token service search (${APP_NS}/search-registry-consul) of consul/registry (AccessorID ${searchAccessor}) deleted`);
  expect(serviceToken(consul, newCatalog)).toBeDefined();
  expect(serviceToken(consul, metricsToken)).toBeDefined();
  expect(serviceToken(consul, AGENT)).toBeDefined();
  // tokens this bootstrap did not create are left alone
  for (const t of operatorTokens) expect(serviceToken(consul, t.SecretID)).toEqual(t);
});

/** The `mesh-ready` registry engine of the example, as the example configures it (read back from its construct). */
function registryOf(app: App): arch.IRegistryEngine {
  const reg = app.node.findAll().find((c) => c instanceof arch.Registry && c.node.path === 'mesh-ready/registry') as arch.Registry | undefined;
  if (!reg) throw new Error('no mesh-ready/registry in the example');
  return reg.engine;
}
