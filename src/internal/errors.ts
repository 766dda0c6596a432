import { IConstruct } from 'constructs';

/**
 * Throws the library's standard synth-time error: the construct path, what is wrong (with the
 * offending value) and how to fix it. Every validation in the library goes through here so the
 * messages read alike.
 */
export function fail(scope: IConstruct, problem: string, fix: string): never {
  throw new Error(`[${scope.node.path}] ${problem}. Fix: ${fix}`);
}

/** JSON-ish rendering of a bad value for error messages. */
export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
