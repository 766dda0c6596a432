import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, requireProgram, Running, start, tcpExchange, waitFor } from './tooling';
import * as arch from '../../src';
import { renderZooCfg } from '../../src/registry/zookeeper';
import { newTestApp, one, synthApp } from '../harness/synth';

/**
 * The zoo.cfg the library generates, run by the real ZooKeeper (Debian zookeeper) as a 3-member
 * ensemble on loopback. Only addresses, ports and directories are rewritten: each member's
 * Kubernetes DNS name and ports become 127.0.0.1 and free ports, the data directories temporary
 * ones, listeners are bound to 127.0.0.1 (quorumListenOnAllIPs off, admin.serverAddress), and the
 * Prometheus provider lines are dropped because Debian's build does not ship that module. The
 * members must elect one leader; a lone member must answer the liveness word (ruok) but fail the
 * readiness check (srvr), with the probes' own patterns; and no member may write next to zoo.cfg
 * (it is a read-only ConfigMap file in the pod).
 */
jest.setTimeout(90_000);

const MEMBERS = 3;
const running: Running[] = [];
let tmp: string | undefined;

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The pattern an exec probe greps for (`... | grep -qE '<pattern>'`). */
function probePattern(probe: any): RegExp {
  const m = /grep -qE '([^']+)'$/.exec(probe.exec.command[2]);
  if (!m) throw new Error(`unexpected probe ${JSON.stringify(probe)}`);
  return new RegExp(m[1], 'm');
}

test('the generated zoo.cfg forms a 3-member ensemble that the probes read correctly', async () => {
  const java = requireProgram(['java', '/usr/bin/java'], 'zookeeper');
  // what Debian's zkServer.sh puts on the class path, plus a logger and the servlet API for the AdminServer
  const classPath = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar', '/usr/share/java/servlet-api.jar']
    .map((jar) => requireProgram([jar], 'zookeeper')).join(':');

  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const registry = new arch.Registry(shop, 'zookeeper', { engine: arch.RegistryEngine.zookeeper({ members: MEMBERS }) });
  const out = synthApp(app);
  const host = (i: number) => `zookeeper-${i}.zookeeper-headless.zookeeper.svc.cluster.local`;
  const generated: string = one(out.objects, 'ConfigMap', 'zookeeper-config', 'zookeeper').data['zoo.cfg'];
  expect(generated).toBe(renderZooCfg({
    tickTimeMillis: 2000,
    initLimitTicks: 10,
    syncLimitTicks: 5,
    maxClientConnections: 60,
    snapRetainCount: 3,
    autopurgeIntervalHours: 24,
    memberHosts: Array.from({ length: MEMBERS }, (_, i) => host(i)),
  }));
  expect(registry.address).toBe(Array.from({ length: MEMBERS }, (_, i) => `${host(i)}:2181`).join(','));
  const container = one(out.objects, 'StatefulSet', 'zookeeper', 'zookeeper').spec.template.spec.containers[0];
  const alive = probePattern(container.livenessProbe);
  const serving = probePattern(container.readinessProbe);
  expect(container.startupProbe.exec.command).toEqual(container.livenessProbe.exec.command);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zookeeper-check-'));
  const ports: Array<{ client: number; quorum: number; election: number; admin: number }> = [];
  for (let i = 0; i < MEMBERS; i++) {
    ports.push({ client: await freePort(), quorum: await freePort(), election: await freePort(), admin: await freePort() });
  }

  /** Rewrites one member's zoo.cfg; every rewritten line must be in the generated file as expected. */
  const localize = (self: number): string => {
    const lines = generated.split('\n');
    const replace = (from: string, to: string | undefined) => {
      const at = lines.indexOf(from);
      expect({ line: from, found: at >= 0 }).toEqual({ line: from, found: true });
      if (to === undefined) lines.splice(at, 1);
      else lines[at] = to;
    };
    const dir = path.join(tmp!, `member-${self}`);
    replace('dataDir=/data', `dataDir=${dir}/data`);
    replace('dataLogDir=/datalog', `dataLogDir=${dir}/datalog`);
    replace('clientPort=2181', `clientPort=${ports[self].client}`);
    replace('admin.serverPort=8080', `admin.serverPort=${ports[self].admin}\nadmin.serverAddress=127.0.0.1`);
    replace('quorumListenOnAllIPs=true', 'quorumListenOnAllIPs=false');
    replace('metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider', undefined);
    replace('metricsProvider.httpPort=7000', undefined);
    for (let i = 0; i < MEMBERS; i++) {
      const p = ports[i];
      replace(`server.${i + 1}=${host(i)}:2888:3888;2181`, `server.${i + 1}=127.0.0.1:${p.quorum}:${p.election};127.0.0.1:${p.client}`);
    }
    const text = lines.join('\n');
    expect(text).not.toMatch(/svc\.cluster\.local|=\/data|:2181|:2888|:3888/);
    return text;
  };

  // myid as the pod command derives it from the ordinal (the official entrypoint only writes it)
  const derive = (container.command[2] as string).replace(/exec \/docker-entrypoint\.sh.*$/, 'echo "$ZOO_MY_ID"');
  const configs: string[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const dir = path.join(tmp, `member-${i}`);
    for (const d of ['conf', 'data', 'datalog']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const myid = execFileSync('bash', ['-c', derive], { env: { PATH: process.env.PATH, HOSTNAME: `zookeeper-${i}` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(myid.trim()).toBe(String(i + 1));
    fs.writeFileSync(path.join(dir, 'data', 'myid'), myid);
    const cfgFile = path.join(dir, 'conf', 'zoo.cfg');
    fs.writeFileSync(cfgFile, localize(i), { mode: 0o444 });
    configs.push(cfgFile);
  }
  const launch = (i: number) => running.push(start(java, [
    '-Xmx128m', `-Djava.io.tmpdir=${tmp}`, '-cp', classPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', configs[i],
  ]));
  const logs = () => running.map((r, i) => `--- member ${i}\n${r.output().slice(-3000)}`).join('\n');
  const word = (i: number, w: string) => tcpExchange(ports[i].client, w);

  // a lone member: alive (liveness passes) but without a quorum it does not serve (readiness fails)
  launch(0);
  await waitFor('member 0 to answer ruok', async () => (alive.test(await word(0, 'ruok')) ? true : undefined), 30_000, logs);
  const lone = await word(0, 'srvr');
  expect(lone).toMatch(/not currently serving requests/);
  expect(serving.test(lone)).toBe(false);

  launch(1);
  launch(2);
  const modes = await waitFor('a leader and two followers', async () => {
    const answers = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => word(i, 'srvr')));
    if (!answers.every((a) => serving.test(a))) return undefined;
    return answers.map((a) => /^Mode: (\w+)$/m.exec(a)![1]).sort();
  }, 40_000, logs);
  expect(modes).toEqual(['follower', 'follower', 'leader']);
  for (let i = 0; i < MEMBERS; i++) {
    expect(await word(i, 'ruok')).toMatch(alive);
    expect(await word(i, 'mntr')).toMatch(/^zk_server_state\s+(leader|follower)$/m);
    // a word outside 4lw.commands.whitelist is refused
    expect(await word(i, 'conf')).toMatch(/not in the whitelist/);
  }
  // The probe commands themselves, exactly as the pod runs them (only the client port differs on
  // loopback), against healthy members: every run must pass. With `echo` instead of `printf`,
  // about one in eight failed (the unread newline turns ZooKeeper's close into a reset).
  const nc = requireProgram(['nc'], 'netcat-openbsd');
  expect(nc).toBeTruthy();
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    const command: string = probe.exec.command[2];
    expect(command).toContain('127.0.0.1 2181');
    for (let i = 0; i < MEMBERS; i++) {
      const local = command.replace('127.0.0.1 2181', `127.0.0.1 ${ports[i].client}`);
      let passed = 0;
      for (let n = 0; n < 40; n++) {
        try {
          execFileSync(probe.exec.command[0], [probe.exec.command[1], local], { stdio: 'ignore', timeout: 5000 });
          passed++;
        } catch {
          // counted below
        }
      }
      expect({ probe: command, member: i, passed }).toEqual({ probe: command, member: i, passed: 40 });
    }
  }

  const admin = await fetch(`http://127.0.0.1:${ports[0].admin}/commands/ruok`);
  expect(await admin.json()).toMatchObject({ command: 'ruok', error: null });

  // reconfigEnabled=false: nothing is written next to the (read-only in the pod) zoo.cfg
  for (let i = 0; i < MEMBERS; i++) {
    expect(fs.readdirSync(path.dirname(configs[i]))).toEqual(['zoo.cfg']);
    expect(fs.readFileSync(configs[i], 'utf8')).toBe(localize(i));
    expect(fs.readdirSync(path.join(tmp, `member-${i}`, 'datalog'))).toEqual(['version-2']);
  }
});
