import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { certificates, KubeState, kubeStub, startNodeServer } from './kube-stub';
import { Lab, PodVolumes } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import { build } from '../../examples/messaging';
import { find, K8sObject, newTestApp, synthApp } from '../harness/synth';

/**
 * Pulsar token authentication of the `tenants` architecture of examples/messaging.ts (brokers,
 * proxies, three services), run as a cluster would run it:
 * - the provisioning pod's `tokens` init container (its own command, args and volumes at their
 *   container paths, user 10000 with fsGroup 10000, the read-only root, the key Secret as the
 *   kubelet writes it with the volume's defaultMode, the service account token the kubelet mounts
 *   because the pod asks for it) against a stand-in Kubernetes API (test/tools/kube-stub.ts) that
 *   allows exactly what the synthesized Roles allow;
 * - the signing lines of the brokers' and proxies' start scripts, cut from the synthesized scripts
 *   and run with those containers' volumes;
 * - every token so written checked by Pulsar's own AuthenticationProviderToken (pulsar-broker-common
 *   4.0.8 from Maven Central, test/tools/pulsar/pom.xml), initialized with the brokers'
 *   `PULSAR_PREFIX_tokenSecretKey` and run in the broker's pod with the broker's key volume.
 * The image's python3 is the host's (Debian's 3.11; the image's Alpine 3.12 runs the same
 * standard-library code). Pulsar itself cannot run here (no package, no registry), so what the
 * brokers do with a role (pulsar-admin's grants, the authorization of produce and consume) is
 * checked by reading Pulsar's source, not here.
 *
 * Verified: the first run writes each service's Secret with a token Pulsar accepts for exactly
 * the service's role, and the admin token for pulsar-admin (a file only the process can read);
 * the tokens are byte-identical to `bin/pulsar tokens create`'s; the brokers and proxies sign
 * tokens Pulsar accepts as `broker` and `proxy`; a rerun (the CronJob's pod) writes nothing; a new
 * key re-signs every Secret and Pulsar refuses the old tokens; a key shorter than 32 bytes stops
 * the pod with the fix and changes nothing.
 */
jest.setTimeout(600_000);

const SA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.pulsar-provision-sa.sig';
const APP_NS = 'tenants-app';
const SERVICES = ['audit', 'billing', 'publisher'];

let lab: Lab | undefined;
const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await lab?.destroy();
});

/** The class path of test/tools/pulsar/pom.xml, copied where the pods' user (10000) can read it. */
function providerClasspath(dir: string): string[] {
  const mvn = requireProgram(['mvn', '/usr/bin/mvn'], 'maven');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pulsar-cp-')), 'classpath');
  execFileSync(mvn, ['-q', '-f', path.join(__dirname, 'pulsar', 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${out}`],
    { stdio: 'inherit', timeout: 480_000 });
  const jars = fs.readFileSync(out, 'utf8').trim().split(':');
  expect(jars.some((j) => j.includes('pulsar-broker-common-4.0.8.jar'))).toBe(true);
  fs.copyFileSync(path.join(__dirname, 'PulsarTokenCheck.java'), path.join(dir, 'PulsarTokenCheck.java'));
  return jars.map((j) => {
    const copy = path.join(dir, path.basename(j));
    fs.copyFileSync(j, copy);
    fs.chmodSync(copy, 0o644);
    return copy;
  });
}

test('the synthesized pods sign expiring tokens Pulsar accepts for exactly their roles, converge, renew a token due, re-sign with a new key and refuse a weak one', async () => {
  const python = requireProgram(['/usr/bin/python3'], 'python3');
  const java = requireProgram(['/usr/bin/java', 'java'], 'default-jre-headless');
  requireProgram(['curl'], 'curl');
  const app = newTestApp();
  build(app);
  const objects = synthApp(app).objects;
  const ofTenants = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'tenants';
  const jobs = find(objects, 'Job').filter((j) => ofTenants(j) && j.metadata.name.startsWith('pulsar-provision-'));
  expect(jobs).toHaveLength(1);
  const pulsarNs: string = jobs[0].metadata.namespace!;
  const job = jobs[0].spec.template;
  const cron = find(objects, 'CronJob', 'pulsar-provision', pulsarNs)[0].spec.jobTemplate.spec.template;
  const roles = find(objects, 'Role', 'pulsar-pulsar-tokens').filter(ofTenants);
  expect(roles.map((r) => r.metadata.namespace)).toEqual([APP_NS]);
  const broker = find(objects, 'StatefulSet', 'pulsar-broker', pulsarNs)[0].spec.template;
  const proxy = find(objects, 'Deployment', 'pulsar-proxy', pulsarNs)[0].spec.template;
  const keySetting: string = broker.spec.containers[0].env.find((e: any) => e.name === 'PULSAR_PREFIX_tokenSecretKey').value;
  expect(keySetting).toBe('file:///pulsar/token-key/secret.key');
  const keySecret: string = broker.spec.volumes.find((v: any) => v.name === 'token-key').secret.secretName;
  // what each service mounts is what the Job writes
  for (const svc of SERVICES) {
    const d = find(objects, 'Deployment', svc, APP_NS)[0].spec.template;
    expect(d.spec.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: `${svc}-pulsar-pulsar` }) }));
    expect(d.spec.containers[0].env).toContainEqual({ name: 'PULSAR_ROLE', value: `${APP_NS}.${svc}` });
  }

  lab = Lab.create([
    { name: 'pulsar-provision', hostnames: [] },
    { name: 'pulsar-broker-0', hostnames: [] },
    { name: 'pulsar-proxy', hostnames: [] },
    { name: 'kube-apiserver', hostnames: ['kubernetes.default.svc'] },
  ]);
  const work = lab.dir('stand-ins', 0, 0, 0o700);
  const kubeTls = certificates(work, 'kube', 'kubernetes.default.svc');
  const kubeState = path.join(work, 'kube.json');
  const readKube = (): KubeState => JSON.parse(fs.readFileSync(kubeState, 'utf8'));
  fs.writeFileSync(kubeState, JSON.stringify({ secrets: {} }));
  running.push(startNodeServer(lab, 'kube-apiserver', path.join(work, 'kube-stub.js'), kubeStub(kubeState, roles, kubeTls.cert, kubeTls.key, SA_TOKEN)));
  await waitFor('the Kubernetes API stand-in', async () => (lab!.exec('pulsar-provision',
    ['curl', '-sk', '-o', '/dev/null', `https://${lab!.pods.get('kube-apiserver')!.address}:443/`]).status === 0 ? true : undefined), 20_000);
  const jars = lab.dir('provider-jars', 0, 0, 0o755);
  const classpath = providerClasspath(jars);

  /** Host directories for a pod's volumes: the key Secret (as the kubelet writes it) and emptyDirs. */
  const podVolumes = (template: any, what: string, key: string): PodVolumes => {
    const spec = template.spec;
    const fsGroup = spec.securityContext.fsGroup;
    const volumes: { [name: string]: string } = {};
    for (const v of spec.volumes) {
      if (v.secret?.secretName === keySecret) {
        expect(v.secret.items).toEqual([{ key: 'secret.key', path: 'secret.key' }]);
        volumes[v.name] = lab!.secretDir(`${what}-${v.name}`, { 'secret.key': key }, v.secret.defaultMode, fsGroup);
      } else if (v.emptyDir) {
        volumes[v.name] = lab!.dir(`${what}-${v.name}`, 0, fsGroup, 0o1777);
      } else {
        throw new Error(`volume ${JSON.stringify(v)} has no stand-in`);
      }
    }
    return volumes;
  };

  /** Runs the provisioning pod's `tokens` init container; returns its output and the host directory of its `tokens` volume. */
  const runTokens = (template: any, what: string, key: string): { status: number | null; out: string; tokens: string } => {
    const spec = template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    const container = spec.initContainers.find((c: any) => c.name === 'tokens');
    const volumes = { ...podVolumes(template, what, key) };
    volumes['kube-api-access'] = lab!.secretDir(`${what}-sa`, { 'token': SA_TOKEN, 'ca.crt': fs.readFileSync(kubeTls.ca, 'utf8'), 'namespace': pulsarNs },
      0o644, spec.securityContext.fsGroup);
    const withServiceAccount = {
      ...container,
      volumeMounts: [...container.volumeMounts, { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    };
    const r = lab!.runSync('pulsar-provision', { container: withServiceAccount, podSpec: spec, volumes, programs: { '/usr/bin/python3': python } }, 120_000);
    return { status: r.status, out: `${r.stdout}${r.stderr}`, tokens: volumes.tokens };
  };

  /** Pulsar's AuthenticationProviderToken, in the broker's pod with the broker's key volume and the brokers' tokenSecretKey. */
  const pulsarCheck = (key: string, tokens: string[]): string[] => {
    const container = broker.spec.containers[0];
    const volumes = podVolumes(broker, `check-${Date.now()}`, key);
    const check = {
      name: 'token-check',
      command: [java, '-cp', classpath.join(':'), path.join(jars, 'PulsarTokenCheck.java'), keySetting, ...tokens],
      securityContext: container.securityContext,
      volumeMounts: container.volumeMounts.filter((m: any) => ['token-key', 'tmp'].includes(m.name)),
    };
    const r = lab!.runSync('pulsar-broker-0', { container: check, podSpec: broker.spec, volumes }, 120_000);
    if (r.status !== 0) throw new Error(`the token check failed (${r.status}):\n${r.stdout}${r.stderr}`);
    return r.stdout.trim().split('\n').filter((l) => /^(role|refused|token) /.test(l));
  };

  /** Runs a server's own signing line (from its synthesized start script) with its volumes; returns the token it wrote. */
  const serverToken = (template: any, pod: string, role: string, key: string): string => {
    const container = template.spec.containers[0];
    const script: string = container.command[2];
    const m = /^\(umask 077 && python3 -c '[^']*' '[a-z]+' > \/pulsar\/tokens\/[a-z]+\)$/m.exec(script);
    expect(m).not.toBeNull();
    const volumes = podVolumes(template, `${pod}-${Date.now()}`, key);
    const r = lab!.runSync(pod, { container: { ...container, command: ['sh', '-c', m![0]] }, podSpec: template.spec, volumes, programs: { '/usr/bin/python3': python } });
    if (r.status !== 0) throw new Error(`${pod}'s signing line exited with ${r.status}:\n${r.stdout}${r.stderr}`);
    const file = path.join(volumes.tokens, role);
    expect((fs.statSync(file).mode % 0o1000).toString(8)).toBe('600');
    expect(fs.statSync(file).uid).toBe(template.spec.securityContext.runAsUser);
    // the setting the server's client reads
    expect(container.env).toContainEqual({ name: 'PULSAR_PREFIX_brokerClientAuthenticationParameters', value: `file:///pulsar/tokens/${role}` });
    return fs.readFileSync(file, 'utf8').trim();
  };

  const secretToken = (k: KubeState, svc: string) => Buffer.from(k.secrets[`${APP_NS}/${svc}-pulsar-pulsar`].data.token, 'base64').toString();
  /** The `exp` claim of a token (seconds since the epoch). */
  const expiry = (token: string): number => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
  const lifetime = 7 * 24 * 3600;
  const key1 = randomBytes(16).toString('hex'); // 32 bytes in the file

  // ---- 1. the Job's pod: the admin token, and one Secret per service
  const first = runTokens(job, 'job', key1);
  if (first.status !== 0) throw new Error(`the tokens init container exited with ${first.status}:\n${first.out}`);
  expect(first.out).toContain('pulsar-tokens: done');
  let kube = readKube();
  expect(Object.keys(kube.secrets).sort()).toEqual(SERVICES.map((s) => `${APP_NS}/${s}-pulsar-pulsar`));
  for (const svc of SERVICES) {
    expect(kube.secrets[`${APP_NS}/${svc}-pulsar-pulsar`].metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk8s-architect', 'app.kubernetes.io/part-of': 'tenants' });
  }
  const adminFile = path.join(first.tokens, 'admin');
  expect((fs.statSync(adminFile).mode % 0o1000).toString(8)).toBe('600');
  expect(fs.statSync(adminFile).uid).toBe(10000);
  const admin = fs.readFileSync(adminFile, 'utf8');
  // the file pulsar-admin is pointed at
  expect(job.spec.containers[0].args[0]).toContain('--auth-params file:///pulsar/tokens/admin');

  // ---- 2. Pulsar accepts each token for exactly its role; they are the tokens `pulsar tokens create` makes
  const brokerToken = serverToken(broker, 'pulsar-broker-0', 'broker', key1);
  const proxyToken = serverToken(proxy, 'pulsar-proxy', 'proxy', key1);
  const tokens = [admin, brokerToken, proxyToken, ...SERVICES.map((s) => secretToken(kube, s))];
  const billingExp = expiry(secretToken(kube, 'billing'));
  const checked = pulsarCheck(key1, [...tokens, 'create:admin', `create:${APP_NS}.billing:${billingExp}`]);
  expect(checked).toEqual([
    'role admin', 'role broker', 'role proxy', ...SERVICES.map((s) => `role ${APP_NS}.${s}`),
    `token ${admin}`, `token ${secretToken(kube, 'billing')}`,
  ]);
  // the services' tokens expire after the default lifetime (7 days); the servers' own do not
  const signedAt = Math.floor(Date.now() / 1000);
  for (const svc of SERVICES) expect(Math.abs(expiry(secretToken(kube, svc)) - (signedAt + lifetime))).toBeLessThan(600);
  for (const t of [admin, brokerToken, proxyToken]) expect(expiry(t)).toBeUndefined();
  // Pulsar refuses a token past its expiry (so the lifetime bounds a removed service's access)
  const [expired] = pulsarCheck(key1, [`create:${APP_NS}.billing:${signedAt - 60}`]);
  expect(pulsarCheck(key1, [expired.replace(/^token /, '')])).toEqual([expect.stringMatching(/^refused .*[Ee]xpired/)]);

  // ---- 3. the CronJob's pod: nothing is written again
  const before = fs.readFileSync(kubeState, 'utf8');
  const rerun = runTokens(cron, 'cron-rerun', key1);
  expect(rerun.status).toBe(0);
  expect(fs.readFileSync(kubeState, 'utf8')).toBe(before);
  expect(rerun.out).toMatch(new RegExp(`pulsar-tokens: Secret ${APP_NS}/billing-pulsar-pulsar holds a token of ${APP_NS}\\.billing valid for 16[78] more hours`));

  // ---- 3b. a token past half its lifetime (here: valid one more hour) is re-signed; the others are left alone
  const [due] = pulsarCheck(key1, [`create:${APP_NS}.billing:${signedAt + 3600}`]);
  const state = readKube();
  state.secrets[`${APP_NS}/billing-pulsar-pulsar`].data.token = Buffer.from(due.replace(/^token /, '')).toString('base64');
  fs.writeFileSync(kubeState, JSON.stringify(state));
  const renew = runTokens(cron, 'cron-renew', key1);
  expect(renew.status).toBe(0);
  expect(renew.out).toContain(`pulsar-tokens: Secret ${APP_NS}/billing-pulsar-pulsar written with the token of ${APP_NS}.billing`);
  kube = readKube();
  expect(expiry(secretToken(kube, 'billing'))).toBeGreaterThan(signedAt + lifetime - 600);
  expect(pulsarCheck(key1, [secretToken(kube, 'billing')])).toEqual([`role ${APP_NS}.billing`]);
  for (const svc of SERVICES.filter((x) => x !== 'billing')) expect(secretToken(kube, svc)).toBe(tokens[3 + SERVICES.indexOf(svc)]);

  // ---- 4. a new key: every Secret re-signed, the old tokens refused
  const key2 = randomBytes(24).toString('base64'); // 32 characters of base64 text, the raw bytes of the file
  const rotated = runTokens(cron, 'cron-new-key', key2);
  expect(rotated.status).toBe(0);
  kube = readKube();
  const after = pulsarCheck(key2, [...SERVICES.map((s) => secretToken(kube, s)), ...tokens.slice(3)]);
  expect(after.slice(0, 3)).toEqual(SERVICES.map((s) => `role ${APP_NS}.${s}`));
  for (const line of after.slice(3)) expect(line).toMatch(/^refused /);

  // ---- 5. a key too short for HS256: the pod stops with the fix, nothing is written
  const snapshot = fs.readFileSync(kubeState, 'utf8');
  const weak = runTokens(cron, 'cron-weak-key', 'only-sixteen-byt');
  expect(weak.status).not.toBe(0);
  expect(weak.out).toContain('the key in /pulsar/token-key/secret.key has 16 bytes; HS256 needs at least 32 random bytes (openssl rand 32 > secret.key)');
  expect(fs.readFileSync(kubeState, 'utf8')).toBe(snapshot);
});
