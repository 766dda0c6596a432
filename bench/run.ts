/**
 * `npm run bench`: synthesizes the reference architecture with N = 10, 100, 1000 extra
 * microservices (each with two bindings) and, in the same run, bare cdk8s-plus-28
 * Deployment+Service for the same N. Each measurement runs in a fresh process (peak RSS is that
 * process's), `BENCH_REPEAT` times (default 3); the median by total time is reported.
 *
 * Targets (2-core machine): N=1000 in <= 5 s and <= 600 MB; ms per object no worse than the
 * baseline; time(1000)/time(100) <= 12. Results also go to bench/results/latest.json.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Sample {
  mode: string;
  n: number;
  objects: number;
  outputBytes: number;
  constructMs: number;
  synthMs: number;
  totalMs: number;
  peakRssMb: number;
}

const sizes = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const root = path.join(__dirname, '..');

function measure(mode: string, n: number): Sample {
  const runs: Sample[] = [];
  for (let r = 0; r < repeat; r++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${mode}-${n}-`));
    const out = execFileSync(process.execPath, [
      '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register',
      path.join(__dirname, 'child.ts'), mode, String(n), outdir,
    ], { cwd: root, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.dev.json') }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    fs.rmSync(outdir, { recursive: true, force: true });
    runs.push(JSON.parse(out.trim().split('\n').pop()!));
  }
  runs.sort((a, b) => a.totalMs - b.totalMs);
  return runs[Math.floor(runs.length / 2)];
}

const results: Sample[] = [];
for (const n of sizes) {
  for (const mode of ['architect', 'baseline']) {
    const s = measure(mode, n);
    results.push(s);
    console.error(`measured ${mode} N=${n}`);
  }
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${repeat}\n`);
console.log(`${'mode'.padEnd(10)}${pad('N', 6)}${pad('objects', 9)}${pad('construct ms', 14)}${pad('synth ms', 10)}${pad('total ms', 10)}${pad('ms/object', 11)}${pad('KB out', 8)}${pad('ms/100KB', 10)}${pad('peak RSS MB', 13)}`);
for (const s of results) {
  console.log(`${s.mode.padEnd(10)}${pad(s.n, 6)}${pad(s.objects, 9)}${pad(s.constructMs, 14)}${pad(s.synthMs, 10)}${pad(s.totalMs, 10)}${pad((s.totalMs / s.objects).toFixed(3), 11)}${pad(Math.round(s.outputBytes / 1024), 8)}${pad((s.totalMs / (s.outputBytes / 102400)).toFixed(2), 10)}${pad(s.peakRssMb, 13)}`);
}
const get = (mode: string, n: number) => results.find((r) => r.mode === mode && r.n === n);
const a100 = get('architect', 100);
const a1000 = get('architect', 1000);
const b1000 = get('baseline', 1000);
if (a100 && a1000 && b1000) {
  const growth = a1000.totalMs / a100.totalMs;
  const perObj = a1000.totalMs / a1000.objects;
  const basePerObj = b1000.totalMs / b1000.objects;
  console.log('');
  console.log(`N=1000: ${(a1000.totalMs / 1000).toFixed(2)} s (target <= 5 s) ${a1000.totalMs <= 5000 ? 'OK' : 'MISSED'}`);
  console.log(`N=1000: ${a1000.peakRssMb} MB peak RSS (target <= 600 MB) ${a1000.peakRssMb <= 600 ? 'OK' : 'MISSED'}`);
  console.log(`ms/object ${perObj.toFixed(3)} vs baseline ${basePerObj.toFixed(3)} ${perObj <= basePerObj ? 'OK' : 'MISSED'}`
    + ` (bytes/object ${(a1000.outputBytes / a1000.objects).toFixed(0)} vs ${(b1000.outputBytes / b1000.objects).toFixed(0)})`);
  console.log(`growth 100 -> 1000: x${growth.toFixed(2)} (target <= 12) ${growth <= 12 ? 'OK' : 'MISSED'}`);
}
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'latest.json'), JSON.stringify({ node: process.version, repeat, results }, null, 2) + '\n');
