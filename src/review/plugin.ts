import * as fs from 'fs';
import * as path from 'path';
import { applyLintOptions, lintModel } from './lint';
import { LintSeverity } from './lint-options';
import type { ModelFile } from './reviewer';
import { sideFilesDir } from '../internal/helm';

const MODEL_FILE_SUFFIX = '.architecture-model.json';

/** Properties of the {@link ArchitectureLintPlugin} (the `properties` of its `validations:` entry in cdk8s.yaml). */
export interface ArchitectureLintPluginProps {
  /**
   * Fail the validation on warnings too (on top of the program's own `lint` options).
   * @default false
   */
  readonly warningsAsErrors?: boolean;
}

/**
 * The architecture lint as a cdk8s validation plugin, so `cdk8s synth` reports it with the other
 * validations:
 *
 * ```yaml
 * validations:
 *   - package: cdk8s-architect
 *     version: 0.0.0            # or a local path: ./node_modules/cdk8s-architect
 *     class: ArchitectureLintPlugin
 *     properties: { warningsAsErrors: false }
 * ```
 *
 * When the cdk8s CLI runs validations, the synthesis writes each architecture's model
 * (`<architecture>.architecture-model.json`, beside cdk8s' own `construct-metadata.json`); the
 * plugin checks it with the same rules and the program's suppressions, and reports every finding
 * with the construct path and the fix. Errors (and warnings with `warningsAsErrors`) fail the report.
 */
export class ArchitectureLintPlugin {
  private readonly warningsAsErrors: boolean;

  constructor(props: ArchitectureLintPluginProps = {}) {
    this.warningsAsErrors = props.warningsAsErrors ?? false;
  }

  /**
   * Runs the lint over the architectures synthesized next to `context.manifests` (the cdk8s CLI's
   * `ValidationContext`) and submits the report.
   * @param context the cdk8s CLI's ValidationContext
   */
  public async validate(context: any): Promise<void> {
    const manifests: string[] = [...(context.manifests ?? [])];
    // an architecture writes its manifests to `<outdir>/<component>/` and its model to `<outdir>/`
    // (under a Helm chart, `<chart>/templates/...` and the same path outside templates/)
    const dirs = [...new Set(manifests.flatMap((m) => [path.dirname(m), path.dirname(path.dirname(m))]))].sort();
    const models: Array<{ model: ModelFile; outdir: string }> = [];
    for (const outdir of dirs) {
      const dir = sideFilesDir(outdir);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(MODEL_FILE_SUFFIX)).sort()) {
        models.push({ model: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ModelFile, outdir });
      }
    }
    let failed = false;
    let errors = 0;
    let warnings = 0;
    for (const { model, outdir } of models) {
      const findings = applyLintOptions(lintModel(model), { ...model.lint, warningsAsErrors: this.warningsAsErrors || model.lint.warningsAsErrors });
      for (const f of findings) {
        const component = model.components.find((c) => f.path === c.path || f.path.startsWith(`${c.path}/`));
        const manifest = path.join(outdir, component?.manifest ?? `${model.name}-namespaces/${model.name}-namespaces.k8s.yaml`);
        if (f.severity === LintSeverity.ERROR) {
          failed = true;
          errors++;
        } else {
          warnings++;
        }
        context.report.addViolation({
          ruleName: `${f.rule} (${f.severity})`,
          recommendation: f.message,
          fix: f.fix,
          violatingResources: [{ resourceName: f.path, locations: [f.path], manifestPath: manifest }],
        });
      }
    }
    if (models.length === 0) {
      context.logger?.log(`cdk8s-architect: no ${MODEL_FILE_SUFFIX} next to the manifests (the program synthesizes no BackendArchitecture, or runs without CDK8S_RECORD_CONSTRUCT_METADATA)`);
    }
    context.report.submit(failed ? 'failure' : 'success', {
      architectures: String(models.length),
      errors: String(errors),
      warnings: String(warnings),
    });
  }
}
