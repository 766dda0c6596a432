import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { renderMermaid } from './diagram';
import { applyLintOptions, formatFinding, lintModel, lintOptionProblems, unusedSuppressions } from './lint';
import { ArchitectureLintOptions, LintFinding, LintSeverity } from './lint-options';
import { ArchitectureModel, buildModel } from './model';
import { BackendArchitecture } from '../architecture/backend-architecture';
import { fail } from '../internal/errors';
import { sideFilesDir } from '../internal/helm';
import { ArchitectureReviewer, setArchitectureReviewer } from '../internal/review-hook';

/** The model file the cdk8s validation plugin reads (./plugin), written beside the manifests when cdk8s-cli runs validations. */
const MODEL_FILE_SUFFIX = '.architecture-model.json';

/** The model, built once the architecture is final (its extensions finalized). */
const models = new WeakMap<BackendArchitecture, ArchitectureModel>();
function modelOf(arch: BackendArchitecture): ArchitectureModel {
  let m = models.get(arch);
  if (!m) {
    m = buildModel(arch);
    models.set(arch, m);
  }
  return m;
}

/** The model with the architecture's lint options, as the plugin reads it. */
export interface ModelFile extends ArchitectureModel {
  readonly lint: ArchitectureLintOptions;
}

const reviewer: ArchitectureReviewer = {
  checkOptions(scope: IConstruct, options: ArchitectureLintOptions): void {
    const problems = lintOptionProblems(options);
    if (problems.length > 0) fail(scope, problems.join('; '), 'use LintRule values and give every suppression its reason');
  },
  lint(arch: BackendArchitecture): LintFinding[] {
    return applyLintOptions(lintModel(modelOf(arch)), arch._lintOptions);
  },
  validate(arch: BackendArchitecture): string[] {
    const raw = lintModel(modelOf(arch));
    const findings = applyLintOptions(raw, arch._lintOptions);
    for (const f of findings.filter((x) => x.severity === LintSeverity.WARNING)) {
      process.stderr.write(`warning: ${formatFinding(f)}\n`);
    }
    for (const s of unusedSuppressions(raw, arch._lintOptions)) {
      process.stderr.write(`warning: [${arch.node.path}] the lint suppression of ${s.rule}${s.path ? ` for ${JSON.stringify(s.path)}` : ''} matches no finding. Fix: remove it\n`);
    }
    return findings.filter((f) => f.severity === LintSeverity.ERROR).map(formatFinding);
  },
  diagram(arch: BackendArchitecture): string {
    return renderMermaid(modelOf(arch));
  },
};
setArchitectureReviewer(reviewer);

/**
 * `App.synth()` also writes `<outdir>/<architecture>.mmd` for every architecture (unless its
 * `diagram` option is false), after the manifests and only when the synthesis succeeded; and,
 * when the cdk8s CLI runs validation plugins (it sets CDK8S_RECORD_CONSTRUCT_METADATA and cdk8s
 * writes construct-metadata.json), the model the lint plugin checks.
 */
const WRAPPED = Symbol.for('cdk8s-architect.review.synth');
const proto = App.prototype as unknown as Record<symbol, unknown> & { synth: (this: App) => void };
if (!proto[WRAPPED]) {
  const synth = proto.synth;
  proto.synth = function reviewSynth(this: App): void {
    synth.call(this);
    const recordModel = process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
    for (const c of this.node.findAll()) {
      if (!BackendArchitecture.isBackendArchitecture(c)) continue;
      const arch = c as BackendArchitecture;
      // under a Helm chart, beside templates/ (./internal/helm): they are no Kubernetes objects
      const dir = sideFilesDir(this.outdir);
      if (dir !== this.outdir) fs.mkdirSync(dir, { recursive: true });
      if (arch._writesDiagram) fs.writeFileSync(path.join(dir, `${arch.name}.mmd`), arch.diagram());
      if (recordModel) {
        const file: ModelFile = { ...modelOf(arch), lint: arch._lintOptions };
        fs.writeFileSync(path.join(dir, `${arch.name}${MODEL_FILE_SUFFIX}`), `${JSON.stringify(file, undefined, 2)}\n`);
      }
    }
  };
  proto[WRAPPED] = true;
}
