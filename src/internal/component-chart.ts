import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, ChartProps, DependencyGraph, Names, Yaml, YamlOutputType } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { withFastResolve } from './fast-resolve';
import { BackgroundFileWriter, writeFileNow } from './file-writer';
import { escapeHelmTemplate, helmChartOf } from './helm';
import { CANARY_DOCUMENTS, stringifyDocuments, UnsupportedValue } from './yaml-writer';

/** Charts whose app was validated (and had its dependencies resolved) by the current synth pass. */
const freshlyValidated = new WeakSet<Chart>();

/**
 * The chart of one component. It renders exactly like a plain cdk8s Chart, but avoids the
 * quadratic cost of `App.synth()` with many charts: cdk8s' `Chart.toJson()` re-validates and
 * re-resolves the *whole app* for every chart, although `App.synth()` has just done both. A
 * validation hook marks the chart when the app is validated; the next `toJson()` then renders the
 * chart directly (the same dependency-ordered objects cdk8s would render) and clears the mark.
 * Any other call, e.g. `Testing.synth(chart)`, takes cdk8s' own full path.
 *
 * The objects it renders are written to their files by our own YAML writer (see `./yaml-writer`
 * and `installYamlWriter` below), which writes the same bytes as cdk8s' several times faster.
 */
export class ComponentChart extends Chart {
  /** Called with the documents each time the chart renders (the GitOps secrets inventory reads them). */
  public onRender?: (docs: readonly any[]) => void;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    installYamlWriter();
    // One folder per chart: `<outdir>/<chart>/<chart>.k8s.yaml` instead of `<outdir>/<chart>.k8s.yaml`
    // (a GitOps tool points at a folder; see src/gitops). Only for a chart at the App's root written
    // one file per chart, which is how a BackendArchitecture's charts are written. Under a Helm
    // chart (`cdk8s synth --format helm`) the file's Go template delimiters are escaped (./helm).
    const app = this.node.scope;
    if (app instanceof App && app.yamlOutputType === YamlOutputType.FILE_PER_CHART) {
      const file = `${Names.toDnsLabel(this)}${app.outputFileExtension}`;
      const helm = helmChartOf(app.outdir) !== undefined;
      chartFiles.set(path.join(app.outdir, file), { filePath: path.join(app.outdir, this.folder, file), helm });
    }
    this.node.addValidation({
      validate: () => {
        freshlyValidated.add(this);
        return [];
      },
    });
  }

  /** The folder (below the App's outdir) the chart's file is written to. */
  public get folder(): string {
    return this.node.id;
  }

  /**
   * Marks a chart created while the app is being validated (it was not in the tree the validation
   * walked) as validated, so rendering it does not validate the whole app again.
   */
  public markValidated(): void {
    freshlyValidated.add(this);
  }

  public toJson(): any[] {
    const docs = this.render();
    this.onRender?.(docs);
    return docs;
  }

  private render(): any[] {
    if (freshlyValidated.delete(this)) {
      const objects = this.apiObjectsInOrder();
      if (objects.length === 0) return ownDocuments([]);
      const render = () => objects.map((o) => o.toJson());
      // `CDK8S_ARCHITECT_YAML_WRITER=cdk8s` renders with cdk8s' own resolve too (for comparison)
      return ownDocuments(architectWriterSelected() ? withFastResolve(App.of(this), objects[0], render) : render());
    }
    const json = super.toJson();
    // super.toJson() validated the whole app, which marked every chart: forget those marks, so a
    // later direct call still validates.
    for (const c of this.node.root.node.findAll()) {
      if (c instanceof ComponentChart) freshlyValidated.delete(c);
    }
    return ownDocuments(json);
  }

  /**
   * The chart's own ApiObjects in the order cdk8s renders them: the topology of the chart's
   * DependencyGraph. When no construct of the chart has a dependency, that graph has no edges and
   * its topology is the construction order (`findAll()`, pre-order), which is taken directly: the
   * graph computes every construct's path, which costs more than rendering small charts.
   */
  private apiObjectsInOrder(): ApiObject[] {
    const all = this.node.findAll();
    const ownObject = (x: IConstruct): x is ApiObject => x instanceof ApiObject && Chart.of(x) === this;
    for (const c of all) {
      if (c.node.dependencies.length > 0) return new DependencyGraph(this.node).topology().filter(ownObject);
    }
    return all.filter(ownObject);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing the files
//
// `App.synth()` writes every file with `Yaml.save(file, Object.values(chart.toJson()))` and offers
// no hook, so `Yaml.save` is wrapped (once, when the first ComponentChart is created): a call whose
// documents are all objects rendered by a ComponentChart is written by our writer; any other call
// (other charts, FOLDER_PER_CHART_FILE_PER_RESOURCE, which bypasses Chart.toJson) and any data the
// writer refuses go to cdk8s' own `Yaml.save`, unchanged. Nothing is wrapped if the writer does not
// write the canary documents exactly as this cdk8s does (another version of its `yaml` package).
// `App.synth()` is wrapped too, so that our files are written on a background thread while the
// next charts render, and every write is finished (or its error thrown) before synth returns.

/**
 * Environment variable selecting the writer: `cdk8s` for cdk8s' own (for comparison), which also
 * resolves the objects' values with cdk8s' own `resolve` instead of `./fast-resolve`.
 */
export const YAML_WRITER_ENV = 'CDK8S_ARCHITECT_YAML_WRITER';

/**
 * Files written by each path since the process started (`onWriteThread`: those of our writer
 * written by the background thread), and whether our writer agreed with cdk8s' on the canary
 * documents (for tests and the benchmark).
 */
export const yamlWriterStats = { architect: 0, cdk8s: 0, agreesWithCdk8s: false, onWriteThread: 0 };

const rendered = new WeakSet<object>();

/**
 * The default path of each ComponentChart's file (`<outdir>/<chart>.k8s.yaml`), where it goes
 * instead, and whether it is a Helm chart's template.
 */
const chartFiles = new Map<string, { readonly filePath: string; readonly helm: boolean }>();

/** What runs once `App.synth()` has written the charts of an app (before it waits for the writes). */
const afterSynthHooks = new WeakMap<App, Array<(write: (filePath: string, data: string) => void) => void>>();

/**
 * Runs `hook` at the end of every successful `app.synth()`, with a function that writes a file the
 * way the charts' files are written (on the background thread, waited for before synth returns).
 */
export function afterSynth(app: App, hook: (write: (filePath: string, data: string) => void) => void): void {
  installYamlWriter();
  const hooks = afterSynthHooks.get(app) ?? [];
  hooks.push(hook);
  afterSynthHooks.set(app, hooks);
}

function writeFile(filePath: string, data: string): void {
  if (synthWriter) {
    synthWriter.write(filePath, data);
    yamlWriterStats.onWriteThread++;
  } else {
    writeFileNow(filePath, data);
  }
}

function ownDocuments(docs: any[]): any[] {
  for (const d of docs) {
    if (d !== null && typeof d === 'object') rendered.add(d);
  }
  return docs;
}

/** Whether our writer is selected (the default) or cdk8s' (`CDK8S_ARCHITECT_YAML_WRITER=cdk8s`). */
function architectWriterSelected(): boolean {
  const v = process.env[YAML_WRITER_ENV];
  if (v === undefined || v === '' || v === 'architect') return true;
  if (v === 'cdk8s') return false;
  throw new Error(`${YAML_WRITER_ENV}=${JSON.stringify(v)} is not a YAML writer. Fix: set it to "architect" (the default) or "cdk8s"`);
}

/**
 * YAML text for configuration files the library embeds in ConfigMaps (Prometheus rules, collector
 * and gateway configurations): the same bytes as cdk8s' `Yaml.stringify(...docs)`, written by our
 * writer when it writes cdk8s' canary documents identically and is selected, else by cdk8s'.
 */
export function stringifyYaml(...docs: unknown[]): string {
  if (architectWriterSelected() && writerAgrees()) {
    try {
      return stringifyDocuments(docs);
    } catch (e) {
      if (!(e instanceof UnsupportedValue)) throw e;
    }
  }
  return Yaml.stringify(...docs);
}

let agrees: boolean | undefined;

function writerAgrees(): boolean {
  if (agrees === undefined) agrees = writesLikeCdk8s();
  return agrees;
}

let installed = false;

function installYamlWriter(): void {
  if (installed) return;
  installed = true;
  // another `yaml` inside another cdk8s could write other bytes: then keep cdk8s' writer
  // (the Yaml.save wrapper still puts each chart's file in its folder: see ComponentChart)
  yamlWriterStats.agreesWithCdk8s = writerAgrees();
  const cdk8sSave = Yaml.save;
  Yaml.save = function save(defaultPath: string, docs: any[]): void {
    const target = chartFiles.get(defaultPath);
    const filePath = target?.filePath ?? defaultPath;
    // our writer creates a missing folder on its thread; cdk8s' writer needs it to exist
    const ensureFolder = () => {
      if (filePath !== defaultPath) fs.mkdirSync(path.dirname(filePath), { recursive: true });
    };
    if (yamlWriterStats.agreesWithCdk8s && architectWriterSelected() && docs.every((d) => rendered.has(d))) {
      let data: string | undefined;
      try {
        data = stringifyDocuments(docs);
      } catch (e) {
        if (!(e instanceof UnsupportedValue)) throw e;
      }
      if (data !== undefined) {
        writeFile(filePath, target?.helm ? escapeHelmTemplate(data) : data);
        yamlWriterStats.architect++;
        return;
      }
    }
    yamlWriterStats.cdk8s++;
    // keep the order of writes to one path (FILE_PER_RESOURCE can write a file name twice)
    synthWriter?.flush();
    ensureFolder();
    if (target?.helm) {
      // cdk8s' Yaml.save writes Yaml.stringify(...docs)
      writeFileNow(filePath, escapeHelmTemplate(Yaml.stringify(...docs)));
    } else {
      cdk8sSave.call(this ?? Yaml, filePath, docs);
    }
  };

  installChartOrder();

  // During `App.synth()` our files are written on a background thread (./file-writer), and synth
  // returns (or throws) only once every file is on disk.
  const appSynth = App.prototype.synth;
  App.prototype.synth = function synth(this: App): void {
    if (synthPass !== undefined) {
      // a synth inside a synth: the outer one flushes
      appSynth.call(this);
      for (const hook of afterSynthHooks.get(this) ?? []) hook(writeFile);
      return;
    }
    const writer = BackgroundFileWriter.get();
    synthWriter = writer;
    synthPass = ++synthPasses;
    let failed = true;
    try {
      appSynth.call(this);
      for (const hook of afterSynthHooks.get(this) ?? []) hook(writeFile);
      failed = false;
    } finally {
      synthWriter = undefined;
      synthPass = undefined;
      if (writer) {
        try {
          writer.flush();
        } catch (e) {
          // synth's own error, if any, is the one to report
          if (!failed) throw e;
        }
      }
    }
  };
}

/**
 * `App.charts` (the charts in the order `App.synth()` writes them) without building cdk8s'
 * `DependencyGraph` of the whole app when that graph has no edges, which is the usual case: the
 * graph computes the path of every construct of the app (11 000 at the benchmark's N = 1000):
 * 120 ms of its synthesis under the profiler, 21 ms this way (bench/README.md, 2026-12-07).
 *
 * Without a single dependency in the tree, every construct is a root of cdk8s' graph and its
 * topology lists them in the order of the object keyed by construct path that the graph builds
 * (`findAll()` pre-order, except that keys which are array indexes come first, ascending). The fast
 * path takes that order directly when no construct has a dependency and no path is an array index
 * (a construct with a numeric id at the app's root); otherwise, and with
 * `CDK8S_ARCHITECT_YAML_WRITER=cdk8s`, cdk8s' own getter runs. Either way the result is the list
 * cdk8s returns (test/chart-order.test.ts compares both on every example and on the cases that
 * take cdk8s' path; test/yaml-writer-examples.test.ts compares the bytes of one file per app,
 * written in this order, with cdk8s').
 */
function installChartOrder(): void {
  const cdk8sCharts = Object.getOwnPropertyDescriptor(App.prototype, 'charts')?.get;
  if (!cdk8sCharts) return;
  Object.defineProperty(App.prototype, 'charts', {
    configurable: true,
    enumerable: false,
    get(this: App): Chart[] {
      // `CDK8S_ARCHITECT_YAML_WRITER=cdk8s`: cdk8s' own path, for comparison
      if (!architectWriterSelected()) return cdk8sCharts.call(this);
      // only the app's children have one-component paths (their ids); deeper paths contain a "/"
      if (this.node.children.some((c) => isArrayIndex(c.node.id))) return cdk8sCharts.call(this);
      const all = this.node.findAll();
      for (const c of all) {
        if (c.node.dependencies.length > 0) return cdk8sCharts.call(this);
      }
      chartOrderStats.fast++;
      return all.filter((c): c is Chart => c instanceof Chart);
    },
  });
}

/** `App.charts` calls answered without cdk8s' DependencyGraph since the process started (for tests and the benchmark). */
export const chartOrderStats = { fast: 0 };

/** Whether a property key is an array index, which JavaScript orders before the other keys of an object. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

/** The background writer of the `App.synth()` in progress, if any. */
let synthWriter: BackgroundFileWriter | undefined;

/** The number of the `App.synth()` in progress (`undefined` outside of one), and how many began. */
let synthPass: number | undefined;
let synthPasses = 0;

/**
 * `produce`, computed once per `App.synth()`: for a synth-time value that several objects of a
 * synth embed (a configuration file and the hash of it in a pod annotation). The graph cannot
 * change during a synth; outside of one (`Testing.synth(chart)`, `chart.toJson()`) every call
 * computes the value anew, so a graph changed between two synths is never served stale.
 */
export function oncePerSynth<T>(produce: () => T): () => T {
  let pass: number | undefined;
  let value: T;
  return () => {
    if (synthPass === undefined) return produce();
    if (pass !== synthPass) {
      value = produce();
      pass = synthPass;
    }
    return value;
  };
}

function writesLikeCdk8s(): boolean {
  try {
    return stringifyDocuments(CANARY_DOCUMENTS) === Yaml.stringify(...CANARY_DOCUMENTS);
  } catch {
    return false;
  }
}
