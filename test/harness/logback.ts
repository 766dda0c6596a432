/** The parts of the DOM used below (jsdom has no bundled types and the tests compile without the DOM library). */
interface XmlElement {
  readonly tagName: string;
  readonly children: ArrayLike<XmlElement>;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
interface XmlDocument {
  readonly documentElement: XmlElement;
  getElementsByTagName(tag: string): ArrayLike<XmlElement>;
}
interface DomParserWindow {
  readonly DOMParser: new () => { parseFromString(text: string, type: string): XmlDocument };
}
// jsdom (a devDependency) has no type declarations of its own
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string) => { window: DomParserWindow } };

/**
 * Reads a logback configuration with a real XML parser (jsdom's DOMParser) and computes, from the
 * XML alone, the most its file appenders keep on disk: the tests compare the volumes' sizeLimit with
 * this, not with the library's own arithmetic.
 */

export interface ParsedFileAppender {
  readonly name: string;
  readonly file: string;
  readonly fileNamePattern: string;
  readonly maxIndex: number;
  readonly minIndex: number;
  /** `maxFileSize` in bytes (logback's FileSize: KB, MB, GB are powers of 1024). */
  readonly maxFileBytes: number;
}

export interface ParsedLogback {
  readonly appenders: ParsedFileAppender[];
  /** Every appender by name with its class. */
  readonly classes: Map<string, string>;
  /** logger name (root: '') -> the appender names it references. */
  readonly loggers: Map<string, string[]>;
  readonly document: XmlDocument;
}

const UNITS: Record<string, number> = { '': 1, 'KB': 1024, 'MB': 1024 ** 2, 'GB': 1024 ** 3 };

/** logback's FileSize.valueOf: `<number>` with an optional KB/MB/GB suffix (case-insensitive). */
export function logbackFileSize(text: string): number {
  const m = /^\s*([0-9]+)\s*(|kb|mb|gb)\s*$/i.exec(text);
  if (!m) throw new Error(`not a logback file size: ${text}`);
  return Number(m[1]) * UNITS[m[2].toUpperCase()];
}

export function parseLogback(xml: string): ParsedLogback {
  const { window } = new JSDOM('');
  const doc = new window.DOMParser().parseFromString(xml, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  if (error) throw new Error(`the logback configuration is not well-formed XML: ${error.textContent}`);
  if (doc.documentElement.tagName !== 'configuration') throw new Error(`root element ${doc.documentElement.tagName}`);
  const text = (parent: XmlElement, tag: string): string | undefined => {
    const children = Array.from(parent.children).filter((c) => c.tagName === tag);
    if (children.length > 1) throw new Error(`<${tag}> twice in <${parent.tagName}>`);
    return children[0]?.textContent?.trim();
  };
  const classes = new Map<string, string>();
  const appenders: ParsedFileAppender[] = [];
  for (const a of Array.from(doc.getElementsByTagName('appender'))) {
    const name = a.getAttribute('name')!;
    classes.set(name, a.getAttribute('class')!);
    if (a.getAttribute('class') !== 'ch.qos.logback.core.rolling.RollingFileAppender') continue;
    const policy = Array.from(a.children).find((c) => c.tagName === 'rollingPolicy');
    const trigger = Array.from(a.children).find((c) => c.tagName === 'triggeringPolicy');
    if (policy?.getAttribute('class') !== 'ch.qos.logback.core.rolling.FixedWindowRollingPolicy') {
      throw new Error(`appender ${name}: rolling policy ${policy?.getAttribute('class')} (the bound below assumes a fixed window)`);
    }
    if (trigger?.getAttribute('class') !== 'ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy') {
      throw new Error(`appender ${name}: triggering policy ${trigger?.getAttribute('class')}`);
    }
    appenders.push({
      name,
      file: text(a, 'file')!,
      fileNamePattern: text(policy, 'fileNamePattern')!,
      minIndex: Number(text(policy, 'minIndex') ?? '1'),
      maxIndex: Number(text(policy, 'maxIndex') ?? '7'),
      maxFileBytes: logbackFileSize(text(trigger, 'maxFileSize') ?? '10MB'),
    });
  }
  const loggers = new Map<string, string[]>();
  const refs = (e: XmlElement) => Array.from(e.children).filter((c) => c.tagName === 'appender-ref').map((c) => c.getAttribute('ref')!);
  for (const l of Array.from(doc.getElementsByTagName('logger'))) loggers.set(l.getAttribute('name')!, refs(l));
  const root = doc.getElementsByTagName('root')[0];
  if (root) loggers.set('', refs(root));
  return { appenders, classes, loggers, document: doc };
}

/** The most the file appenders keep, in bytes: per appender the active file and maxIndex - minIndex + 1 archives (uncompressed). */
export function logbackBoundBytes(parsed: ParsedLogback): number {
  return parsed.appenders.reduce((sum, a) => sum + (a.maxIndex - a.minIndex + 2) * a.maxFileBytes, 0);
}

/** A Kubernetes quantity in bytes (binary and decimal suffixes). */
export function quantityBytes(q: string): number {
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  const f: Record<string, number> = { '': 1, 'Ki': 1024, 'Mi': 1024 ** 2, 'Gi': 1024 ** 3, 'Ti': 1024 ** 4, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12 };
  return Number(m[1]) * f[m[2] ?? ''];
}

/** Java 8 GC log rotation from a JVM command line (the last occurrence of each flag wins): the most it keeps, in bytes. */
export function java8GcLogBytes(options: string): number {
  const last = (re: RegExp) => {
    const all = [...options.matchAll(re)];
    return all.length > 0 ? all[all.length - 1][1] : undefined;
  };
  if (!/(^|\s)-Xloggc:/.test(options)) return 0;
  const rotation = last(/-XX:([+-])UseGCLogFileRotation/g);
  const files = last(/-XX:NumberOfGCLogFiles=([0-9]+)/g);
  const size = last(/-XX:GCLogFileSize=([0-9]+[kKmMgG]?)/g);
  if (rotation !== '+' || files === undefined || size === undefined) throw new Error(`the GC log is not rotated: ${options}`);
  const unit = /[kKmMgG]$/.test(size) ? size.slice(-1).toLowerCase() : '';
  const bytes = Number(size.replace(/[kKmMgG]$/, '')) * ({ '': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3 } as Record<string, number>)[unit];
  return Number(files) * bytes;
}
