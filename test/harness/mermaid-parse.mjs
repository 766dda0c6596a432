// Parses Mermaid files with the real Mermaid parser (npm `mermaid`, an ES module that needs a DOM:
// jsdom provides it) and prints one JSON line per file: { file, ok, type, error }. Run by
// test/diagram.test.ts in a plain Node process (jest's CommonJS runtime cannot import mermaid).
import { readFileSync } from 'fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ['Element', 'HTMLElement', 'SVGElement', 'Node', 'DOMParser', 'MutationObserver']) {
  if (!(k in globalThis)) globalThis[k] = dom.window[k];
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(JSON.stringify({ file, ok: true, type: r.diagramType }));
  } catch (e) {
    failed++;
    console.log(JSON.stringify({ file, ok: false, error: String(e.message ?? e) }));
  }
}
process.exit(failed === 0 ? 0 : 1);
