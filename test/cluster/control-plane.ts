/**
 * A real Kubernetes control plane on loopback, for test/cluster: etcd (Debian's /usr/bin/etcd),
 * kube-apiserver, kube-controller-manager and kube-scheduler built by scripts/k8s/build.sh, and kwok
 * simulating the nodes (no containers run). Every process is started here and stopped by its PID.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The Kubernetes releases the cluster tests run against (scripts/k8s/build.sh builds them). */
export const K8S_VERSIONS = (process.env.K8S_VERSIONS ?? 'v1.28.15 v1.37.2').split(/[\s,]+/).filter(Boolean);

/** Zones of the simulated nodes, and nodes per zone. */
export const ZONES = ['zone-a', 'zone-b', 'zone-c'];
export const NODES_PER_ZONE = 3;

/** The simulated node names of a zone. */
export function nodeNames(zone: string): string[] {
  return Array.from({ length: NODES_PER_ZONE }, (_, i) => `kwok-${zone}-${i}`);
}

export function binDir(version: string): string {
  const cache = process.env.CDK8S_ARCHITECT_CACHE ?? path.join(os.homedir(), '.cache', 'cdk8s-architect');
  return path.join(cache, 'k8s', version, 'bin');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: any;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
}

const SETPRIV = '/usr/bin/setpriv';

// Processes still running when the test process exits are killed by PID (a failed beforeAll).
const running = new Set<number>();
function killRunning(): void {
  for (const pid of running) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killRunning);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { killRunning(); process.exit(130); });
}

export class ControlPlane {
  /** Starts etcd, the API server, the controller manager, the scheduler and kwok; resolves when the API server is ready. */
  public static async start(version: string): Promise<ControlPlane> {
    const bin = binDir(version);
    for (const b of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok', 'kwok-stages.yaml']) {
      if (!fs.existsSync(path.join(bin, b))) {
        throw new Error(`${path.join(bin, b)} is missing: run scripts/k8s/build.sh ${version}`);
      }
    }
    if (!fs.existsSync('/usr/bin/etcd')) throw new Error('/usr/bin/etcd is missing: apt-get install etcd-server');
    const cp = new ControlPlane(version, bin, fs.mkdtempSync(path.join(os.tmpdir(), `k8s-${version}-`)));
    try {
      await cp.boot();
    } catch (e) {
      const logs = cp.tails();
      await cp.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
    return cp;
  }

  public readonly kubeconfig: string;
  private readonly token = crypto.randomBytes(24).toString('hex');
  private readonly processes: Started[] = [];
  private apiPort = 0;

  private constructor(public readonly version: string, private readonly bin: string, public readonly dir: string) {
    this.kubeconfig = path.join(dir, 'kubeconfig');
  }

  private async boot(): Promise<void> {
    const d = this.dir;
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort()));
    this.apiPort = apiPort;
    // Service-account signing keys and the static token of the test's admin user.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(d, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(path.join(d, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(d, 'tokens.csv'), `${this.token},admin,admin,"system:masters"\n`);
    fs.writeFileSync(this.kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: test, cluster: {server: "https://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: admin, user: {token: "${this.token}"}}]`,
      'contexts: [{name: test, context: {cluster: test, user: admin}}]',
      'current-context: test', '',
    ].join('\n'));

    this.spawn('etcd', '/usr/bin/etcd', [
      '--name=default', `--data-dir=${path.join(d, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`, '--log-level=warn',
    ]);
    this.spawn('kube-apiserver', path.join(this.bin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(d, 'pki')}`, `--token-auth-file=${path.join(d, 'tokens.csv')}`,
      '--authorization-mode=RBAC', '--service-cluster-ip-range=10.96.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${path.join(d, 'sa.pub')}`, `--service-account-signing-key-file=${path.join(d, 'sa.key')}`,
      // PodSecurity is among the default admission plugins: it enforces and warns at the namespace labels.
      '--allow-privileged=true', '--profiling=false', '--event-ttl=10m',
      // The API server advertises itself on loopback: the endpoint reconciler of the "kubernetes"
      // Service refuses a loopback address since 1.3x ("may not be in the loopback range"), and
      // nothing here needs that Service's endpoints.
      '--endpoint-reconciler-type=none',
    ]);
    await this.waitFor('the API server to be ready', 120_000, async () => (await this.api('GET', '/readyz')).status === 200);
    const common = [`--kubeconfig=${this.kubeconfig}`, `--authentication-kubeconfig=${this.kubeconfig}`,
      `--authorization-kubeconfig=${this.kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1'];
    this.spawn('kube-controller-manager', path.join(this.bin, 'kube-controller-manager'), [
      ...common, `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${path.join(d, 'sa.key')}`,
      `--root-ca-file=${path.join(d, 'pki', 'apiserver.crt')}`,
      '--use-service-account-credentials=false', '--profiling=false',
      // HPAs report their conditions within seconds (the default sync is every 15 s).
      '--horizontal-pod-autoscaler-sync-period=3s',
    ]);
    this.spawn('kube-scheduler', path.join(this.bin, 'kube-scheduler'), [...common, `--secure-port=${schedPort}`, '--profiling=false']);
    this.spawn('kwok', path.join(this.bin, 'kwok'), [
      `--kubeconfig=${this.kubeconfig}`, `--config=${path.join(this.bin, 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.1/16', '--node-ip=127.0.0.1', `--server-address=127.0.0.1:${kwokPort}`,
      // Node leases keep the nodes Ready (without them the node lifecycle controller marks them
      // NotReady after 40 s, and their pods unready).
      '--node-lease-duration-seconds=40',
    ]);
    await this.waitFor('the default service account', 60_000, async () =>
      (await this.api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
    await this.createNodes();
  }

  private spawn(name: string, command: string, args: string[]): void {
    const log = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    // setpriv (util-linux) execs the command with the parent-death signal set: if the test process
    // dies without running its handlers (SIGKILL, a crash), the kernel kills its control plane too.
    const child = fs.existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], { stdio: ['ignore', fd, fd] })
      : spawn(command, args, { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    if (child.pid !== undefined) running.add(child.pid);
    child.on('exit', () => { if (child.pid !== undefined) running.delete(child.pid); });
    this.processes.push({ name, child, log });
  }

  /** The last lines of every log (for a failed start). */
  public tails(lines = 15): string {
    return this.processes.map((p) => {
      const text = fs.existsSync(p.log) ? fs.readFileSync(p.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
      return `--- ${p.name} (pid ${p.child.pid}, exit ${p.child.exitCode})\n${text}`;
    }).join('\n');
  }

  /** Stops every process by PID (SIGTERM, then SIGKILL after 10 s) and removes the temporary directory. */
  public async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) {
      const pid = p.child.pid;
      if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
      try { process.kill(pid, 'SIGTERM'); } catch { continue; }
      const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A request to the API server as the admin user. */
  public api(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return new Promise((resolve) => {
      const req = https.request({
        host: '127.0.0.1',
        port: this.apiPort,
        path: urlPath,
        method,
        rejectUnauthorized: false,
        timeout: 30_000,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try { parsed = JSON.parse(text); } catch { /* plain text */ }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve({ status: 0, body: e.message }));
      if (data) req.write(data);
      req.end();
    });
  }

  /** Runs this version's kubectl against the control plane. */
  public kubectl(args: string[], timeoutMs = 180_000): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile(path.join(this.bin, 'kubectl'), [`--kubeconfig=${this.kubeconfig}`, ...args],
        { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
    });
  }

  /** Polls until the check passes; throws with the description after the timeout. */
  public async waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      const exited = this.processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (exited) throw new Error(`${exited.name} exited (${exited.child.exitCode ?? exited.child.signalCode}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(intervalMs);
    }
  }


  /** Creates the kwok nodes of the given zones (all by default) and waits until they are Ready. */
  public async createNodes(zones: string[] = ZONES): Promise<void> {
    const names: string[] = [];
    for (const zone of zones) {
      for (const name of nodeNames(zone)) {
        names.push(name);
        const resources = { 'cpu': '32', 'memory': '128Gi', 'pods': '110', 'ephemeral-storage': '200Gi' };
        const r = await this.api('POST', '/api/v1/nodes', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
            labels: {
              'type': 'kwok',
              'kubernetes.io/hostname': name,
              'kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
              'topology.kubernetes.io/zone': zone,
              'topology.kubernetes.io/region': 'test',
            },
          },
          status: { allocatable: resources, capacity: resources },
        });
        if (r.status !== 201 && r.status !== 409) throw new Error(`creating node ${name}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    await this.waitFor(`nodes ${names.join(', ')} to be Ready`, 60_000, async () => {
      const r = await this.api('GET', '/api/v1/nodes');
      const ready = new Set((r.body.items ?? []).filter((n: any) =>
        (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')).map((n: any) => n.metadata.name));
      return names.every((n) => ready.has(n));
    });
  }

  /** Deletes the nodes of one zone. */
  public async deleteZone(zone: string): Promise<void> {
    for (const name of nodeNames(zone)) await this.api('DELETE', `/api/v1/nodes/${name}`);
  }

  /**
   * A tiny volume provisioner: every pending PersistentVolumeClaim gets a PersistentVolume bound to
   * it (claimRef), of its class, size, access modes and volume mode. Returns a function that stops it.
   */
  public startProvisioner(): () => Promise<void> {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const claims = await this.api('GET', '/api/v1/persistentvolumeclaims');
        for (const pvc of claims.body?.items ?? []) {
          if (pvc.status?.phase !== 'Pending' || pvc.spec.volumeName) continue;
          const name = `pv-${crypto.createHash('sha256').update(pvc.metadata.uid).digest('hex').slice(0, 16)}`;
          await this.api('POST', '/api/v1/persistentvolumes', {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name, labels: { 'cluster-test/claim-namespace': pvc.metadata.namespace } },
            spec: {
              capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
              accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
              volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
              storageClassName: pvc.spec.storageClassName ?? '',
              persistentVolumeReclaimPolicy: 'Retain',
              claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
              hostPath: { path: `/tmp/${name}` },
            },
          });
        }
        await sleep(1500);
      }
    })();
    return async () => { stopped = true; await loop; };
  }
}
