import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/**
 * Helpers for the real-tool checks. A missing program is a failure that names the Debian package
 * to install (.ci/run installs them), never a skip.
 */
export function requireProgram(candidates: string[], debianPackage: string): string {
  for (const c of candidates) {
    if (c.includes('/')) {
      if (fs.existsSync(c)) return c;
    } else {
      try {
        return execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
      } catch {
        // not on PATH
      }
    }
  }
  throw new Error(`none of ${candidates.join(', ')} is installed: run 'apt-get install -y ${debianPackage}' (.ci/run does)`);
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, log?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${log ? `\n${log()}` : ''}`);
}

/** Sends `payload` to 127.0.0.1:port and returns everything the server answers before closing. */
export function tcpExchange(port: number, payload: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.setTimeout(timeoutMs, () => {
      sock.destroy();
      reject(new Error('timeout'));
    });
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d) => { data += d.toString(); });
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

/** A started program whose output is kept for error messages; stop() kills it. */
export interface Running {
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function start(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let out = '';
  child.stdout?.on('data', (d) => { out = (out + d.toString()).slice(-20000); });
  child.stderr?.on('data', (d) => { out = (out + d.toString()).slice(-20000); });
  return {
    process: child,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }),
  };
}

/**
 * Registers the `afterAll` of a check that starts programs in a lab: stops every program in
 * `running` (as it is when the tests end), then destroys the lab and removes the temporary folder
 * that `lab()` and `tmp()` return then, if any.
 */
export function releaseAfterAll(running: Running[], lab: () => { destroy(): Promise<void> } | undefined, tmp: () => string | undefined): void {
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await lab()?.destroy();
    const dir = tmp();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * The promtool `alert_rule_test` case for a synthesized alerting rule firing at `evalTime` with
 * these labels: the rule's own labels plus `labels`, its annotations with `{{ $labels.x }}` taken
 * from `labels` and `{{ $value }}` (also `| humanizePercentage`) replaced by `value` as promtool
 * renders it.
 */
export function firingAlert(rule: { alert: string; labels?: Record<string, string>; annotations?: Record<string, string> },
  labels: Record<string, string>, value: string, evalTime = '20m'): any {
  return {
    eval_time: evalTime,
    alertname: rule.alert,
    exp_alerts: [{
      exp_labels: { ...rule.labels, ...labels },
      exp_annotations: expandAnnotations(rule.annotations ?? {}, labels, value),
    }],
  };
}

/** Alert annotations as Prometheus expands them, for these labels and this rendered value. */
export function expandAnnotations(annotations: Record<string, string>, labels: Record<string, string>, value: string): Record<string, string> {
  const expand = (t: string) => t
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k])
    .replace(/\{\{ \$value( \| humanizePercentage)? \}\}/g, value);
  return Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, expand(v)]));
}

/**
 * A Go program built once from the Go module proxy's source of a pinned release (cached in
 * `cache`): `go install m@v` also asks the proxy for the module's version list, which it refuses
 * here (403), so the release's module is downloaded and built.
 */
export function goModuleBinary(module: string, version: string, cache: string, name: string): string {
  const bin = path.join(cache, name);
  if (fs.existsSync(bin)) return bin;
  const go = requireProgram(['go'], 'golang-go');
  fs.mkdirSync(cache, { recursive: true });
  const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${module}@${version}`], { cwd: cache, encoding: 'utf8', timeout: 600_000 }));
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${JSON.stringify(info)}`);
  const src = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-src-`));
  try {
    execFileSync('cp', ['-R', `${info.Dir}/.`, src]);
    execFileSync('chmod', ['-R', 'u+w', src]);
    execFileSync(go, ['build', '-trimpath', '-ldflags', `-X github.com/prometheus/common/version.Version=${version.slice(1)}`, '-o', `${bin}.part`, '.'],
      { cwd: src, stdio: ['ignore', 'ignore', 'pipe'], timeout: 900_000, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } });
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  fs.renameSync(`${bin}.part`, bin);
  return bin;
}

/** Samples of a Prometheus text exposition: name, labels, value. */
export function parseExposition(text: string): Array<{ name: string; labels: Record<string, string>; value: string }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: string }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ name: m[1], labels, value: m[3] });
  }
  return out;
}
