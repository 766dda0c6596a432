#!/usr/bin/env node
// Writes the README's install and usage blocks into a fresh project directory (argv[2]), so the
// package check runs what the README says: install.sh (the Install section's `npm install` of the
// tarball, with $TARBALL for its path, and the Usage section's `npm install`), tsconfig.json and
// main.ts (the Usage section's first json and ts blocks) and run.sh (the other Usage commands).
const fs = require('fs');
const path = require('path');

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
function section(title) {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
function block(text, lang, where) {
  const m = text.match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (!m) throw new Error(`README.md: no \`\`\`${lang} block in ${where}`);
  return m[1];
}

const install = block(section('Install'), 'sh', 'Install').split('\n').filter((l) => /^npm install .*\.tgz/.test(l));
if (install.length !== 1) throw new Error('README.md Install: expected one `npm install <tarball> ...` line');
const usage = section('Usage');
const usageSh = block(usage, 'sh', 'Usage').split('\n').filter((l) => l.trim() !== '');
const outdir = process.argv[2];
fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, 'install.sh'), [
  'set -euxo pipefail',
  install[0].replace(/\S+\.tgz/, '"$TARBALL"').replace(/^npm install /, 'npm install --no-audit --no-fund '),
  ...usageSh.filter((l) => l.startsWith('npm install ')).map((l) => l.replace(/^npm install /, 'npm install --no-audit --no-fund ')),
].join('\n') + '\n');
fs.writeFileSync(path.join(outdir, 'run.sh'), ['set -euxo pipefail', ...usageSh.filter((l) => !l.startsWith('npm install '))].join('\n') + '\n');
fs.writeFileSync(path.join(outdir, 'tsconfig.json'), block(usage, 'json', 'Usage'));
fs.writeFileSync(path.join(outdir, 'main.ts'), block(usage, 'ts', 'Usage'));
console.log(`README usage -> ${outdir}: install.sh, tsconfig.json, main.ts, run.sh`);
