/**
 * A YAML writer for JSON-shaped data (plain objects, arrays, strings, numbers, booleans, null)
 * whose output is byte-identical to cdk8s' `Yaml.stringify(...docs)`, i.e. to the `yaml` package
 * (2.x) called as `YAML.stringify(doc, { keepUndefined: true, lineWidth: 0, version: '1.1' })` for
 * each document, the documents joined with `---\n`.
 *
 * Every rule below is a transcription of the `yaml` package's stringifier for exactly those
 * options (file names refer to `yaml/dist/stringify/*`), with what those options make unreachable
 * left out: `lineWidth: 0` disables all folding (so block scalars are always literal `|`), no
 * comments, anchors, tags or flow collections other than the empty `{}` and `[]`.
 *
 * Anything that is not JSON-shaped (class instances, Dates, Maps, objects with `toJSON`, bigints,
 * functions, symbols) or an object reachable twice in one document (which `yaml` writes as an
 * anchor and aliases) makes the writer throw `UnsupportedValue`: callers then use cdk8s' own
 * writer for that call.
 *
 * Internal: not part of the public API.
 */

/**
 * Documents that exercise the rules below (quoting of what YAML 1.1 reads as other types,
 * indicators, block scalars and their chomping, escapes, explicit keys, numbers, empty
 * collections, document markers). The writer is used only if it writes these exactly as the
 * `Yaml.stringify` of the cdk8s at hand does, so another version of cdk8s' `yaml` package with
 * other rules falls back to cdk8s' writer instead of writing other bytes.
 */
export const CANARY_DOCUMENTS: readonly unknown[] = [
  {
    'apiVersion': 'v1',
    'yes': ['yes', 'No', 'on', 'OFF', 'y', 'true', 'Null', '~', '', '0x1f', '0o17', '0755', '0b11', '1_000', '+1', '-0',
      '1e3', 'E5', '.5', '1.', '.', '.inf', '-.Inf', '.NaN', '12:30:45', '1:2.5', '2001-12-14', '2001-12-14 21:59:43.10 -5', '<<'],
    'indicators': ['-', '- a', '-a', '?', '? a', ':', ': a', 'a:', 'a: b', 'a:b', 'a #b', 'a#b', '#a', ',a', '[a', ']a', '{a', '}a',
      '&a', '*a', '!a', '|a', '>a', '\'a', '"a', 'a"b', 'a\'b', 'a\'"b', '%a', '@a', '`a', ' a', 'a ', '\ta', '---', '--- a', '...'],
    'blocks': ['a\nb', 'a\nb\n', 'a\nb\n\n', ' a\nb', '\na', 'a\n ', 'a \nb', ' \n', 'a\n\nb\n  c\n',
      'a string longer than forty characters with "quotes"\nand a \u0007 bell\n'],
    'escapes': ['\x00\x07\x08\x1b\x7f\x85\xa0\u2028\ud800', '\r\n', 'é 中文 😀', 'a\u2029---'],
    'numbers': [0, -0, 1.5, -2, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, true, false, null],
    'empty': [{}, [], [[]], { a: {} }, [{ b: [] }]],
    'nested': [[1, [2, { c: 'd' }]], { e: [{ f: 'g', h: ['i'] }] }],
    '80': 'numeric key',
    '---': 'marker key',
    'multi\nline key': 1,
    ['k'.repeat(1030)]: { long: 'explicit key' },
  },
  [{ '---': 'nested marker key', '...': 1 }, 'x'],
  'top\nlevel\n',
  '--- marker',
  42,
  null,
];

/** The data is not JSON-shaped; use cdk8s' own writer instead. */
export class UnsupportedValue extends Error {
  constructor(reason: string) {
    super(`yaml-writer: ${reason}`);
    this.name = 'UnsupportedValue';
  }
}

/**
 * The same bytes as cdk8s' `Yaml.stringify(...docs)`: each document rendered on its own, an
 * `undefined` document as an empty line, joined with `---\n`.
 */
export function stringifyDocuments(docs: readonly unknown[]): string {
  const w = new Writer();
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) w.out += '---\n';
    const doc = docs[i];
    if (doc === undefined) w.out += '\n';
    else w.document(doc);
  }
  return w.out;
}

/** One document, as `YAML.stringify(doc, cdk8s' options)` writes it (ends with a newline). */
export function stringifyDocument(doc: unknown): string {
  const w = new Writer();
  w.document(doc);
  return w.out;
}

// ---------------------------------------------------------------------------------------------
// Collections (stringifyCollection.js, stringifyPair.js; indentSeq: true, indent step 2)

const INDENTS: string[] = [''];
function indentAt(level: number): string {
  let s = INDENTS[level];
  if (s === undefined) {
    for (let l = INDENTS.length; l <= level; l++) INDENTS.push(INDENTS[l - 1] + '  ');
    s = INDENTS[level];
  }
  return s;
}

/** `yaml` writes single-line keys longer than this as explicit keys (`? key`). */
const MAX_IMPLICIT_KEY_LENGTH = 1024;

/** Output is appended to one string (V8 builds it as a rope, flattened once when it is written). */
class Writer {
  public out = '';
  /** Objects already written in the current document: `yaml` would alias a second occurrence. */
  private seen = new Set<object>();

  public document(doc: unknown): void {
    this.seen = new Set<object>();
    if (doc !== null && typeof doc === 'object') {
      this.collection(doc, 0, '', '');
    } else {
      // a top-level scalar: ctx.indent is '' (document markers force an indented block scalar)
      this.out += scalar(doc, '');
    }
    this.out += '\n';
  }

  /**
   * A collection whose context indent is level `level`, preceded by `before` if it has items or
   * `beforeEmpty` if it is written as `{}` / `[]`. Its first line goes where the caller left off;
   * every other line starts with a newline and its full indentation.
   */
  public collection(value: object, level: number, before: string, beforeEmpty: string): void {
    if (this.seen.has(value)) {
      throw new UnsupportedValue('an object occurs twice in the document (yaml writes an alias)');
    }
    this.seen.add(value);
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw new UnsupportedValue('array subclass');
      const n = value.length;
      if (n === 0) {
        this.out += beforeEmpty + '[]';
        return;
      }
      this.out += before;
      const next = '\n' + indentAt(level) + '- ';
      const inner = indentAt(level + 1);
      for (let i = 0; i < n; i++) {
        this.out += i === 0 ? '- ' : next;
        const item = value[i];
        if (item !== null && typeof item === 'object') {
          this.collection(item, level + 1, '', '');
        } else {
          this.out += scalar(item, inner);
        }
      }
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if ((proto !== Object.prototype && proto !== null)
      || typeof (value as any).toJSON === 'function'
      || (value as any)[Symbol.iterator] !== undefined) {
      throw new UnsupportedValue(`not a plain object (${(value as any).constructor?.name ?? typeof value})`);
    }
    const keys = Object.keys(value);
    const n = keys.length;
    if (n === 0) {
      this.out += beforeEmpty + '{}';
      return;
    }
    this.out += before;
    const newline = '\n' + indentAt(level);
    const inner = indentAt(level + 1);
    const nested = '\n' + inner;
    const keyCache = level === 0 ? rootKeyCache : keyCache0;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      let k = keyCache.get(key);
      if (k === undefined) {
        k = stringScalar(key, inner, true);
        if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
        keyCache.set(key, k);
      }
      if (i > 0) this.out += newline;
      const v = (value as any)[key];
      if (k.length > MAX_IMPLICIT_KEY_LENGTH) {
        // explicit key: `? key`, then `: value` on the next line, collections included
        this.out += '? ' + k + newline + ':';
        if (v !== null && typeof v === 'object') this.collection(v, level + 1, ' ', ' ');
        else this.out += ' ' + scalar(v, inner);
      } else if (v !== null && typeof v === 'object') {
        // a collection with items starts on the next line; `{}` and `[]` stay on the key's line
        this.out += k + ':';
        this.collection(v, level + 1, nested, ' ');
      } else {
        this.out += k + ': ' + scalar(v, inner);
      }
    }
  }
}

/**
 * Rendered keys: a key's rendering depends only on the key and on whether it is a key of the
 * top-level map (where document markers are quoted), so both are cached.
 */
const rootKeyCache = new Map<string, string>();
const keyCache0 = new Map<string, string>();
const MAX_CACHED_KEYS = 10_000;

// ---------------------------------------------------------------------------------------------
// Scalars

/** A scalar value (not a key) whose context indent is `indent`. */
function scalar(v: unknown, indent: string): string {
  switch (typeof v) {
    case 'string':
      return stringScalar(v, indent, false);
    case 'number':
      return numberString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null'; // keepUndefined: true
    case 'object':
      if (v === null) return 'null';
      break;
    default:
      break;
  }
  throw new UnsupportedValue(`not a JSON value (${typeof v})`);
}

/** stringifyNumber.js */
function numberString(n: number): string {
  if (!isFinite(n)) return isNaN(n) ? '.nan' : n < 0 ? '-.inf' : '.inf';
  if (n === 0 && 1 / n < 0) return '-0';
  return String(n); // what JSON.stringify writes for a finite number
}

// stringifyString.js

/** Control characters and lone surrogates force double quotes. */
const NEEDS_DOUBLE_QUOTES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** What a plain scalar cannot start with, contain or end with. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** containsDocumentMarker: lines starting with %, --- or ... */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * The `test` of every default tag of the YAML 1.1 schema other than !!str (schema/yaml-1.1/*,
 * schema/common/null.js): a plain scalar matching one of them would read back as something else
 * than a string, so it is quoted.
 */
const OTHER_TYPES: readonly RegExp[] = [
  /^(?:~|[Nn]ull|NULL)?$/, // null
  /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/, // true
  /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/, // false
  /^[-+]?0b[0-1_]+$/, // int (binary)
  /^[-+]?0[0-7_]+$/, // int (octal)
  /^[-+]?[0-9][0-9_]*$/, // int
  /^[-+]?0x[0-9a-fA-F_]+$/, // int (hex)
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, // float (.inf, .nan)
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/, // float (exponential)
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/, // float
  /^<<$/, // merge key (unreachable here: '<<' itself is written by the merge tag, see stringScalar)
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/, // int (sexagesimal)
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/, // float (sexagesimal)
  // timestamp
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
];

/**
 * True if the first character lets the string match one of OTHER_TYPES: the empty string, or a
 * first character in `~ nN yY tT fF oO eE 0-9 + - . <`.
 */
export function mayReadAsOtherType(s: string): boolean {
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return true; // 0-9
  switch (c) {
    case 0x7e: // ~
    case 0x6e: case 0x4e: // n N
    case 0x79: case 0x59: // y Y
    case 0x74: case 0x54: // t T
    case 0x66: case 0x46: // f F
    case 0x6f: case 0x4f: // o O
    case 0x65: case 0x45: // e E
    case 0x2b: case 0x2d: case 0x2e: // + - .
    case 0x3c: // <
      return true;
    default:
      return false;
  }
}

/**
 * OTHER_TYPES by the first character a match can start with: `~`, letters (null, booleans), `e`/`E`
 * (an exponent without digits before it), `<` (the merge key), digits, signs and dots (numbers,
 * timestamps); the empty string is null.
 */
const WORD_TYPES = OTHER_TYPES.slice(0, 3);
const EXPONENT_TYPES = [OTHER_TYPES[8]];
const MERGE_TYPES = [OTHER_TYPES[10]];
const NUMERIC_TYPES = [...OTHER_TYPES.slice(3, 10), ...OTHER_TYPES.slice(11)];

function candidateTypes(s: string): readonly RegExp[] {
  if (s.length === 0) return WORD_TYPES;
  const c = s.charCodeAt(0);
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return NUMERIC_TYPES; // 0-9 + - .
  if (c === 0x65 || c === 0x45) return EXPONENT_TYPES; // e E
  if (c === 0x3c) return MERGE_TYPES; // <
  return WORD_TYPES; // ~ n N y Y t T f F o O
}

export function readsAsOtherType(s: string): boolean {
  if (!mayReadAsOtherType(s)) return false;
  for (const re of candidateTypes(s)) {
    if (re.test(s)) return true;
  }
  return false;
}

/** stringifyString(): a string scalar, as a key (`implicitKey`) or a value, at context indent `indent`. */
export function stringScalar(value: string, indent: string, implicitKey: boolean): string {
  return isPlainSafe(value) ? value : stringScalarByRules(value, indent, implicitKey);
}

/**
 * A shortcut for the common case, with the same result as the rules below: true if the string is
 * written as it is (plain), whatever the context. Conservative: anything unusual (a first
 * character that is an indicator, `-`, `?`, `.` or whitespace; a control character, tab, line
 * break (U+2028 and U+2029 included) or surrogate; `: `, ` #`, or a trailing space or colon;
 * something that may read as another type) takes the full rules.
 */
export function isPlainSafe(value: string): boolean {
  const n = value.length;
  if (n === 0) return false;
  switch (value.charCodeAt(0)) {
    case 0x20: case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x23: case 0x26: case 0x2a: // space , [ ] { } # & *
    case 0x21: case 0x7c: case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60: // ! | > ' " % @ `
    case 0x2d: case 0x3f: case 0x2e: case 0x3a: // - ? . :
      return false;
    default:
      break;
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) return false; // control characters, tab, line breaks
    if (c === 0x3a) { // ':' followed by a space, or at the end
      if (i === n - 1) return false;
      const next = value.charCodeAt(i + 1);
      if (next === 0x20) return false;
    } else if (c === 0x20) { // ' ' followed by '#', or at the end
      if (i === n - 1) return false;
      if (value.charCodeAt(i + 1) === 0x23) return false;
    } else if (c >= 0x7f && (c <= 0x9f || (c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029)) {
      // DEL, C1 controls, surrogates; U+2028/U+2029 end a line for the document marker test
      return false;
    }
  }
  return !(mayReadAsOtherType(value) && readsAsOtherType(value));
}

/** stringifyString() with every rule, for any string. */
export function stringScalarByRules(value: string, indent: string, implicitKey: boolean): string {
  // '<<' is also identified by the YAML 1.1 merge tag, which wins and writes it plain, key or value
  if (value === '<<') return value;
  if (NEEDS_DOUBLE_QUOTES.test(value)) return doubleQuoted(value, indent, implicitKey);
  return plainString(value, indent, implicitKey);
}

/** plainString() */
function plainString(value: string, indent: string, implicitKey: boolean): string {
  const multiLine = value.includes('\n');
  if (implicitKey && multiLine) return quoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) {
    return implicitKey || !multiLine ? quoted(value, indent, implicitKey) : blockString(value, indent, false);
  }
  // multi-line values prefer block style
  if (!implicitKey && multiLine) return blockString(value, indent, false);
  // from here on the value is a single line
  if (DOCUMENT_MARKER.test(value)) {
    if (indent === '') return blockString(value, indent, true);
    if (implicitKey && indent === '  ') return quoted(value, indent, implicitKey);
  }
  if (readsAsOtherType(value)) return quoted(value, indent, implicitKey);
  return value;
}

/** quotedString() with singleQuote: null: single quotes only for strings with " and no '. */
function quoted(value: string, indent: string, implicitKey: boolean): string {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes('\'');
  return hasDouble && !hasSingle ? singleQuoted(value, indent, implicitKey) : doubleQuoted(value, indent, implicitKey);
}

/** singleQuotedString() (no folding: lineWidth 0) */
function singleQuoted(value: string, indent: string, implicitKey: boolean): string {
  if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) {
    return doubleQuoted(value, indent, implicitKey);
  }
  const ind = indent || (DOCUMENT_MARKER.test(value) ? '  ' : '');
  return '\'' + value.replace(/'/g, '\'\'').replace(/\n+/g, `$&\n${ind}`) + '\'';
}

/** doubleQuotedString() (doubleQuotedMinMultiLineLength 40, no folding: lineWidth 0) */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  const ind = indent || (DOCUMENT_MARKER.test(value) ? '  ' : '');
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // space before newline needs to be escaped to not be folded
      str += json.slice(start, i) + '\\ ';
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch === '\\') {
      switch (json[i + 1]) {
        case 'u': {
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case '0000': str += '\\0'; break;
            case '0007': str += '\\a'; break;
            case '000b': str += '\\v'; break;
            case '001b': str += '\\e'; break;
            case '0085': str += '\\N'; break;
            case '00a0': str += '\\_'; break;
            case '2028': str += '\\L'; break;
            case '2029': str += '\\P'; break;
            default:
              if (code.substr(0, 2) === '00') str += '\\x' + code.substr(2);
              else str += json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case 'n':
          if (implicitKey || json[i + 2] === '"' || json.length < 40) {
            i += 1;
          } else {
            // a line break in the output stands for the escaped newline
            str += json.slice(start, i) + '\n\n';
            while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
              str += '\n';
              i += 2;
            }
            str += ind;
            // space after newline needs to be escaped to not be folded
            if (json[i + 2] === ' ') str += '\\';
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
    }
  }
  return start ? str + json.slice(start) : json;
}

const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

/** blockString(), literal style (lineWidth 0 never folds) */
function blockString(value: string, indent: string, forceBlockIndent: boolean): string {
  // a block can't end in whitespace unless the last line is non-empty
  if (/\n[\t ]+$/.test(value)) return quoted(value, indent, false);
  const ind = indent || (forceBlockIndent || DOCUMENT_MARKER.test(value) ? '  ' : '');
  if (!value) return '|\n';
  // chomping from the whitespace at the end
  let chomp: string;
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  if (endNlPos === -1) {
    chomp = '-'; // strip
  } else if (value === end || endNlPos !== end.length - 1) {
    chomp = '+'; // keep
  } else {
    chomp = ''; // clip
  }
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${ind}`);
  }
  // indentation indicator from the whitespace at the start
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${ind}`);
  }
  const header = (startWithSpace ? (ind ? '2' : '1') : '') + chomp;
  value = value.replace(/\n+/g, `$&${ind}`);
  return `|${header}\n${ind}${start}${value}${end}`;
}
