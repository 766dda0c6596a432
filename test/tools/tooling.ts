import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';

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
