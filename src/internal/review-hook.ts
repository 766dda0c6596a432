import type { IConstruct } from 'constructs';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import type { ArchitectureLintOptions, LintFinding } from '../review/lint-options';

/**
 * What the architecture asks of the review module (lint, diagram). The review module knows every
 * component class; the architecture folder depends on nothing above it, so the module registers
 * itself here when the package loads (src/review/index.ts).
 */
export interface ArchitectureReviewer {
  /** Fails (construct path, value, fix) on invalid lint options. */
  checkOptions(scope: IConstruct, options: ArchitectureLintOptions): void;
  /** The findings after severities and suppressions. */
  lint(arch: BackendArchitecture): LintFinding[];
  /** Prints the warnings and returns the errors (synth-time validation). */
  validate(arch: BackendArchitecture): string[];
  /** The Mermaid diagram. */
  diagram(arch: BackendArchitecture): string;
}

let reviewer: ArchitectureReviewer | undefined;

export function setArchitectureReviewer(r: ArchitectureReviewer): void {
  reviewer = r;
}

export function architectureReviewer(): ArchitectureReviewer {
  if (!reviewer) throw new Error('cdk8s-architect: the review module is not loaded; import the package itself ("cdk8s-architect"), not one of its files');
  return reviewer;
}
