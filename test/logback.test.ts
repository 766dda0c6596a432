import { logbackBoundBytes, parseLogback } from './harness/logback';
import { LogbackConfig, logbackDiskMebibytes, logVolumeMebibytes, renderLogback } from '../src/internal/logback';

/** The generated logback configurations' renderer and the volume size derived from the same numbers. */

const CONFIG: LogbackConfig = {
  directory: '${app.home}/logs',
  archiveDirectory: '${app.home}/logs/old',
  pattern: '%d %p %m%n',
  consolePattern: '%d %p %c - %m%n',
  root: 'main',
  logs: [
    { name: 'main', file: 'main.log', loggers: [], maxFileMebibytes: 32, archives: 3 },
    { name: 'audit', file: 'audit.log', loggers: ['app.audit', 'app.security'], level: 'DEBUG', maxFileMebibytes: 8, archives: 1, console: true, async: true },
  ],
  consoleLoggers: ['app.startup'],
};

test('the XML holds exactly the windows the bound is computed from', () => {
  const parsed = parseLogback(renderLogback(CONFIG, 'a test & <its> comment'));
  expect(parsed.appenders.map((a) => [a.name, a.file, a.fileNamePattern, a.minIndex, a.maxIndex, a.maxFileBytes])).toEqual([
    ['main', '${app.home}/logs/main.log', '${app.home}/logs/old/main.%i.log', 1, 3, 32 * 1024 ** 2],
    ['audit', '${app.home}/logs/audit.log', '${app.home}/logs/old/audit.%i.log', 1, 1, 8 * 1024 ** 2],
  ]);
  expect(logbackBoundBytes(parsed)).toBe(logbackDiskMebibytes(CONFIG) * 1024 ** 2);
  expect(logbackDiskMebibytes(CONFIG)).toBe(4 * 32 + 2 * 8);
  expect(parsed.loggers.get('')).toEqual(['main', 'CONSOLE']);
  expect(parsed.loggers.get('app.audit')).toEqual(['audit-async', 'CONSOLE']);
  expect(parsed.classes.get('audit-async')).toBe('ch.qos.logback.classic.AsyncAppender');
  expect(parsed.loggers.get('app.startup')).toEqual(['CONSOLE', 'main']);
});

test('the volume holds the logs, the GC log with the file being written, a heap dump and the margin', () => {
  const logs = logbackDiskMebibytes(CONFIG);
  const size = logVolumeMebibytes({ logback: CONFIG, gcLog: { files: 5, fileMebibytes: 20 }, heapDumpMebibytes: 1024 });
  expect(size).toBeGreaterThanOrEqual((logs + 6 * 20 + 1024) * 1.1 + 64);
  expect(size % 64).toBe(0);
  expect(logVolumeMebibytes({})).toBe(64);
});

test('a comment with "--" (valid in a DNS label) stays well-formed XML', () => {
  const xml = renderLogback(CONFIG, 'for my--config---x-');
  expect(() => parseLogback(xml)).not.toThrow();
  expect(xml).toContain('<!-- for my- -config- - -x-  -->');
});

test('windows logback would refuse or shrink, and names declared twice, are errors', () => {
  const withLog = (patch: object) => ({ ...CONFIG, logs: [{ ...CONFIG.logs[0], ...patch }] });
  expect(() => renderLogback(withLog({ archives: 21 }), '')).toThrow(/outside 1\.\.20/);
  expect(() => renderLogback(withLog({ archives: 0 }), '')).toThrow(/outside 1\.\.20/);
  expect(() => renderLogback(withLog({ maxFileMebibytes: 0.5 }), '')).toThrow(/not a positive integer/);
  expect(() => renderLogback({ ...CONFIG, logs: [CONFIG.logs[0], CONFIG.logs[0]] }, '')).toThrow(/declared twice/);
  expect(() => renderLogback({ ...CONFIG, root: 'nope' }, '')).toThrow(/not declared/);
});
