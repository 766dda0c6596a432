import * as fs from 'fs';
import * as path from 'path';

// `cdk8s synth --format helm` writes `<chart>/Chart.yaml`, then runs the program with
// CDK8S_OUTDIR=<chart>/templates. Helm renders every file below templates/ as a Go template and
// reads the result as Kubernetes objects, so under a chart the synthesis writes its manifests with
// Helm's template delimiters escaped, and the files that are no Kubernetes objects (diagram, model,
// secrets inventory) beside templates/ instead of in it; the kustomization files are left out.

const charts = new Map<string, string | undefined>();

/** The Helm chart (the folder of Chart.yaml) whose templates/ holds `outdir`, if any. */
export function helmChartOf(outdir: string): string | undefined {
  const start = path.resolve(outdir);
  if (charts.has(start)) return charts.get(start);
  let chart: string | undefined;
  for (let dir = start; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (path.basename(dir) === 'templates' && fs.existsSync(path.join(path.dirname(dir), 'Chart.yaml'))) {
      chart = path.dirname(dir);
      break;
    }
  }
  charts.set(start, chart);
  return chart;
}

/**
 * Where the files that are no Kubernetes objects go: `outdir` itself, or under a Helm chart the
 * same path outside templates/ (`<chart>/templates/x` -> `<chart>/x`).
 */
export function sideFilesDir(outdir: string): string {
  const chart = helmChartOf(outdir);
  if (!chart) return outdir;
  return path.join(chart, path.relative(path.join(chart, 'templates'), path.resolve(outdir)));
}

/** The text with every `{{` written as a Helm action that outputs `{{`: Helm renders it unchanged. */
export function escapeHelmTemplate(text: string): string {
  return text.split('{{').join('{{ "{{" }}');
}
