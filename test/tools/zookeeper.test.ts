import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lab } from './lab';
import { requireProgram, Running, waitFor } from './tooling';
import { K8sObject, newTestApp, one, synthApp } from '../harness/synth';

/**
 * The service-discovery example's 5-member ZooKeeper ensemble, run as a cluster would run it, on
 * the real ZooKeeper 3.9.5 (the image's lib/ resolved from Maven Central, test/tools/zookeeper/pom.xml).
 * Each member is a lab pod (test/tools/lab.ts) with its own network namespace and its pod DNS name,
 * started from the StatefulSet's own command (`export ZOO_MY_ID=... && exec /docker-entrypoint.sh
 * zkServer.sh start-foreground`), env, volumes at their container paths (zoo.cfg as the ConfigMap's
 * subPath file over the image's /conf, the claim at /data and its `datalog` subPath at /datalog),
 * user, fsGroup and read-only root, with the image's ENV (PATH to the distribution's bin/,
 * ZOO_*_DIR). The image's shell (entrypoint, zkServer.sh) is stood in by scripts written for this
 * check (test/tools/zookeeper/image), around the real Java.
 *
 * Verified as an operator would: the probes' own commands, run in each pod's network namespace,
 * pass on every member (40 runs each) once a leader and four followers serve; a word outside the
 * allow-list is refused; a znode written through one member is read on another; the leader killed
 * with SIGKILL is replaced by a new leader among the other four, which keep serving (the write made
 * before is still there, a new one succeeds); the killed member, restarted on its volumes as the
 * kubelet would, keeps its myid, rejoins as a follower and serves both znodes; nothing is written
 * next to the read-only zoo.cfg.
 */
jest.setTimeout(600_000);

const NS = 'zk-registry';
const DISTRO = '/apache-zookeeper-3.9.5-bin';
const IMAGE = path.join(__dirname, 'zookeeper', 'image');

let lab: Lab | undefined;
afterAll(async () => {
  await lab?.destroy();
});

/** The pattern an exec probe greps for (`... | grep -qE '<pattern>'`). */
function probePattern(probe: any): RegExp {
  const m = /grep -qE '([^']+)'$/.exec(probe.exec.command[2]);
  if (!m) throw new Error(`unexpected probe ${JSON.stringify(probe)}`);
  return new RegExp(m[1], 'm');
}

/** The image's lib/: the class path Maven resolves for test/tools/zookeeper/pom.xml. */
function imageLibs(): string[] {
  const mvn = requireProgram(['mvn', '/usr/bin/mvn'], 'maven');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zookeeper-cp-')), 'classpath');
  execFileSync(mvn, ['-q', '-f', path.join(__dirname, 'zookeeper', 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${out}`],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  const jars = fs.readFileSync(out, 'utf8').trim().split(':').filter((j) => !/tcnative-boringssl-static-.*-(osx|windows|linux-aarch_64)/.test(j));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  expect(jars.map((j) => path.basename(j))).toEqual(expect.arrayContaining(['zookeeper-3.9.5.jar', 'zookeeper-jute-3.9.5.jar', 'logback-classic-1.3.15.jar']));
  return jars;
}

test('the example\'s 5-member ZooKeeper forms a quorum from its own manifests, survives a killed leader, and the member rejoins', async () => {
  const java = requireProgram(['java'], 'default-jre-headless');
  requireProgram(['nc'], 'netcat-openbsd');
  const t0 = Date.now();
  const libs = imageLibs();

  const app = newTestApp();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../examples/service-discovery').build(app);
  const out = synthApp(app);
  const sts: K8sObject = one(out.objects, 'StatefulSet', 'registry', NS);
  const podSpec = sts.spec.template.spec;
  const container = podSpec.containers[0];
  const members: number = sts.spec.replicas;
  expect(members).toBe(5);
  expect(container.image).toBe('zookeeper:3.9.5');
  expect(container.command.join(' ')).toContain('exec /docker-entrypoint.sh zkServer.sh start-foreground');
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  const zooCfg: string = one(out.objects, 'ConfigMap', podSpec.volumes.find((v: any) => v.name === 'config').configMap.name, NS).data['zoo.cfg'];
  const host = (i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${NS}.svc.cluster.local`;
  for (let i = 0; i < members; i++) expect(zooCfg).toContain(`server.${i + 1}=${host(i)}:2888:3888;2181`);
  const alive = probePattern(container.livenessProbe);
  const serving = probePattern(container.readinessProbe);

  lab = Lab.create([
    ...Array.from({ length: members }, (_, i) => ({ name: `registry-${i}`, hostnames: [host(i)] })),
    { name: 'catalog-5d8f9-abcde', hostnames: [] },
  ]);

  // the image: the distribution (bin/ stand-in, the real lib/), /conf with its logback.xml, the entrypoint
  const distro = lab.dir('distro', 0, 0, 0o755);
  fs.mkdirSync(path.join(distro, 'bin'), { mode: 0o755 });
  fs.mkdirSync(path.join(distro, 'lib'), { mode: 0o755 });
  fs.copyFileSync(path.join(IMAGE, 'bin', 'zkServer.sh'), path.join(distro, 'bin', 'zkServer.sh'));
  for (const jar of libs) fs.copyFileSync(jar, path.join(distro, 'lib', path.basename(jar)));
  const conf = lab.dir('conf', 0, 0, 0o755);
  fs.copyFileSync(path.join(IMAGE, 'conf', 'logback.xml'), path.join(conf, 'logback.xml'));
  fs.writeFileSync(path.join(conf, 'zoo.cfg'), ''); // the mount point of the ConfigMap's subPath file
  const entrypoint = path.join(lab.dir('entrypoint', 0, 0, 0o755), 'docker-entrypoint.sh');
  fs.copyFileSync(path.join(IMAGE, 'docker-entrypoint.sh'), entrypoint);
  execFileSync('chmod', ['-R', 'a+rX', distro, conf, path.dirname(entrypoint)]);
  execFileSync('chmod', ['a+x', path.join(distro, 'bin', 'zkServer.sh'), entrypoint]);
  const programs = { [DISTRO]: distro, '/conf': conf, '/docker-entrypoint.sh': entrypoint };
  // the image's ENV (Dockerfile of the official image, 3.9): the kubelet puts the container's env over it
  const imageEnv = {
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${DISTRO}/bin`,
    ZOO_CONF_DIR: '/conf',
    ZOO_DATA_DIR: '/data',
    ZOO_DATA_LOG_DIR: '/datalog',
    ZOO_LOG_DIR: '/logs',
    ZOOCFGDIR: '/conf',
  };

  // what the kubelet gives each pod: the claim, the ConfigMap's files, the emptyDirs
  const uid = podSpec.securityContext.runAsUser;
  const fsGroup = podSpec.securityContext.fsGroup;
  const volumes = Array.from({ length: members }, (_, i) => {
    const v: { [name: string]: string } = { data: lab!.dir(`registry-${i}-data`, uid, fsGroup, 0o770) };
    fs.mkdirSync(path.join(v.data, 'datalog'));
    fs.chownSync(path.join(v.data, 'datalog'), uid, fsGroup);
    for (const vol of podSpec.volumes) {
      if (vol.configMap) {
        const d = lab!.dir(`registry-${i}-${vol.name}`, 0, fsGroup, 0o755);
        const cm = one(out.objects, 'ConfigMap', vol.configMap.name, NS);
        for (const item of vol.configMap.items) fs.writeFileSync(path.join(d, item.path), cm.data[item.key], { mode: 0o644 });
        v[vol.name] = d;
      } else if (vol.emptyDir) {
        v[vol.name] = lab!.dir(`registry-${i}-${vol.name}`, uid, fsGroup, 0o770);
      }
    }
    return v;
  });
  const running: Running[] = [];
  const startMember = (i: number) => {
    running[i] = lab!.run(`registry-${i}`, { container, podSpec, volumes: volumes[i], programs, imageEnv });
  };
  const logs = () => running.map((r, i) => `--- member ${i}\n${r?.output().slice(-2500)}`).join('\n');

  // a probe's own command, run in the pod's network namespace as the kubelet's exec would
  const probe = (i: number, p: any) => lab!.exec(`registry-${i}`, p.exec.command, { PATH: process.env.PATH }, 10_000).status === 0;
  const word = (i: number, w: string) => lab!.exec(`registry-${i}`, ['bash', '-c', `printf ${w} | nc -w 2 127.0.0.1 2181`], { PATH: process.env.PATH }, 10_000).stdout ?? '';
  const mode = (i: number) => /^Mode: (\w+)$/m.exec(word(i, 'srvr'))?.[1];
  // the client: the distribution's ZooKeeperMain on the catalog pod's network, against one member
  const cli = (member: number, ...command: string[]) => lab!.exec('catalog-5d8f9-abcde', [java, '-Xmx128m', '-cp', `${conf}:${distro}/lib/*`,
    'org.apache.zookeeper.ZooKeeperMain', '-server', `${host(member)}:2181`, ...command], { PATH: process.env.PATH }, 60_000);

  for (let i = 0; i < members; i++) startMember(i);
  const ready = (which: number[]) => waitFor(`members ${which.join(', ')} ready (the readiness probe passes)`,
    async () => (which.every((i) => probe(i, container.readinessProbe)) ? true : undefined), 180_000, logs);
  const all = Array.from({ length: members }, (_, i) => i);
  await ready(all);
  const formed = Date.now();
  const modes = all.map(mode);
  expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
  expect(modes.filter((m) => m === 'follower')).toHaveLength(members - 1);
  const leader = modes.indexOf('leader');

  // the probes, exactly as the pod runs them, against healthy members: every run passes
  for (const p of [container.livenessProbe, container.readinessProbe, container.startupProbe].filter(Boolean)) {
    for (const i of all) {
      let passed = 0;
      for (let n = 0; n < 40; n++) if (probe(i, p)) passed++;
      expect({ probe: p.exec.command[2], member: i, passed }).toEqual({ probe: p.exec.command[2], member: i, passed: 40 });
    }
  }
  expect(word(0, 'ruok')).toMatch(alive);
  expect(word(0, 'conf')).toMatch(/not in the whitelist/);
  // each member wrote its ordinal + 1 as myid on its claim
  for (const i of all) {
    expect(fs.readFileSync(path.join(volumes[i].data, 'myid'), 'utf8').trim()).toBe(String(i + 1));
    expect(word(i, 'srvr')).toMatch(serving);
  }

  // a write through one member is read on another
  const other = (leader + 1) % members;
  const created = cli(leader, 'create', '/cdk8s-architect-check', 'before-failover');
  expect({ status: created.status, out: `${created.stdout}${created.stderr}`.match(/Created \/cdk8s-architect-check/)?.[0] }).toEqual({ status: 0, out: 'Created /cdk8s-architect-check' });
  expect(cli(other, 'get', '/cdk8s-architect-check').stdout).toContain('before-failover');

  // the leader killed with SIGKILL: the other four elect a new leader and keep serving
  running[leader].process.kill('SIGKILL');
  const rest = all.filter((i) => i !== leader);
  const newLeader = await waitFor('a new leader among the other four', async () => {
    const m = rest.map(mode);
    if (m.some((x) => x === undefined)) return undefined;
    const l = m.indexOf('leader');
    return l >= 0 && m.filter((x) => x === 'follower').length === rest.length - 1 ? rest[l] : undefined;
  }, 120_000, logs);
  expect(newLeader).not.toBe(leader);
  await ready(rest);
  expect(probe(leader, container.livenessProbe)).toBe(false);
  expect(cli(rest[rest.length - 1], 'get', '/cdk8s-architect-check').stdout).toContain('before-failover');
  const during = cli(newLeader, 'create', '/cdk8s-architect-check/during', 'after-failover');
  expect(during.status).toBe(0);

  // the kubelet restarts the container on the same volumes: same myid, a follower, with both writes
  startMember(leader);
  await ready(all);
  expect(mode(leader)).toBe('follower');
  expect(fs.readFileSync(path.join(volumes[leader].data, 'myid'), 'utf8').trim()).toBe(String(leader + 1));
  const back = cli(leader, 'get', '/cdk8s-architect-check/during');
  expect(back.stdout).toContain('after-failover');

  // reconfigEnabled=false: nothing written next to the read-only zoo.cfg; the log stays on the console
  for (const i of all) {
    expect(fs.readdirSync(volumes[i].config)).toEqual(['zoo.cfg']);
    expect(fs.readFileSync(path.join(volumes[i].config, 'zoo.cfg'), 'utf8')).toBe(zooCfg);
    expect(fs.readdirSync(path.join(volumes[i].data, 'datalog'))).toEqual(['version-2']);
  }
  expect(fs.readdirSync(conf).sort()).toEqual(['logback.xml', 'zoo.cfg']);
  // eslint-disable-next-line no-console
  console.log(`zookeeper check: quorum of ${members} after ${Math.round((formed - t0) / 1000)} s, failover and rejoin ${Math.round((Date.now() - formed) / 1000)} s`);
});
