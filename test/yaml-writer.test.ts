import * as path from 'path';
import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import {
  mayReadAsOtherType, readsAsOtherType, stringifyDocuments, stringScalar, stringScalarByRules, UnsupportedValue,
} from '../src/internal/yaml-writer';

/**
 * The writer must write exactly the bytes of cdk8s' `Yaml.stringify(...docs)` (the `yaml` package
 * with cdk8s' options), for any JSON-shaped documents. Checked against cdk8s itself on random
 * documents built to hit every rule of the `yaml` stringifier, and by parsing the output back.
 */

// the `yaml` package exactly as cdk8s resolves it (same copy, same version)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

// ---------------------------------------------------------------------------------------------
// Adversarial strings

/** Pieces that trigger the stringifier's rules, alone or combined. */
const ATOMS: string[] = [
  // read back as other types in YAML 1.1 (bool, null, int, float, sexagesimal, timestamp, merge)
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF',
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '~', '',
  '0', '-0', '+1', '007', '0755', '08', '0o17', '0b1010', '0x1F', '0x1f', '-0x1f', '1_000', '12', '-12',
  '1.5', '.5', '1.', '.', '-.', '+.', '1e3', '1E3', 'e3', 'E3', '1.5e-7', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
  '12:30', '1:02:03', '-1:30', '190:20:30.15', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5', '2002-12-14T21:59:43Z', '<<', '=', 'inf', 'nan',
  // document markers and directives
  '---', '...', '%YAML', '--- x', '... x',
  // indicators, at the start, alone, or followed by a space
  '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
  '- ', '? ', ': ', ' #', '#x', ' :', 'a:', 'a: b', 'a #b', 'a#b', '-a', '?a', ':a',
  // whitespace and line breaks
  ' ', '  ', '\t', '\n', '\n\n', ' \n', '\n ', '\t\n', '\n\t', '\r', '\r\n',
  // escapes, control characters, unicode, lone surrogates
  '\\', '\\n', '\x00', '\x07', '\x08', '\x0b', '\x1b', '\x1f', '\x7f', '\x85', '\x9f', '\xa0',
  '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', 'é', 'ß', '中文', '😀', '𝄞',
  // ordinary text
  'a', 'x', 'key', 'name', 'app.kubernetes.io/name', 'nginx:1.27', 'http://svc:8080/path', 'a b', 'some words here',
];

const atom = fc.constantFrom(...ATOMS);
/** Any UTF-16 code unit, including lone surrogates and control characters. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const piece = fc.oneof(
  { weight: 6, arbitrary: atom },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: codeUnit, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
/** Mostly short strings made of a few pieces, sometimes one piece repeated into a very long line. */
const adversarialString = fc.oneof(
  { weight: 10, arbitrary: fc.array(piece, { maxLength: 6 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.array(piece, { maxLength: 3 }), fc.integer({ min: 20, max: 700 })).map(([p, n]) => p.join('').repeat(n)) },
  // multi-line text with leading/trailing spaces and newlines (block scalars, chomping, indent indicators)
  {
    weight: 3,
    arbitrary: fc.array(fc.oneof(atom, fc.constantFrom('line', '  indented', ' ', '', 'a\tb', 'x ')), { maxLength: 6 }).chain((lines) =>
      fc.tuple(fc.constantFrom('', ' ', '  ', '\n', '\n\n'), fc.constantFrom('', '\n', '\n\n', '\n\n\n', ' ', '\n ', ' \n'))
        .map(([before, after]) => before + lines.join('\n') + after)),
  },
);

const specialNumber = fc.constantFrom(
  0, -0, 1, -1, 0.5, 1e21, 1e-7, 2 ** 53, -(2 ** 53) - 2, 1.7976931348623157e308, 5e-324, NaN, Infinity, -Infinity,
);
const scalar = fc.oneof(
  { weight: 8, arbitrary: adversarialString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), specialNumber) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const { tree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('node')),
  node: fc.oneof(
    fc.array(tie('tree'), { maxLength: 5 }),
    fc.dictionary(adversarialString, tie('tree'), { maxKeys: 6 }),
  ),
}));

/** Documents as charts produce them: mostly maps, sometimes any value at the top level. */
const document = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(adversarialString, tree, { maxKeys: 8 }) },
  { weight: 1, arbitrary: tree },
);

function parseAll(text: string): unknown[] {
  const docs = YAML.parseAllDocuments(text, { version: '1.1' });
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${d.errors[0].message}\n${text}`);
  }
  return docs.map((d: any) => d.toJSON());
}

/**
 * Values that cdk8s' own writer (the `yaml` package) does not read back unchanged, so the
 * round-trip check skips documents containing them (the byte comparison still covers them):
 * - `<<` is written plain (by the YAML 1.1 merge tag) and reads back as a merge key;
 * - a multi-line string of only whitespace with a space or tab before a line break, e.g. `" \n"`,
 *   is written as a `|+` block whose only lines are blank, which reads back without the spaces;
 * - a double-quoted string of 40 characters or more with a line of one space (`"\n \n"`): its line
 *   breaks are written as folded lines, and that space comes out as `\\ ` (a backslash);
 * - a top-level (document) string written as a block scalar with the indentation indicator 1
 *   (`|1`, the root being at indentation -1), which reads back differently or not at all; charts
 *   never write top-level scalars;
 * - a document that starts with U+FEFF (e.g. the first key), which the parser takes for a byte
 *   order mark and drops.
 */
function knownNotToRoundTrip(v: unknown): boolean {
  if (typeof v === 'string') return v === '<<' || (/^[\t \n]*$/.test(v) && /[\t ]/.test(v) && v.includes('\n')) || v.includes('\n \n');
  if (Array.isArray(v)) return v.some(knownNotToRoundTrip);
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => knownNotToRoundTrip(k) || knownNotToRoundTrip(x));
  return false;
}

describe('the YAML writer writes the bytes cdk8s writes', () => {
  test('random JSON documents with adversarial strings: same bytes as Yaml.stringify, and they parse back', () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
        const expected = Yaml.stringify(...docs);
        expect(stringifyDocuments(docs)).toBe(expected);
        if (!docs.some((d) => knownNotToRoundTrip(d) || /^(\|1|\ufeff)/.test(Yaml.stringify(d)))) {
          expect(parseAll(expected)).toEqual(docs);
        }
      }),
      // YAML_WRITER_RUNS=100000 for a deeper search (about a minute per 20 000 runs)
      { numRuns: Number(process.env.YAML_WRITER_RUNS ?? 1500) },
    );
  });

  test('long keys (explicit `? key`), long lines, deep nesting, undefined (keepUndefined)', () => {
    const long = (c: string, n: number) => c.repeat(n);
    const docs: unknown[] = [
      { [long('k', 1024)]: 1, [long('k', 1025)]: { a: [1, { b: 2 }] }, [long('q', 1030)]: [], [long('s', 1030)]: [1, [2]], x: long('word ', 400) },
      { [long('"', 600)]: 'needs escaping, longer than 1024 once quoted', [`${long('a', 1020)}\n`]: 'x' },
      [[[[[[{ deep: [[['x\ny\n']]] }]]]]]],
      { u: undefined, list: [undefined, null, 1] },
      undefined,
      'top-level\nblock\n',
      '--- looks like a document marker',
      '...',
      [],
      {},
      { '---': 1, '...': 2, 'nested': { '---': 3, 'list': [{ '---': 4 }] } },
    ];
    expect(stringifyDocuments(docs)).toBe(Yaml.stringify(...docs));
    for (const d of docs) expect(stringifyDocuments([d])).toBe(Yaml.stringify(d));
  });

  test('every string that the YAML 1.1 schema reads as another type is recognised, and the first-character shortcut is safe', () => {
    const tests: RegExp[] = new YAML.Document(null, { version: '1.1' }).schema.tags
      .filter((t: any) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test)
      .map((t: any) => t.test);
    expect(tests.length).toBe(14);
    fc.assert(
      fc.property(adversarialString, (s) => {
        const other = tests.some((re) => re.test(s));
        expect(readsAsOtherType(s)).toBe(other);
        if (other) expect(mayReadAsOtherType(s)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    for (const s of ATOMS) expect(readsAsOtherType(s)).toBe(tests.some((re) => re.test(s)));
  });

  test('the shortcut for plain strings agrees with the full rules, for keys and values at any depth', () => {
    const contexts: Array<[string, boolean]> = [['', false], ['  ', false], ['    ', false], ['  ', true], ['    ', true]];
    const agrees = (s: string) => {
      for (const [indent, key] of contexts) expect(stringScalar(s, indent, key)).toBe(stringScalarByRules(s, indent, key));
    };
    fc.assert(fc.property(adversarialString, agrees), { numRuns: 5000 });
    // U+2028/U+2029 end a line for the document marker test (found by the generated test)
    for (const s of ['a\u2029---', 'a\u2028...', 'a\u2028%x', 'x\u0085y', 'é', 'a:b', 'a#b', 'nginx', 'e', 'n0', 'on1']) agrees(s);
  });

  test('data that is not JSON-shaped is refused (the caller falls back to cdk8s)', () => {
    const shared = { a: 1 };
    class Thing { public readonly x = 1; }
    for (const bad of [
      { a: shared, b: shared }, // yaml writes an anchor and an alias
      { d: new Date(0) },
      { m: new Map([['a', 1]]) },
      { t: new Thing() },
      { a: new (class extends Array {})() },
      { j: { toJSON: () => 'x' } },
      { b: BigInt(1) },
      { f: () => 1 },
      { s: Symbol('s') },
    ]) {
      expect(() => stringifyDocuments([bad])).toThrow(UnsupportedValue);
    }
    const circular: any = { a: 1 };
    circular.self = circular;
    expect(() => stringifyDocuments([circular])).toThrow(UnsupportedValue);
  });
});
