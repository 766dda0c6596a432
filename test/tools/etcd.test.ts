import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lab } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import * as arch from '../../src';
import { find, newTestApp, one, synthApp } from '../harness/synth';

/**
 * The production etcd registry as a cluster would run it, with the real etcd (Debian etcd-server
 * 3.4; the pods run 3.5): three members, each in its own network namespace with its pod's DNS name,
 * started from the StatefulSet's own command, args (with `$(POD_NAME)` expanded), env, volumes at
 * their container paths (the data volume and the server certificate Secret with its mode), user,
 * groups and read-only root (test/tools/lab.ts). TLS with client certificates is the production
 * default: certificates are made with openssl for exactly the names the manifests use.
 *
 * Verified as an operator would, from the consumer's pod (its own manifest's env, mounted client
 * certificate and user): a put on one member is read on another, under TLS; a client without a
 * certificate is refused; the leader killed with SIGKILL is replaced and the cluster keeps serving;
 * the killed member, restarted on its data, rejoins; and the defragmentation CronJob's own
 * command defragments every member. Not verified here: the HTTP probes (`/livez`, `/readyz` exist
 * from etcd 3.5.12; Debian's 3.4 has only `/health`, which is checked instead).
 */
jest.setTimeout(180_000);

const MEMBERS = 3;
let lab: Lab | undefined;
let certs: string | undefined;

afterAll(async () => {
  await lab?.destroy();
  if (certs) fs.rmSync(certs, { recursive: true, force: true });
});

/** A CA, a server certificate for `dnsNames` (server and client auth) and a client certificate, with openssl. */
interface KeyPair { crt: string; key: string }
function makeCertificates(dir: string, dnsNames: string[], clientName: string): { ca: string; server: KeyPair; client: KeyPair } {
  const openssl = requireProgram(['openssl'], 'openssl');
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca']);
  const issue = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`]);
    return { crt: fs.readFileSync(path.join(dir, `${name}.crt`), 'utf8'), key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8') };
  };
  const server = issue('server', 'etcd', `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  const client = issue('client', clientName, 'extendedKeyUsage=clientAuth\n');
  return { ca: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), server, client };
}

test('the production etcd cluster runs under TLS from its manifests, survives the loss of its leader and defragments', async () => {
  const etcd = requireProgram(['/usr/bin/etcd'], 'etcd-server');
  const etcdctl = requireProgram(['/usr/bin/etcdctl'], 'etcd-client');

  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const registry = new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd({ members: MEMBERS }) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', context: 'ordering' }).uses(registry);
  const out = synthApp(app);
  const sts = one(out.objects, 'StatefulSet', 'registry', 'registry');
  const podSpec = sts.spec.template.spec;
  const container = podSpec.containers[0];
  const orders = one(out.objects, 'Deployment', 'orders', 'ordering').spec.template.spec;
  const cron = one(out.objects, 'CronJob', 'registry-defrag', 'registry').spec.jobTemplate.spec.template.spec;
  expect(container.command).toEqual(['/usr/local/bin/etcd']);
  expect(podSpec.securityContext).toMatchObject({ runAsUser: 1001, runAsNonRoot: true, fsGroup: 1001 });
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);

  const member = (i: number) => `registry-${i}.registry-headless.registry.svc.cluster.local`;
  certs = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-certs-'));
  const tls = makeCertificates(certs, [...Array.from({ length: MEMBERS }, (_, i) => member(i)), 'registry.registry.svc.cluster.local'], 'orders');

  lab = Lab.create([
    ...Array.from({ length: MEMBERS }, (_, i) => ({ name: `registry-${i}`, hostnames: [member(i)] })),
    { name: 'orders-7d9f-x2x4q', hostnames: [] },
    { name: 'registry-defrag-29012345-abcde', hostnames: [] },
  ]);
  const fsGroup = podSpec.securityContext.fsGroup;
  const secretVolume = (spec: any, volumeName: string, data: { [key: string]: string }) => {
    const v = spec.volumes.find((x: any) => x.name === volumeName);
    return lab!.secretDir(`${v.secret.secretName}-${volumeName}`, data, v.secret.defaultMode, spec.securityContext.fsGroup);
  };
  // the server Secret (cert-manager layout) under the name the StatefulSet mounts
  const tlsVolume = podSpec.volumes.find((v: any) => v.name === 'tls');
  expect(tlsVolume.secret.secretName).toBe('registry-server-tls');
  const serverSecret = { 'tls.crt': tls.server.crt, 'tls.key': tls.server.key, 'ca.crt': tls.ca };
  const dataDirs = Array.from({ length: MEMBERS }, (_, i) => lab!.dir(`data-${i}`, fsGroup, fsGroup));
  const members: Running[] = [];
  const startMember = (i: number) => {
    members[i] = lab!.run(`registry-${i}`, {
      container,
      podSpec,
      volumes: { data: dataDirs[i], tls: secretVolume(podSpec, 'tls', serverSecret) },
      programs: { '/usr/local/bin/etcd': etcd },
    });
  };
  for (let i = 0; i < MEMBERS; i++) startMember(i);
  const logs = () => members.map((r, i) => `--- member ${i}\n${r?.output().slice(-3000)}`).join('\n');

  // the consumer: its own container's env, mounted client certificate and user, running etcdctl
  const ordersContainer = orders.containers[0];
  const clientVolume = orders.volumes.find((v: any) => v.secret?.secretName === 'orders-registry-client-tls');
  const client = (args: string[], withCertificate = true) => lab!.runSync('orders-7d9f-x2x4q', {
    container: { ...ordersContainer, command: ['/usr/local/bin/etcdctl'] },
    podSpec: orders,
    args: [
      '--cacert=$(ETCD_CA_CERT_FILE)',
      ...(withCertificate ? ['--cert=$(ETCD_CLIENT_CERT_FILE)', '--key=$(ETCD_CLIENT_KEY_FILE)'] : []),
      '--dial-timeout=5s', '--command-timeout=20s', ...args,
    ],
    volumes: {
      [clientVolume.name]: secretVolume(orders, clientVolume.name, { 'tls.crt': tls.client.crt, 'tls.key': tls.client.key, 'ca.crt': tls.ca }),
      ...Object.fromEntries(orders.volumes.filter((v: any) => v.emptyDir).map((v: any) => [v.name, lab!.dir(`orders-${v.name}`, 65532, 65532, 0o777)])),
    },
    programs: { '/usr/local/bin/etcdctl': etcdctl },
    secretEnv: {},
  });
  const ok = (r: ReturnType<typeof client>) => {
    if (r.status !== 0) throw new Error(`etcdctl failed (${r.status}): ${r.stdout}${r.stderr}\n${logs()}`);
    return `${r.stdout}${r.stderr}`;
  };
  const endpoints: string = ordersContainer.env.find((e: any) => e.name === 'ETCD_ENDPOINTS').value;
  expect(endpoints).toBe(Array.from({ length: MEMBERS }, (_, i) => `https://${member(i)}:2379`).join(','));

  await waitFor('three healthy members', async () => {
    const r = client([`--endpoints=${endpoints}`, 'endpoint', 'health']);
    if (r.status !== 0) throw new Error(`etcdctl: ${r.status} ${r.error ?? ''} ${r.stdout}${r.stderr}`);
    return (`${r.stdout}${r.stderr}`.match(/is healthy/g) ?? []).length === MEMBERS ? true : undefined;
  }, 90_000, logs);
  // the plain-HTTP health endpoint (the metrics listener) answers inside each member's network
  for (let i = 0; i < MEMBERS; i++) {
    const h = lab.exec(`registry-${i}`, ['curl', '-sf', 'http://127.0.0.1:8080/health']);
    expect(JSON.parse(h.stdout)).toMatchObject({ health: 'true' });
  }

  // a write on one member is read on another, under TLS with the consumer's certificate
  ok(client([`--endpoints=https://${member(0)}:2379`, 'put', '/services/orders/10.0.0.7', '{"port":8080}']));
  expect(ok(client([`--endpoints=https://${member(2)}:2379`, 'get', '--print-value-only', '/services/orders/10.0.0.7'])).trim()).toBe('{"port":8080}');
  // without a client certificate the members refuse the connection
  const anonymous = client([`--endpoints=https://${member(1)}:2379`, 'get', 'x'], false);
  expect(anonymous.status).not.toBe(0);
  expect(`${anonymous.stdout}${anonymous.stderr}`).toMatch(/bad certificate|certificate required|handshake|deadline exceeded/i);

  // the leader dies (SIGKILL); the others elect a new leader and keep serving
  const status = () => JSON.parse(ok(client([`--endpoints=${endpoints}`, 'endpoint', 'status', '-w', 'json']))) as Array<{ Endpoint: string; Status: { header: { member_id: number }; leader: number } }>;
  const leaderIndex = () => {
    const s = status();
    const leader = s.find((x) => x.Status.header.member_id === x.Status.leader);
    return leader ? Array.from({ length: MEMBERS }, (_, i) => member(i)).findIndex((h) => leader.Endpoint.includes(h)) : -1;
  };
  const leader = leaderIndex();
  expect(leader).toBeGreaterThanOrEqual(0);
  members[leader].process.kill('SIGKILL');
  await new Promise((r) => members[leader].process.once('exit', r));
  const survivors = Array.from({ length: MEMBERS }, (_, i) => i).filter((i) => i !== leader);
  const survivorEndpoints = survivors.map((i) => `https://${member(i)}:2379`).join(',');
  await waitFor('a new leader among the survivors', async () => {
    const r = client([`--endpoints=${survivorEndpoints}`, 'put', '/after-crash', 'yes']);
    return r.status === 0 ? true : undefined;
  }, 60_000, logs);
  expect(ok(client([`--endpoints=https://${member(survivors[1])}:2379`, 'get', '--print-value-only', '/services/orders/10.0.0.7'])).trim()).toBe('{"port":8080}');

  // the kubelet restarts the killed member on its data: it rejoins and catches up
  startMember(leader);
  await waitFor('the restarted member to catch up', async () => {
    const r = client([`--endpoints=https://${member(leader)}:2379`, 'get', '--print-value-only', '/after-crash']);
    return r.status === 0 && r.stdout.trim() === 'yes' ? true : undefined;
  }, 90_000, logs);
  expect((ok(client([`--endpoints=${endpoints}`, 'endpoint', 'health'])).match(/is healthy/g) ?? [])).toHaveLength(MEMBERS);
  expect(ok(client([`--endpoints=${endpoints}`, 'member', 'list'])).trim().split('\n').map((l) => l.split(', ')[2]).sort())
    .toEqual(['registry-0', 'registry-1', 'registry-2']);

  // the defragmentation CronJob's own command, in its own pod, with its mounted certificate
  const defrag = lab.runSync('registry-defrag-29012345-abcde', {
    container: cron.containers[0],
    podSpec: cron,
    volumes: { tls: secretVolume(cron, 'tls', serverSecret) },
    programs: { '/usr/local/bin/etcdctl': etcdctl },
  }, 120_000);
  expect({ status: defrag.status, out: `${defrag.stdout}${defrag.stderr}`.match(/Finished defragmenting etcd member/g)?.length })
    .toEqual({ status: 0, out: MEMBERS });
  expect(find(out.objects, 'CronJob')).toHaveLength(1);
});
