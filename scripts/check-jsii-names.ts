/**
 * Names as the binding languages see them (run after `jsii` by `npx projen compile`).
 *
 * jsii's own `reserved-word` warning (silenced in the compile task) fires on every name that is a
 * keyword somewhere, even where the binding renders it unchanged: a `namespace` property becomes
 * `Namespace` in C# and Go and `getNamespace()` in Java; C# takes a `namespace` parameter as the
 * verbatim identifier `@namespace`. This check fails only on the names a binding has to change or
 * that break a binding's calls:
 * - a parameter whose name differs from the interface or base-class method it implements (Python
 *   keyword calls and protocol checks use the interface's names), or that starts with `_`;
 * - a method, property or parameter named after a Python keyword (Python renames it `name_`);
 * - a method named after a Java keyword (Java renames `boolean()` to `doBoolean()`).
 */
import * as fs from 'fs';
import * as path from 'path';

interface Param { name: string }
interface Method { name: string; parameters?: Param[]; static?: boolean }
interface Type {
  fqn: string;
  kind: string;
  base?: string;
  interfaces?: string[];
  methods?: Method[];
  properties?: { name: string }[];
  initializer?: { parameters?: Param[] };
}

// Python keywords (jsii's list also holds builtins such as `type`, which Python does not rename) and
// Java keywords (jsii-pacmak prefixes a method named after one with `do`).
const PYTHON_KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);
const JAVA_KEYWORDS = new Set(['abstract', 'assert', 'boolean', 'break', 'byte', 'case', 'catch', 'char', 'class', 'const',
  'continue', 'default', 'do', 'double', 'else', 'enum', 'extends', 'false', 'final', 'finally', 'float', 'for', 'goto', 'if',
  'implements', 'import', 'instanceof', 'int', 'interface', 'long', 'native', 'new', 'null', 'package', 'private', 'protected',
  'public', 'return', 'short', 'static', 'strictfp', 'super', 'switch', 'synchronized', 'this', 'throw', 'throws', 'transient',
  'true', 'try', 'void', 'volatile', 'while']);

const assembly = JSON.parse(fs.readFileSync(path.join(process.cwd(), '.jsii'), 'utf8')) as { types: Record<string, Type> };
const types = assembly.types;
const problems: string[] = [];

/** Every interface and base class a type inherits members from. */
function supertypes(fqn: string, acc: string[] = []): string[] {
  const t = types[fqn];
  if (!t) return acc; // a dependency's type (cdk8s, constructs): not ours to check
  for (const s of [...(t.interfaces ?? []), ...(t.base ? [t.base] : [])]) {
    if (!acc.includes(s)) acc.push(s);
    supertypes(s, acc);
  }
  return acc;
}

for (const t of Object.values(types)) {
  for (const p of t.properties ?? []) {
    if (PYTHON_KEYWORDS.has(p.name)) problems.push(`${t.fqn}.${p.name}: a Python keyword (Python renames it ${p.name}_)`);
  }
  const callables: Array<[string, Param[]]> = (t.methods ?? []).map((m) => [m.name, m.parameters ?? []]);
  if (t.initializer) callables.push(['constructor', t.initializer.parameters ?? []]);
  for (const [name, params] of callables) {
    const where = `${t.fqn}.${name}`;
    if (PYTHON_KEYWORDS.has(name)) problems.push(`${where}: a Python keyword (Python renames it ${name}_)`);
    if (JAVA_KEYWORDS.has(name) && name !== 'constructor') problems.push(`${where}: a Java keyword (Java renames it do${name[0].toUpperCase()}${name.slice(1)})`);
    for (const p of params) {
      if (p.name.startsWith('_')) problems.push(`${where}(${p.name}): a parameter name starting with _ is what Python keyword callers must type`);
      if (PYTHON_KEYWORDS.has(p.name)) problems.push(`${where}(${p.name}): a Python keyword (Python renames it ${p.name}_)`);
    }
  }
  for (const m of t.methods ?? []) {
    if (m.static) continue;
    for (const s of supertypes(t.fqn)) {
      for (const sm of types[s]?.methods ?? []) {
        if (sm.name !== m.name) continue;
        const mine = (m.parameters ?? []).map((p) => p.name).join(', ');
        const theirs = (sm.parameters ?? []).map((p) => p.name).join(', ');
        if (mine !== theirs) problems.push(`${t.fqn}.${m.name}(${mine}) implements ${s}.${sm.name}(${theirs}): name the parameters as the interface does`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`${problems.length} name(s) the binding languages cannot use as written:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`jsii names: ${Object.keys(types).length} types checked for the binding languages`);
