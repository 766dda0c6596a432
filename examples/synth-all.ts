/**
 * `npm run synth`: synthesizes every example in this folder into dist/<example>/, replacing what
 * was there (so a removed component leaves no stale file behind).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';

export const EXAMPLES = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'synth-all.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

if (require.main === module) {
  for (const name of EXAMPLES) {
    const outdir = path.join('dist', name);
    fs.rmSync(outdir, { recursive: true, force: true });
    const app = new App({ outdir });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(`./${name}`).build(app);
    app.synth();
    const files = fs.readdirSync(outdir).length;
    console.log(`${name}: ${files} files in ${outdir}/`);
  }
}
