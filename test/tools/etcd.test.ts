import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, requireProgram, Running, start, waitFor } from './tooling';
import * as arch from '../../src';
import { newTestApp, one, synthApp, SynthResult } from '../harness/synth';

/**
 * The etcd member flags the library generates, run by the real etcd (Debian etcd-server) as a
 * three-member cluster on loopback: each member's Kubernetes DNS name and ports are mapped to
 * 127.0.0.1 and a free port, nothing else in the flags changes. The cluster must elect a leader,
 * report every member healthy, and accept the defragmentation CronJob's etcdctl command.
 */
jest.setTimeout(120_000);

const MEMBERS = 3;
let out: SynthResult;
const running: Running[] = [];
let tmp: string;

/** Runs etcdctl (v3 API); returns stdout and stderr together (etcdctl reports health on stderr). */
function etcdctlRun(etcdctl: string, args: string[]): string {
  const r = spawnSync(etcdctl, args, { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the generated flags form a healthy 3-member cluster and defragment it', async () => {
  const etcd = requireProgram(['etcd', '/usr/bin/etcd'], 'etcd-server');
  const etcdctl = requireProgram(['etcdctl', '/usr/bin/etcdctl'], 'etcd-client');
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.PRODUCTION });
  new arch.Registry(shop, 'registry', { engine: arch.RegistryEngine.etcd({ members: MEMBERS }) });
  out = synthApp(app);
  const container = one(out.objects, 'StatefulSet', 'registry', 'registry').spec.template.spec.containers[0];
  const cron = one(out.objects, 'CronJob', 'registry-defrag', 'registry').spec.jobTemplate.spec.template.spec.containers[0];
  expect(container.command).toEqual(['/usr/local/bin/etcd']);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-check-'));
  const ports = await Promise.all(Array.from({ length: MEMBERS }, async () => ({
    client: await freePort(), peer: await freePort(), metrics: await freePort(),
  })));
  const host = (i: number) => `registry-${i}.registry-headless.registry.svc.cluster.local`;
  /** Maps Kubernetes addresses to loopback; `self` is the member whose listen addresses are mapped. */
  const localize = (arg: string, self?: number): string => {
    let a = arg;
    for (let i = 0; i < MEMBERS; i++) {
      a = a.split(`${host(i)}:2379`).join(`127.0.0.1:${ports[i].client}`).split(`${host(i)}:2380`).join(`127.0.0.1:${ports[i].peer}`);
    }
    if (self !== undefined) {
      a = a.split('0.0.0.0:2379').join(`127.0.0.1:${ports[self].client}`)
        .split('0.0.0.0:2380').join(`127.0.0.1:${ports[self].peer}`)
        .split('0.0.0.0:8080').join(`127.0.0.1:${ports[self].metrics}`)
        .replace(/^--data-dir=.*$/, `--data-dir=${path.join(tmp, `member-${self}`, 'data')}`);
    }
    return a;
  };

  for (let i = 0; i < MEMBERS; i++) {
    // Kubernetes expands $(POD_NAME) in args from the env the container declares
    const args = (container.args as string[]).map((a) => localize(a.split('$(POD_NAME).registry-headless.registry.svc.cluster.local').join(host(i)).split('$(POD_NAME)').join(`registry-${i}`), i));
    expect(args.join(' ')).not.toMatch(/\$\(|svc\.cluster\.local|0\.0\.0\.0/);
    running.push(start(etcd, args));
  }
  const endpoints = ports.map((p) => `http://127.0.0.1:${p.client}`).join(',');
  const logs = () => running.map((r, i) => `--- member ${i}\n${r.output().slice(-3000)}`).join('\n');

  for (let i = 0; i < MEMBERS; i++) {
    await waitFor(`member ${i} /health`, async () => {
      const res = await fetch(`http://127.0.0.1:${ports[i].metrics}/health`);
      const body = await res.json() as { health: string };
      return body.health === 'true' ? true : undefined;
    }, 60_000, logs);
  }
  const health = etcdctlRun(etcdctl, [`--endpoints=${endpoints}`, 'endpoint', 'health', '--cluster']);
  expect(health.match(/is healthy/g)).toHaveLength(MEMBERS);
  const members = etcdctlRun(etcdctl, [`--endpoints=${endpoints}`, 'member', 'list']);
  expect(members.trim().split('\n').map((l) => l.split(', ')[2]).sort()).toEqual(['registry-0', 'registry-1', 'registry-2']);

  // the CronJob's command, with its endpoints mapped to loopback
  const defragArgs = (cron.args as string[]).map((a) => localize(a));
  const defrag = etcdctlRun(etcdctl, defragArgs);
  expect(defrag.match(/Finished defragmenting etcd member/g)).toHaveLength(MEMBERS);
});
