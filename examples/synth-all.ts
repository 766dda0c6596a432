/**
 * `npm run synth`: synthesizes every example in this folder into dist/<example>/, replacing what
 * was there (so a removed component leaves no stale file behind).
 *
 * `npx cdk8s synth` runs this program too (cdk8s.yaml): the cdk8s CLI names the output folder in
 * `CDK8S_OUTDIR`, and each example goes to `$CDK8S_OUTDIR/<example>/`. Example names given as
 * arguments synthesize only those.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';

export const EXAMPLES = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'synth-all.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

if (require.main === module) {
  const root = process.env.CDK8S_OUTDIR || 'dist';
  const selected = process.argv.slice(2);
  for (const name of selected.filter((n) => !EXAMPLES.includes(n))) {
    throw new Error(`unknown example ${JSON.stringify(name)}: the examples are ${EXAMPLES.join(', ')}`);
  }
  for (const name of selected.length > 0 ? selected : EXAMPLES) {
    const outdir = path.join(root, name);
    fs.rmSync(outdir, { recursive: true, force: true });
    const app = new App({ outdir });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`./${name}`).build(app);
    app.synth();
    const files = (fs.readdirSync(outdir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(outdir, f)).isFile()).length;
    console.log(`${name}: ${files} files in ${outdir}/`);
  }
}
