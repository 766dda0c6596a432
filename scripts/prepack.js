#!/usr/bin/env node
// `npm pack` / `npm publish` guard (package.json "prepack"): the package is jsii's output (lib/ and
// .jsii), which a fresh clone does not have. Without it npm would silently pack a package with no code.
const fs = require('fs');
const missing = ['.jsii', 'lib/index.js', 'lib/index.d.ts'].filter((f) => !fs.existsSync(f));
if (missing.length > 0) {
  console.error(`cdk8s-architect: cannot pack, ${missing.join(', ')} missing (jsii has not compiled this checkout).\n` +
    'Run: npm ci && npx projen compile && npm pack   (or: npx projen package, which writes packages/js/cdk8s-architect-<version>.tgz)');
  process.exit(1);
}
const jsii = fs.statSync('.jsii').mtimeMs;
const stale = fs.readdirSync('src', { recursive: true })
  .filter((f) => String(f).endsWith('.ts') && fs.statSync(`src/${f}`).mtimeMs > jsii);
if (stale.length > 0) {
  console.error(`cdk8s-architect: cannot pack, src/ changed after the last compile (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}).\n` +
    'Run: npx projen compile && npm pack');
  process.exit(1);
}
