import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireProgram } from './tooling';
import * as arch from '../../src';
import { java8GcLogBytes, quantityBytes } from '../harness/logback';
import { envOf, K8sObject, newTestApp, one, synthApp } from '../harness/synth';

/**
 * The logback configurations the library generates for Nacos and RocketMQ, loaded by the real
 * logback each image runs (from Maven Central, through mvn): logback-classic 1.2.13 for Nacos 2.5
 * (alibaba/nacos pom: logback.version 1.2.13, under Spring Boot 2.7), and RocketMQ's shaded logback
 * (io.github.aliyunmq:rocketmq-logback-classic 1.0.1, the version RocketMQ 5.3.3's pom pins) after the
 * rewrite RocketMQ's JoranConfiguratorExt applies to every configuration (`"ch.qos.logback` to
 * `"org.apache.rocketmq.logging.ch.qos.logback`). Joran must report no warning or error, and the
 * windows and file sizes logback actually instantiated, plus the GC log set on the JVM's command
 * line, must fit the log volume's sizeLimit. A configuration with a class logback cannot load fails
 * the same check (so the check is not vacuous).
 */
jest.setTimeout(300_000);

const SHADED_PREFIX = 'org.apache.rocketmq.logging.';
const ARTIFACTS = {
  logback12: ['ch.qos.logback:logback-classic:1.2.13', 'ch.qos.logback:logback-core:1.2.13', 'org.slf4j:slf4j-api:1.7.32'],
  rocketmq: ['io.github.aliyunmq:rocketmq-logback-classic:1.0.1', 'io.github.aliyunmq:rocketmq-slf4j-api:1.0.1'],
};

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'logback-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The local jar of `group:artifact:version`, fetched into the local Maven repository when missing. */
function jar(mvn: string, coordinates: string): string {
  const [group, artifact, version] = coordinates.split(':');
  const repo = process.env.M2_REPO ?? path.join(os.homedir(), '.m2', 'repository');
  const file = path.join(repo, ...group.split('.'), artifact, version, `${artifact}-${version}.jar`);
  if (!fs.existsSync(file)) execFileSync(mvn, ['-q', 'dependency:get', `-Dartifact=${coordinates}`], { stdio: 'inherit', timeout: 240_000 });
  if (!fs.existsSync(file)) throw new Error(`mvn did not fetch ${coordinates} to ${file}`);
  return file;
}

interface Check {
  readonly status: number | null;
  readonly output: string;
  /** Per file appender: minIndex, maxIndex, maxFileSize in bytes, the active file. */
  readonly files: Array<{ name: string; file: string; minIndex: number; maxIndex: number; maxFileBytes: number }>;
  /** After writing: the bytes below logs/, and each file. */
  readonly diskBytes?: number;
  readonly onDisk: Array<{ file: string; bytes: number }>;
}

/**
 * Runs LogbackCheck.java against `xml` with the given class path, in a directory of its own (the
 * appenders create their files there); with `write`, it then writes that many MiB to a logger.
 */
function check(java: string, classpath: string[], xml: string, name: string, shaded: boolean, write?: [string, number]): Check {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  let source = fs.readFileSync(path.join(__dirname, 'LogbackCheck.java'), 'utf8');
  if (shaded) {
    source = source.replace(/\bch\.qos\.logback\./g, `${SHADED_PREFIX}ch.qos.logback.`);
    // what RocketMQ's JoranConfiguratorExt does to a configuration before Joran reads it
    xml = xml.split('"ch.qos.logback').join(`"${SHADED_PREFIX}ch.qos.logback`);
  }
  fs.writeFileSync(path.join(dir, 'LogbackCheck.java'), source);
  fs.writeFileSync(path.join(dir, 'logback.xml'), xml);
  const r = spawnSync(java, [`-Duser.home=${dir}`, `-Dnacos.home=${dir}`, '-cp', classpath.join(':'), 'LogbackCheck.java', 'logback.xml',
    ...(write ? [write[0], String(write[1])] : [])], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  const output = `${r.stdout}${r.stderr}`;
  const files = r.stdout.split('\n').filter((l) => l.startsWith('FILE ')).map((l) => {
    const [, n, file, , min, max, size] = l.split(' ');
    expect(file.startsWith(`${dir}/logs/`)).toBe(true);
    return { name: n, file, minIndex: Number(min), maxIndex: Number(max), maxFileBytes: Number(size) };
  });
  const disk = /^DISK ([0-9]+) ([0-9]+)$/m.exec(r.stdout);
  const onDisk = r.stdout.split('\n').filter((l) => l.startsWith('ONDISK ')).map((l) => {
    const [, file, bytes] = l.split(' ');
    return { file, bytes: Number(bytes) };
  });
  return { status: r.status, output, files, diskBytes: disk ? Number(disk[1]) : undefined, onDisk };
}

/**
 * Writes `mebibytes` (several windows' worth) to `logger`, whose appender is `appender`: the files
 * left must be the active file and at most maxIndex archives, each about maxFileSize, and all the
 * configuration's files together within its bound.
 */
function expectWindowHolds(
  java: string, cp: string[], xml: string, name: string, shaded: boolean, logger: string, appender: string, mebibytes: number,
): void {
  const r = check(java, cp, xml, name, shaded, [logger, mebibytes]);
  expect(r.output).not.toMatch(/^STATUS /m);
  expect(r.status).toBe(0);
  const a = r.files.find((f) => f.name === appender)!;
  const window = (a.maxIndex - a.minIndex + 2) * a.maxFileBytes;
  expect(mebibytes * 1024 ** 2).toBeGreaterThan(2 * window);
  const base = path.basename(a.file).replace(/\.log$/, '');
  const mine = r.onDisk.filter((f) => path.basename(f.file).startsWith(`${base}.`));
  // rolled: the active file and every archive of the window exist, none larger than the size checks allow (about a second of writes)
  expect(mine).toHaveLength(a.maxIndex - a.minIndex + 2);
  for (const f of mine) expect(f.bytes).toBeLessThanOrEqual(a.maxFileBytes + 24 * 1024 ** 2);
  expect(r.diskBytes!).toBeLessThanOrEqual(boundOf(r) + 24 * 1024 ** 2);
}

const boundOf = (c: Check) => c.files.reduce((sum, f) => sum + (f.maxIndex - f.minIndex + 2) * f.maxFileBytes, 0);

function logVolumeBytes(sts: K8sObject, mountPath: string): number {
  const spec = sts.spec.template.spec;
  const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === mountPath);
  return quantityBytes(spec.volumes.find((v: any) => v.name === mount.name).emptyDir.sizeLimit);
}

/** java, and the class path of `artifacts` (fetched with mvn when missing). */
function tools(artifacts: string[]): { java: string; cp: string[] } {
  const java = requireProgram(['java', '/usr/bin/java'], 'default-jre-headless');
  const mvn = requireProgram(['mvn', '/usr/bin/mvn'], 'maven');
  return { java, cp: artifacts.map((a) => jar(mvn, a)) };
}

test('Nacos: logback 1.2.13 loads the generated nacos-logback.xml cleanly, and what it instantiated fits the logs volume', () => {
  const { java, cp } = tools(ARTIFACTS.logback12);
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const center = new arch.ConfigCenter(shop, 'config', { engine: arch.ConfigCenterEngine.nacos({}) });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2', port: 8080 }).uses(center);
  const out = synthApp(app);
  const xml = one(out.objects, 'ConfigMap', 'config-logback', 'config').data['nacos-logback.xml'];
  const r = check(java, cp, xml, 'nacos', false);
  expect(r.output).not.toMatch(/^STATUS /m);
  expect(r.status).toBe(0);
  expect(r.files.length).toBeGreaterThanOrEqual(30);
  const sts = one(out.objects, 'StatefulSet', 'config', 'config');
  const heap = Number(/^([0-9]+)m$/.exec(envOf(sts).JVM_XMX)![1]) * 1024 ** 2;
  // docker-startup.sh v2.5.3 (Java 8): 10 GC log files of 100M; cluster mode: a heap dump (HPROF can exceed the heap)
  expect(logVolumeBytes(sts, '/home/nacos/logs')).toBeGreaterThanOrEqual(boundOf(r) + 10 * 100 * 1024 ** 2 + 1.5 * heap);

  // 100 MiB through one logger: logback keeps its window (16 MiB x 2) and nothing more
  expectWindowHolds(java, cp, xml, 'nacos-write', false, 'com.alibaba.nacos.config.pullLog', 'pullFile', 100);

  // the check fails a configuration logback cannot load
  const broken = check(java, cp, xml.replace('ch.qos.logback.core.rolling.FixedWindowRollingPolicy', 'ch.qos.logback.core.rolling.NoSuchPolicy'), 'nacos-broken', false);
  expect(broken.status).not.toBe(0);
  expect(broken.output).toMatch(/^STATUS ERROR/m);
});

test('RocketMQ: the shaded logback of RocketMQ 5.3.3 loads the generated broker, NameServer and controller configurations cleanly, and they fit the log volumes', () => {
  const { java, cp } = tools(ARTIFACTS.rocketmq);
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  const mq = new arch.MessageQueue(shop, 'events', { engine: arch.MessageQueueEngine.rocketmq({}), topics: [{ name: 'orders' }] });
  new arch.Microservice(shop, 'orders', { image: 'ghcr.io/acme/orders:1.4.2' }).uses(mq.topic('orders').producer());
  new arch.Microservice(shop, 'billing', { image: 'ghcr.io/acme/billing:2.0.0' }).uses(mq.topic('orders').consumer('billing'));
  const out = synthApp(app);
  const cases: Array<[string, string, string, string]> = [
    ['broker', 'events-broker-a', 'events-broker-a-config', 'rmq.broker.logback.xml'],
    ['namesrv', 'events-namesrv', 'events-namesrv-logback', 'rmq.namesrv.logback.xml'],
    ['controller', 'events-controller', 'events-controller-config', 'rmq.controller.logback.xml'],
  ];
  for (const [what, stsName, configMap, key] of cases) {
    const xml = one(out.objects, 'ConfigMap', configMap, 'events').data[key];
    const r = check(java, cp, xml, `rocketmq-${what}`, true);
    expect(r.output).not.toMatch(/^STATUS /m);
    expect(r.status).toBe(0);
    expect(r.files.length).toBeGreaterThan(0);
    const sts = one(out.objects, 'StatefulSet', stsName, 'events');
    const gc = java8GcLogBytes(envOf(sts).JAVA_OPT_EXT);
    expect(gc).toBeGreaterThan(0);
    expect(logVolumeBytes(sts, '/home/rocketmq/logs')).toBeGreaterThanOrEqual(boundOf(r) + gc);
    if (what === 'namesrv') {
      // 100 MiB through the traffic logger (behind an AsyncAppender): its window (16 MiB x 3) holds
      expectWindowHolds(java, cp, xml, 'rocketmq-namesrv-write', true, 'RocketmqTraffic', 'RocketmqTrafficAppender', 100);
    }
  }
});
