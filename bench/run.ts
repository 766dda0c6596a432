/**
 * `npm run bench`: synthesizes the reference architecture with N = 10, 100, 1000 extra
 * microservices (each with two bindings) and, in the same run, bare cdk8s-plus-28
 * Deployment+Service for the same N, and the architecture again with cdk8s' own YAML writer
 * (`architect-cdk8s`, CDK8S_ARCHITECT_YAML_WRITER=cdk8s). Each measurement runs in a fresh process
 * (peak RSS is that process's), `BENCH_REPEAT` times (default 5), the modes interleaved; the median
 * by total time is reported. See bench/README.md.
 *
 * Targets (issue #14), at N=1000: total <= 1.5 s; ms per 100 KB of output <= 0.5 x bare
 * cdk8s-plus-28's in the same run; peak RSS not higher than with cdk8s' writer in the same run;
 * and, as before, time(1000)/time(100) <= 12. Results also go to bench/results/latest.json.
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
  cpuMs: number;
  sysMs: number;
  peakRssMb: number;
  files: { architect: number; cdk8s: number; fastResolveRenders: number; sanitizedInWalk: number; waitedForWriterMs: number; fastChartOrder: number };
}

const sizes = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const modes = (process.env.BENCH_MODES ?? 'architect,baseline,architect-cdk8s').split(',');
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const root = path.join(__dirname, '..');
const realtime = process.env.BENCH_REALTIME === '1';
/**
 * Where each measurement writes: `keep` (default) a new folder, every folder deleted when all the
 * measurements are done; `each` deletes a measurement's folder right after it, as the benchmark did
 * before 2026-12-07. On an ext4 file system without a journal (the CI machine's) the kernel avoids
 * reusing an inode freed in the last minute (`recently_deleted()` in fs/ext4/ialloc.c) and finds
 * those by walking the group's free inodes from the first one, for every inode it allocates:
 * deleting the previous measurement's 3 000 files and folders made creating the next one's cost
 * 1.1 to 1.8 s of system time instead of 0.13 s (bench/README.md, "Creating files").
 */
const deleteOutput = process.env.BENCH_DELETE ?? 'keep';
if (deleteOutput !== 'keep' && deleteOutput !== 'each') throw new Error(`BENCH_DELETE=${deleteOutput}: use keep (the default) or each`);
/** Output folders still to delete (BENCH_DELETE=keep). */
const outdirs: string[] = [];

function runOnce(mode: string, n: number): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${mode}-${n}-`));
  const args = [
    '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register',
    path.join(__dirname, 'child.ts'), mode, String(n), outdir,
  ];
  // BENCH_REALTIME=1: the child runs under the SCHED_FIFO policy (chrt, root), ahead of the other
  // processes of a shared machine; its threads (the file writer, V8's GC) inherit the policy
  const [program, argv] = realtime ? ['chrt', ['-f', '50', process.execPath, ...args]] : [process.execPath, args];
  const out = execFileSync(program, argv, {
    cwd: root, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.dev.json') }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024,
  });
  if (deleteOutput === 'each') fs.rmSync(outdir, { recursive: true, force: true });
  else outdirs.push(outdir);
  return JSON.parse(out.trim().split('\n').pop()!);
}

/**
 * Every mode once per round, `repeat` rounds, so that the modes see the same machine load (the
 * machine is shared); the run with the median total time of each mode is reported, with the median
 * of the runs' peak RSS.
 */
function measure(n: number): Sample[] {
  const runs = new Map<string, Sample[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < repeat; r++) {
    for (const mode of modes) runs.get(mode)!.push(runOnce(mode, n));
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return modes.map((mode) => {
    const all = runs.get(mode)!;
    const sorted = all.slice().sort((a, b) => a.totalMs - b.totalMs);
    console.error(`measured ${mode} N=${n}: ${all.map((s) => s.totalMs).join(', ')} ms, peak RSS ${all.map((s) => s.peakRssMb).join(', ')} MB`);
    // peak RSS varies by 80 MB and more between runs of one program (when V8 grows its heap), with
    // no relation to the run's time: its own median is reported, not that of the median-time run
    return { ...sorted[Math.floor(sorted.length / 2)], peakRssMb: median(all.map((s) => s.peakRssMb)) };
  });
}

/**
 * The previous benchmark's output was deleted when it ended (just before it wrote
 * bench/results/latest.json): for a minute its freed inodes make creating files slow (see
 * `deleteOutput`), so a benchmark started right after another waits until that minute has passed.
 * `BENCH_SETTLE_S` (default 65) is the wait in seconds since the previous run; 0 disables it.
 */
const settleS = Number(process.env.BENCH_SETTLE_S ?? 65);
if (!(settleS >= 0)) throw new Error(`BENCH_SETTLE_S=${process.env.BENCH_SETTLE_S}: use a number of seconds (0: never wait)`);
const previousRun = path.join(__dirname, 'results', 'latest.json');
if (settleS > 0 && fs.existsSync(previousRun)) {
  const sinceS = (Date.now() - fs.statSync(previousRun).mtimeMs) / 1000;
  if (sinceS >= 0 && sinceS < settleS) {
    const waitS = Math.ceil(settleS - sinceS);
    console.error(`waiting ${waitS} s: the previous benchmark deleted its output ${Math.floor(sinceS)} s ago (BENCH_SETTLE_S=${settleS}, bench/README.md)`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, waitS * 1000);
  }
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const results: Sample[] = [];
try {
  for (const n of sizes) results.push(...measure(n));
} finally {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
}
const loadAfter = load();

const per100KB = (s: Sample) => s.totalMs / (s.outputBytes / 102400);
const pad = (s: string | number, w: number) => String(s).padStart(w);
console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${repeat} interleaved runs (by total), ${realtime ? 'SCHED_FIFO (BENCH_REALTIME=1), ' : ''}`
  + `output ${deleteOutput === 'keep' ? 'kept until the end' : 'deleted after each run'} (BENCH_DELETE=${deleteOutput}) in ${os.tmpdir()}, load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after\n`);
console.log(`${'mode'.padEnd(16)}${pad('N', 6)}${pad('objects', 9)}${pad('construct ms', 14)}${pad('synth ms', 10)}${pad('total ms', 10)}${pad('CPU ms', 8)}${pad('sys ms', 8)}`
  + `${pad('ms/object', 11)}${pad('KB out', 8)}${pad('ms/100KB', 10)}${pad('peak RSS MB', 13)}`);
for (const s of results) {
  console.log(`${s.mode.padEnd(16)}${pad(s.n, 6)}${pad(s.objects, 9)}${pad(s.constructMs, 14)}${pad(s.synthMs, 10)}${pad(s.totalMs, 10)}${pad(s.cpuMs, 8)}${pad(s.sysMs, 8)}`
    + `${pad((s.totalMs / s.objects).toFixed(3), 11)}${pad(Math.round(s.outputBytes / 1024), 8)}${pad(per100KB(s).toFixed(2), 10)}${pad(s.peakRssMb, 13)}`);
}
const get = (mode: string, n: number) => results.find((r) => r.mode === mode && r.n === n);
const a100 = get('architect', 100);
const a1000 = get('architect', 1000);
const b1000 = get('baseline', 1000);
const c1000 = get('architect-cdk8s', 1000);
const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
console.log('');
if (a1000) {
  console.log(`N=1000: ${(a1000.totalMs / 1000).toFixed(2)} s total (target <= 1.5 s) ${verdict(a1000.totalMs <= 1500)}`);
  console.log(`N=1000: every file written by the architect YAML writer: ${verdict(a1000.files.cdk8s === 0 && a1000.files.architect > 0)} (${a1000.files.architect} files)`);
  console.log(`N=1000: charts rendered with the fast resolve walk: ${verdict(a1000.files.fastResolveRenders >= a1000.files.architect)} (${a1000.files.fastResolveRenders})`);
  console.log(`N=1000: the main thread waited ${a1000.files.waitedForWriterMs} ms for the file-writer thread`);
  console.log(`N=1000: the charts listed without cdk8s' dependency graph: ${verdict(a1000.files.fastChartOrder >= 1)}`);
  console.log(`N=1000: of those, resolved and sanitized in one walk: ${verdict(a1000.files.sanitizedInWalk === a1000.files.fastResolveRenders)} (${a1000.files.sanitizedInWalk})`);
}
if (a1000 && b1000) {
  const ratio = per100KB(a1000) / per100KB(b1000);
  console.log(`N=1000: ${per100KB(a1000).toFixed(2)} ms/100KB vs bare cdk8s-plus-28 ${per100KB(b1000).toFixed(2)}: x${ratio.toFixed(2)} (target <= 0.5) ${verdict(ratio <= 0.5)}`);
  console.log(`N=1000: ms/object ${(a1000.totalMs / a1000.objects).toFixed(3)} vs bare cdk8s-plus-28 ${(b1000.totalMs / b1000.objects).toFixed(3)}`
    + ` (bytes/object ${(a1000.outputBytes / a1000.objects).toFixed(0)} vs ${(b1000.outputBytes / b1000.objects).toFixed(0)})`);
}
if (a1000 && c1000) {
  console.log(`N=1000: ${a1000.peakRssMb} MB peak RSS vs ${c1000.peakRssMb} MB with cdk8s' writer (target: not higher) ${verdict(a1000.peakRssMb <= c1000.peakRssMb)}`);
  console.log(`N=1000: cdk8s' writer ${(c1000.totalMs / 1000).toFixed(2)} s total, x${(c1000.totalMs / a1000.totalMs).toFixed(2)} the architect writer's`);
}
if (a100 && a1000) {
  const growth = a1000.totalMs / a100.totalMs;
  console.log(`growth 100 -> 1000: x${growth.toFixed(2)} (target <= 12) ${verdict(growth <= 12)}`);
}
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'latest.json'), JSON.stringify({ node: process.version, repeat, deleteOutput, loadBefore, loadAfter, results }, null, 2) + '\n');
