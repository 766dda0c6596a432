/**
 * One benchmark measurement, in its own process so peak RSS belongs to it alone.
 * Usage: child.ts <architect|architect-cdk8s|baseline> <N> <outdir>
 * (architect-cdk8s: the same program rendered the way cdk8s renders it, with its own YAML writer and
 * its own resolve, CDK8S_ARCHITECT_YAML_WRITER=cdk8s)
 * Prints one JSON line: { mode, n, objects, outputBytes, constructMs, synthMs, totalMs, cpuMs, sysMs,
 * peakRssMb, files } (cpuMs: user + system CPU time of construct + synth, which other processes on
 * the machine disturb less than the wall-clock times; sysMs: its system part, mostly creating the
 * files; files: how many files each YAML writer wrote, and how many charts were rendered with the
 * fast resolve walk of src/internal/fast-resolve, and of those how many sanitized in the same walk;
 * fastChartOrder: how many `App.charts` calls were answered without cdk8s' dependency graph).
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { build } from '../examples/reference-architecture';
import { chartOrderStats, YAML_WRITER_ENV, yamlWriterStats } from '../src/internal/component-chart';
import { fastResolveStats } from '../src/internal/fast-resolve';
import { fileWriterStats } from '../src/internal/file-writer';
import * as arch from 'cdk8s-architect';

const [mode, nArg, outdir] = process.argv.slice(2);
const n = Number(nArg);
if (mode === 'architect-cdk8s') process.env[YAML_WRITER_ENV] = 'cdk8s';

function architect(app: App): void {
  const { shop, services } = build(app);
  const [, orders, , catalog] = services;
  let previous: arch.Microservice | undefined;
  for (let i = 0; i < n; i++) {
    const svc = new arch.Microservice(shop, `extra-${i}`, {
      image: `ghcr.io/acme/extra-${i}:1.0.${i}`,
      context: `context-${i % 20}`,
      team: `team-${i % 7}`,
    });
    // a couple of bindings each: a core service and the previous extra service
    svc.uses(i % 2 === 0 ? orders : catalog);
    if (previous) svc.uses(previous);
    previous = svc;
  }
}

function baseline(app: App): void {
  const chart = new Chart(app, 'baseline');
  for (let i = 0; i < n + 5; i++) {
    const d = new kplus.Deployment(chart, `svc-${i}`, {
      containers: [{ image: `ghcr.io/acme/extra-${i}:1.0.${i}`, portNumber: 8080 }],
    });
    d.exposeViaService({ ports: [{ port: 8080 }] });
  }
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const app = new App({ outdir });
if (mode === 'architect' || mode === 'architect-cdk8s') architect(app);
else if (mode === 'baseline') baseline(app);
else throw new Error(`unknown mode ${mode}`);
const t1 = performance.now();
app.synth();
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
// before counting the objects below, which lists the charts again
const fastChartOrder = chartOrderStats.fast;
let objects = 0;
for (const chart of app.charts) objects += chart.node.findAll().filter((c) => c instanceof ApiObject).length;
// the output is a tree (a folder per component): count every file in it
const outputBytes = (fs.readdirSync(outdir, { recursive: true }) as string[])
  .map((f) => fs.statSync(path.join(outdir, f)))
  .reduce((sum, s) => sum + (s.isFile() ? s.size : 0), 0);
console.log(JSON.stringify({
  mode,
  n,
  objects,
  outputBytes,
  constructMs: Math.round(t1 - t0),
  synthMs: Math.round(t2 - t1),
  totalMs: Math.round(t2 - t0),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  sysMs: Math.round(cpu.system / 1000),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  files: {
    ...yamlWriterStats,
    fastResolveRenders: fastResolveStats.renders,
    sanitizedInWalk: fastResolveStats.sanitizedInWalk,
    waitedForWriterMs: Math.round(fileWriterStats.waitMs),
    fastChartOrder,
  },
}));
