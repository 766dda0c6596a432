/**
 * Generated logback configurations with bounded disk use, and the size of the volume they write to,
 * computed from the same numbers (so the two cannot disagree).
 *
 * Every file log is a `RollingFileAppender` with a `SizeBasedTriggeringPolicy` (`maxFileSize`) and a
 * `FixedWindowRollingPolicy` (`minIndex` 1, `maxIndex` = the archives kept), archives uncompressed:
 * a log then never holds more than `(archives + 1) x maxFileSize` (the active file and its archives),
 * whatever the traffic or the uptime. These are the classes and keys the upstream configurations of
 * RocketMQ (rmq.*.logback.xml, read by its shaded logback 1.3) and Nacos (nacos-logback.xml, logback
 * 1.2 under Spring Boot) use themselves, so the pinned images' logback accepts them. The policy checks
 * the file's size at most about a second apart (logback's DefaultInvocationGate, 100-800 ms), so a
 * file overshoots `maxFileSize` by at most that long's writes: the volume's margin covers it.
 */

/** One file log of a generated configuration. */
export interface RollingLog {
  /** The appender's name. */
  readonly name: string;
  /** The active file's name, in the configuration's directory. */
  readonly file: string;
  /** The loggers (non-additive) that write to this file. */
  readonly loggers: readonly string[];
  /** The loggers' level (default INFO). */
  readonly level?: string;
  /** `maxFileSize` in MiB. */
  readonly maxFileMebibytes: number;
  /** `maxIndex` of the fixed window: how many archives are kept (1 to 20: logback's own window limit). */
  readonly archives: number;
  /** The loggers write to the console too (the container's log, collected by the cluster's log agent). */
  readonly console?: boolean;
  /** The file appender is wrapped in an `AsyncAppender` (as upstream does for busy logs). */
  readonly async?: boolean;
}

/** A logback configuration of file logs plus the console. */
export interface LogbackConfig {
  /** The directory of the active files, as logback resolves it (may use `${...}` properties). */
  readonly directory: string;
  /** The directory of the archives (default: `directory`). */
  readonly archiveDirectory?: string;
  /** The files' layout pattern. */
  readonly pattern: string;
  /** The console's layout pattern. */
  readonly consolePattern: string;
  readonly logs: readonly RollingLog[];
  /** The log the root logger writes to (its name); the root logger also writes to the console. */
  readonly root: string;
  /** Loggers that write to the console and the root's file (upstream's startup-progress loggers). */
  readonly consoleLoggers?: readonly string[];
}

/** A JVM's GC log with rotation. */
export interface GcLog {
  /** `-XX:NumberOfGCLogFiles` (Java 8) or `filecount` (`-Xlog`, Java 9+). */
  readonly files: number;
  /** `-XX:GCLogFileSize` / `filesize`, in MiB. */
  readonly fileMebibytes: number;
}

/** What a JVM writes to its log volume. */
export interface LogVolumeContents {
  readonly logback?: LogbackConfig;
  readonly gcLog?: GcLog;
  /** A heap dump on OutOfMemoryError, in MiB (an HPROF file can exceed the heap: budget more than `-Xmx`). */
  readonly heapDumpMebibytes?: number;
  /** Anything else (PID and status files, ...), in MiB. */
  readonly otherMebibytes?: number;
}

/** logback's FixedWindowRollingPolicy refuses windows larger than this (MAX_WINDOW_SIZE). */
export const MAX_ARCHIVES = 20;

/** Java 8's `-XX:+UseGCLogFileRotation` flags for `gc`. */
export function java8GcLogRotation(gc: GcLog): string {
  return `-XX:+UseGCLogFileRotation -XX:NumberOfGCLogFiles=${gc.files} -XX:GCLogFileSize=${gc.fileMebibytes}M`;
}

/** The most a configuration's file logs hold on disk, in MiB: per log, the active file and its archives. */
export function logbackDiskMebibytes(config: LogbackConfig): number {
  return config.logs.reduce((sum, log) => sum + (log.archives + 1) * log.maxFileMebibytes, 0);
}

/**
 * The `sizeLimit` (MiB) of a log volume: the logback bound, the GC log (its files plus the one being
 * written), a heap dump and the rest, plus 10 % and 64 MiB for the size checks' overshoot and
 * whatever else a process drops there (rounded up to 64 MiB).
 */
export function logVolumeMebibytes(contents: LogVolumeContents): number {
  const logback = contents.logback ? logbackDiskMebibytes(contents.logback) : 0;
  const gc = contents.gcLog ? (contents.gcLog.files + 1) * contents.gcLog.fileMebibytes : 0;
  const total = logback + gc + (contents.heapDumpMebibytes ?? 0) + (contents.otherMebibytes ?? 0);
  return Math.ceil((total * 1.1 + 64) / 64) * 64;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the configuration (logback's Joran XML). */
export function renderLogback(config: LogbackConfig, comment: string): string {
  const names = new Set<string>();
  for (const log of config.logs) {
    if (names.has(log.name) || log.name === 'CONSOLE') throw new Error(`logback appender ${log.name} is declared twice`);
    names.add(log.name);
    if (!Number.isInteger(log.archives) || log.archives < 1 || log.archives > MAX_ARCHIVES) {
      throw new Error(`logback appender ${log.name}: archives ${log.archives} is outside 1..${MAX_ARCHIVES}`);
    }
    if (!Number.isInteger(log.maxFileMebibytes) || log.maxFileMebibytes < 1) {
      throw new Error(`logback appender ${log.name}: maxFileMebibytes ${log.maxFileMebibytes} is not a positive integer`);
    }
  }
  if (!names.has(config.root)) throw new Error(`logback root appender ${config.root} is not declared`);
  const archives = config.archiveDirectory ?? config.directory;
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // "--" may not appear in an XML comment (names such as "a--b" are valid DNS labels)
    `<!-- ${escape(comment).replace(/-(?=-)/g, '- ').replace(/-$/, '- ')} -->`,
    '<configuration scan="false">',
    '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
    `    <encoder><pattern>${escape(config.consolePattern)}</pattern><charset>UTF-8</charset></encoder>`,
    '  </appender>',
  ];
  const refOf = (log: RollingLog) => log.async ? `${log.name}-async` : log.name;
  for (const log of config.logs) {
    const base = log.file.replace(/\.log$/, '');
    lines.push(
      `  <!-- at most ${(log.archives + 1) * log.maxFileMebibytes} MiB: the active file and ${log.archives} archives of ${log.maxFileMebibytes} MiB -->`,
      `  <appender name="${escape(log.name)}" class="ch.qos.logback.core.rolling.RollingFileAppender">`,
      `    <file>${escape(`${config.directory}/${log.file}`)}</file>`,
      '    <append>true</append>',
      '    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">',
      `      <fileNamePattern>${escape(`${archives}/${base}.%i.log`)}</fileNamePattern>`,
      '      <minIndex>1</minIndex>',
      `      <maxIndex>${log.archives}</maxIndex>`,
      '    </rollingPolicy>',
      '    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">',
      `      <maxFileSize>${log.maxFileMebibytes}MB</maxFileSize>`,
      '    </triggeringPolicy>',
      `    <encoder><pattern>${escape(config.pattern)}</pattern><charset>UTF-8</charset></encoder>`,
      '  </appender>',
    );
    if (log.async) {
      lines.push(
        `  <appender name="${escape(refOf(log))}" class="ch.qos.logback.classic.AsyncAppender">`,
        `    <appender-ref ref="${escape(log.name)}"/>`,
        '  </appender>',
      );
    }
  }
  for (const log of config.logs) {
    for (const logger of log.loggers) {
      lines.push(
        `  <logger name="${escape(logger)}" additivity="false" level="${escape(log.level ?? 'INFO')}">`,
        `    <appender-ref ref="${escape(refOf(log))}"/>`,
        ...(log.console ? ['    <appender-ref ref="CONSOLE"/>'] : []),
        '  </logger>',
      );
    }
  }
  const root = config.logs.find((l) => l.name === config.root)!;
  for (const logger of config.consoleLoggers ?? []) {
    lines.push(
      `  <logger name="${escape(logger)}" additivity="false" level="INFO">`,
      '    <appender-ref ref="CONSOLE"/>',
      `    <appender-ref ref="${escape(refOf(root))}"/>`,
      '  </logger>',
    );
  }
  lines.push(
    `  <root level="${escape(root.level ?? 'INFO')}">`,
    `    <appender-ref ref="${escape(refOf(root))}"/>`,
    '    <appender-ref ref="CONSOLE"/>',
    '  </root>',
    '</configuration>',
    '',
  );
  return lines.join('\n');
}
