/**
 * One benchmark measurement, in its own process so peak RSS belongs to it alone.
 * Usage: child.ts <architect|baseline> <N> <outdir>
 * Prints one JSON line: { mode, n, objects, outputBytes, constructMs, synthMs, totalMs, peakRssMb }.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { build } from '../examples/reference-architecture';
import * as arch from 'cdk8s-architect';

const [mode, nArg, outdir] = process.argv.slice(2);
const n = Number(nArg);

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

const t0 = performance.now();
const app = new App({ outdir });
if (mode === 'architect') architect(app);
else if (mode === 'baseline') baseline(app);
else throw new Error(`unknown mode ${mode}`);
const t1 = performance.now();
app.synth();
const t2 = performance.now();
let objects = 0;
for (const chart of app.charts) objects += chart.node.findAll().filter((c) => c instanceof ApiObject).length;
const outputBytes = fs.readdirSync(outdir).reduce((sum, f) => sum + fs.statSync(path.join(outdir, f)).size, 0);
console.log(JSON.stringify({
  mode,
  n,
  objects,
  outputBytes,
  constructMs: Math.round(t1 - t0),
  synthMs: Math.round(t2 - t1),
  totalMs: Math.round(t2 - t0),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
