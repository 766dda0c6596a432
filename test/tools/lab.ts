import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Running } from './tooling';

/**
 * Pods without containers, for the real-program checks. Each pod of a lab gets:
 * - its own network namespace (`ip netns`), joined to a bridge in a hub namespace the lab creates,
 *   with an address of a subnet that exists only inside the lab's namespaces;
 * - its pod DNS names in its `/etc/hosts` (`ip netns exec` bind-mounts `/etc/netns/<ns>/hosts`), so
 *   members reach each other by the names the manifests use;
 * - its own mount namespace, where each volume is bind-mounted at its container path (read-only
 *   where the manifest says so), the image's program is bind-mounted at the path the container's
 *   command names, and the root filesystem is read-only when the security context says so;
 * - the user, group and fsGroup of its security context (`setpriv`), and exactly the container's
 *   environment, with `$(VAR)` references expanded as the kubelet expands them.
 * Everything is removed by `destroy()`: processes, namespaces, hosts files, and the mount points the
 * lab had to create on the host (empty directories and files, removed only if the lab made them).
 */
export interface PodVolumes {
  /** Volume name -> host directory (or file) that stands for it. */
  readonly [volume: string]: string;
}

export interface LabPod {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly hostnames: string[];
}

export interface RunOptions {
  /** The container (from the synthesized pod template). */
  readonly container: any;
  /** The pod spec (security context). */
  readonly podSpec: any;
  /** What each volume of the container's volumeMounts is on the host. */
  readonly volumes: PodVolumes;
  /** The image's programs: container path -> host program that stands for it. */
  readonly programs?: { [containerPath: string]: string };
  /** Values of env entries that come from Secrets or ConfigMaps: "<name>" -> value. */
  readonly secretEnv?: { [env: string]: string };
  /** Replaces the container's args (e.g. to run a Job's command). */
  readonly args?: string[];
  /** The image's `ENTRYPOINT`: what runs when the container has no `command` (the container's args follow it, as the kubelet does). */
  readonly entrypoint?: string[];
  /** The image's `ENV` (e.g. PATH with the image's bin directory), under the container's env as the kubelet layers them. */
  readonly imageEnv?: { [name: string]: string };
}

let labCounter = 0;
/** Where the lab keeps the volumes' host directories: a path no container mounts over. */
const LAB_ROOT = '/var/lib/cdk8s-architect-lab';

export class Lab {
  /**
   * Creates the hub and one namespace per pod. `pods` maps a pod name to the DNS names it answers
   * to (e.g. `registry-0.registry-headless.registry.svc.cluster.local`).
   */
  public static create(pods: Array<{ name: string; hostnames: string[] }>): Lab {
    requireRoot();
    const id = `${process.pid.toString(36)}${(labCounter++).toString(36)}${randomBytes(1).toString('hex')}`.slice(-6);
    const subnet = 100 + (randomBytes(1)[0] % 100);
    return new Lab(id, subnet, pods);
  }

  public readonly pods = new Map<string, LabPod>();
  private readonly hub: string;
  private readonly created: string[] = [];
  private readonly running: Running[] = [];
  private readonly madeMountPoints: string[] = [];
  private readonly tmp: string;

  private constructor(id: string, subnet: number, pods: Array<{ name: string; hostnames: string[] }>) {
    // Not under /tmp: containers mount their own /tmp, which would hide every volume behind it.
    fs.mkdirSync(LAB_ROOT, { recursive: true });
    this.tmp = fs.mkdtempSync(path.join(LAB_ROOT, `${id}-`));
    fs.chmodSync(this.tmp, 0o755);
    this.hub = `cdk8sa-${id}-hub`;
    ip(['netns', 'add', this.hub]);
    this.created.push(this.hub);
    ip(['-n', this.hub, 'link', 'set', 'lo', 'up']);
    ip(['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', this.hub, 'link', 'set', 'br0', 'up']);
    const hosts: string[] = ['127.0.0.1 localhost'];
    pods.forEach((p, i) => {
      const ns = `cdk8sa-${id}-${i}`;
      const address = `10.213.${subnet}.${i + 10}`;
      ip(['netns', 'add', ns]);
      this.created.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['link', 'add', `v${id}${i}`.slice(0, 15), 'netns', this.hub, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['-n', this.hub, 'link', 'set', `v${id}${i}`.slice(0, 15), 'master', 'br0', 'up']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      this.pods.set(p.name, { name: p.name, namespace: ns, address, hostnames: p.hostnames });
      hosts.push(`${address} ${[p.name, ...p.hostnames].join(' ')}`);
    });
    for (const pod of this.pods.values()) {
      const dir = `/etc/netns/${pod.namespace}`;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'hosts'), `${hosts.join('\n')}\n`);
    }
  }

  /** A fresh directory on the host for a volume, owned by `uid`/`gid`. */
  public dir(name: string, uid = 0, gid = uid, mode = 0o770): string {
    const d = path.join(this.tmp, name);
    fs.mkdirSync(d, { recursive: true });
    fs.chownSync(d, uid, gid);
    fs.chmodSync(d, mode);
    return d;
  }

  /**
   * What the kubelet gives a pod: a host directory per volume of its spec (owned by the pod's user
   * and fsGroup), holding a ConfigMap's keys as files, and one per claim of its StatefulSet's
   * volumeClaimTemplates. `configMap` returns the data of the ConfigMap of that name.
   */
  public podVolumes(pod: string, spec: any, configMap: (name: string) => { [key: string]: string }, claims: string[] = []): PodVolumes {
    const uid = spec.securityContext.runAsUser;
    const fsGroup = spec.securityContext.fsGroup ?? uid;
    const v: { [name: string]: string } = {};
    for (const vol of spec.volumes ?? []) {
      // a ConfigMap's directory is readable by every user of the pod, its files have the volume's mode
      const d = this.dir(`${pod}-${vol.name}`, uid, fsGroup, vol.configMap ? 0o755 : 0o770);
      if (vol.configMap) {
        const data = configMap(vol.configMap.name);
        const items: Array<{ key: string; path: string }> = vol.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        for (const { key, path: file } of items) {
          if (data[key] === undefined) throw new Error(`ConfigMap ${vol.configMap.name} has no key ${key} (volume ${vol.name})`);
          const f = path.join(d, file);
          fs.writeFileSync(f, data[key]);
          fs.chmodSync(f, vol.configMap.defaultMode ?? 0o644);
        }
      }
      v[vol.name] = d;
    }
    for (const claim of claims) v[claim] = this.dir(`${pod}-${claim}`, uid, fsGroup, 0o770);
    return v;
  }

  /** Writes a Secret's keys as files, as the kubelet does with the volume's defaultMode and the pod's fsGroup. */
  public secretDir(name: string, data: { [key: string]: string }, mode: number, fsGroup: number): string {
    const d = this.dir(`secret-${name}`, 0, fsGroup, 0o750);
    for (const [k, v] of Object.entries(data)) {
      const f = path.join(d, k);
      fs.writeFileSync(f, v);
      fs.chownSync(f, 0, fsGroup);
      fs.chmodSync(f, mode);
    }
    return d;
  }

  /**
   * Starts the container of `pod` as the kubelet would: its command and args (with `$(VAR)`
   * expanded from its env), its env, its volumes at their container paths, its user and groups,
   * and a read-only root when the security context asks for one.
   */
  public run(podName: string, o: RunOptions): Running {
    const pod = this.pod(podName);
    const { argv, env, script } = this.prepare(pod, o);
    // The container's output goes to a file, as the kubelet's log does, not to a pipe: the checks
    // run clients with spawnSync, which stops this process reading pipes, and a server that logs
    // more than a pipe holds (64 KiB) would block in its console appender while they run.
    const log = path.join(this.tmp, `${podName}.${this.running.length}.log`);
    const fd = fs.openSync(log, 'a', 0o600);
    const child = spawn('ip', ['netns', 'exec', pod.namespace, 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'pod', ...argv], {
      env, stdio: ['ignore', fd, fd], detached: false,
    });
    fs.closeSync(fd);
    const r: Running = {
      process: child,
      output: () => {
        try {
          const text = fs.readFileSync(log, 'utf8');
          return text.slice(-20000);
        } catch {
          return '';
        }
      },
      stop: () => new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
    };
    this.running.push(r);
    return r;
  }

  /** Runs a command to completion the same way (an exec probe, a Job, a CLI call). */
  public runSync(podName: string, o: RunOptions, timeoutMs = 30_000): SpawnSyncReturns<string> {
    const pod = this.pod(podName);
    const { argv, env, script } = this.prepare(pod, o);
    return spawnSync('ip', ['netns', 'exec', pod.namespace, 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'pod', ...argv], {
      env, encoding: 'utf8', timeout: timeoutMs,
    });
  }

  /** Runs a host program in a pod's network namespace (an operator's client on that pod's network). */
  public exec(podName: string, argv: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }, timeoutMs = 30_000): SpawnSyncReturns<string> {
    return spawnSync('ip', ['netns', 'exec', this.pod(podName).namespace, ...argv], { env, encoding: 'utf8', timeout: timeoutMs });
  }

  /** Stops every process and removes everything the lab created. */
  public async destroy(): Promise<void> {
    await Promise.all(this.running.map((r) => r.stop()));
    for (const ns of this.created.reverse()) {
      spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean).forEach((pid) => {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      });
      spawnSync('ip', ['netns', 'del', ns]);
      fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    for (const p of this.madeMountPoints.reverse()) {
      try {
        const st = fs.lstatSync(p);
        if (st.isDirectory()) fs.rmdirSync(p);
        else if (st.size === 0) fs.unlinkSync(p);
      } catch {
        // not empty or gone: left alone
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
    try {
      fs.rmdirSync(LAB_ROOT);
    } catch {
      // another lab still uses it
    }
  }

  private pod(name: string): LabPod {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name} in the lab`);
    return p;
  }

  /** The shell script that sets up the mount namespace and execs the container's process as its user. */
  private prepare(pod: LabPod, o: RunOptions): { argv: string[]; env: NodeJS.ProcessEnv; script: string } {
    const c = o.container;
    const ctx = { ...(o.podSpec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    const uid = ctx.runAsUser ?? 0;
    const gid = ctx.runAsGroup ?? uid;
    const fsGroup = o.podSpec.securityContext?.fsGroup;
    const env = containerEnv(c, pod, o.secretEnv ?? {});
    const expand = (s: string) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => (env[v] !== undefined ? env[v]! : m));
    const command: string[] = [...(c.command ?? o.entrypoint ?? []), ...(o.args ?? c.args ?? [])].map(expand);
    if (command.length === 0) throw new Error(`container ${c.name} has no command: the image's entrypoint cannot be run here`);

    const lines = ['set -eu'];
    const bind = (host: string, target: string, readOnly: boolean) => {
      this.mountPoint(target, fs.statSync(host).isDirectory());
      lines.push(`mount --bind ${sq(host)} ${sq(target)}`);
      if (readOnly) lines.push(`mount -o remount,bind,ro ${sq(target)}`);
    };
    for (const [containerPath, hostProgram] of Object.entries(o.programs ?? {})) bind(hostProgram, containerPath, true);
    for (const m of c.volumeMounts ?? []) {
      const host = o.volumes[m.name];
      if (!host) throw new Error(`volume ${m.name} of ${c.name} has no host directory in the lab`);
      bind(m.subPath ? path.join(host, m.subPath) : host, m.mountPath, m.readOnly === true);
    }
    if (ctx.readOnlyRootFilesystem) lines.push('mount -o remount,bind,ro /');
    const groups = [gid, ...(fsGroup !== undefined && fsGroup !== gid ? [fsGroup] : [])].join(',');
    lines.push(`exec setpriv --reuid=${uid} --regid=${gid} --groups=${groups} --inh-caps=-all --no-new-privs -- "$@"`);
    const clean: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...o.imageEnv, HOSTNAME: pod.name, ...env };
    return { argv: command, env: clean, script: lines.join('\n') };
  }

  /** Makes sure `target` exists on the host as a mount point, remembering what the lab created. */
  private mountPoint(target: string, directory: boolean): void {
    if (fs.existsSync(target)) return;
    const missing: string[] = [];
    for (let p = directory ? target : path.dirname(target); !fs.existsSync(p); p = path.dirname(p)) missing.unshift(p);
    for (const p of missing) {
      fs.mkdirSync(p);
      this.madeMountPoints.push(p);
    }
    if (!directory) {
      fs.writeFileSync(target, '');
      this.madeMountPoints.push(target);
    }
  }
}

/** The DNS name of ordinal `i` of a StatefulSet (through its headless Service). */
export function podDnsName(sts: any, i: number): string {
  return `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`;
}

/** The container's environment as the kubelet builds it: literals, `$(VAR)` references, the pod name, Secret values. */
export function containerEnv(
  container: any,
  pod: { name: string; address: string },
  secretEnv: { [env: string]: string },
): { [name: string]: string } {
  const env: { [name: string]: string } = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, v: string) => env[v] ?? m);
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[e.name] = pod.name;
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') {
      env[e.name] = pod.address;
    } else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      if (secretEnv[e.name] === undefined) throw new Error(`env ${e.name} of ${container.name} needs a value from ${JSON.stringify(e.valueFrom)}`);
      env[e.name] = secretEnv[e.name];
    } else {
      throw new Error(`env ${e.name} of ${container.name}: ${JSON.stringify(e.valueFrom)} is not supported by the lab`);
    }
  }
  return env;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the lab needs root (network and mount namespaces, setpriv): run the real-program checks as root (.ci/run does)');
  }
  for (const p of ['ip', 'unshare', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0) {
      throw new Error(`${p} is not installed: run 'apt-get install -y iproute2 util-linux' (.ci/run does)`);
    }
  }
}

function sq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
