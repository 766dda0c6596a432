/**
 * Log severities of RFC 5424 (syslog), section 6.2.1: the levels every service logs at and the
 * logging pipeline maps consistently (numeric code, syslog keyword, and the names common logging
 * libraries use).
 */
export enum LogSeverity {
  /** 0: system is unusable. */
  EMERGENCY = 'emergency',
  /** 1: action must be taken immediately. */
  ALERT = 'alert',
  /** 2: critical conditions. */
  CRITICAL = 'critical',
  /** 3: error conditions. */
  ERROR = 'error',
  /** 4: warning conditions. */
  WARNING = 'warning',
  /** 5: normal but significant condition. */
  NOTICE = 'notice',
  /** 6: informational messages. */
  INFORMATIONAL = 'informational',
  /** 7: debug-level messages. */
  DEBUG = 'debug',
}

const CODES: Record<LogSeverity, number> = {
  [LogSeverity.EMERGENCY]: 0,
  [LogSeverity.ALERT]: 1,
  [LogSeverity.CRITICAL]: 2,
  [LogSeverity.ERROR]: 3,
  [LogSeverity.WARNING]: 4,
  [LogSeverity.NOTICE]: 5,
  [LogSeverity.INFORMATIONAL]: 6,
  [LogSeverity.DEBUG]: 7,
};

/** Facts about one severity, for configuration generators. */
export interface SeverityInfo {
  /** RFC 5424 numeric code (0 = emergency ... 7 = debug). */
  readonly code: number;
  /** The syslog keyword (`emerg`, `alert`, `crit`, `err`, `warning`, `notice`, `info`, `debug`). */
  readonly keyword: string;
  /** The level name most logging libraries use for it (`fatal`, `error`, `warn`, `info`, `debug`). */
  readonly libraryLevel: string;
  /** OpenTelemetry SeverityNumber range start (FATAL=21, ERROR=17, WARN=13, INFO=9, DEBUG=5). */
  readonly otelSeverityNumber: number;
}

const INFO: Record<LogSeverity, SeverityInfo> = {
  [LogSeverity.EMERGENCY]: { code: 0, keyword: 'emerg', libraryLevel: 'fatal', otelSeverityNumber: 24 },
  [LogSeverity.ALERT]: { code: 1, keyword: 'alert', libraryLevel: 'fatal', otelSeverityNumber: 23 },
  [LogSeverity.CRITICAL]: { code: 2, keyword: 'crit', libraryLevel: 'fatal', otelSeverityNumber: 21 },
  [LogSeverity.ERROR]: { code: 3, keyword: 'err', libraryLevel: 'error', otelSeverityNumber: 17 },
  [LogSeverity.WARNING]: { code: 4, keyword: 'warning', libraryLevel: 'warn', otelSeverityNumber: 13 },
  [LogSeverity.NOTICE]: { code: 5, keyword: 'notice', libraryLevel: 'info', otelSeverityNumber: 10 },
  [LogSeverity.INFORMATIONAL]: { code: 6, keyword: 'info', libraryLevel: 'info', otelSeverityNumber: 9 },
  [LogSeverity.DEBUG]: { code: 7, keyword: 'debug', libraryLevel: 'debug', otelSeverityNumber: 5 },
};

/** Conversions between RFC 5424 severities and what logging tools expect. */
export class Severities {
  /** Facts about one severity. */
  public static info(severity: LogSeverity): SeverityInfo {
    return { ...INFO[severity] };
  }

  /** The RFC 5424 numeric code. */
  public static code(severity: LogSeverity): number {
    return CODES[severity];
  }

  /** Every severity, most severe first (code 0 to 7). */
  public static all(): LogSeverity[] {
    return (Object.keys(CODES) as LogSeverity[]).sort((a, b) => CODES[a] - CODES[b]);
  }

  /** The severities at least as severe as `threshold` (what a service logging at `threshold` emits). */
  public static atLeast(threshold: LogSeverity): LogSeverity[] {
    return Severities.all().filter((s) => CODES[s] <= CODES[threshold]);
  }

  private constructor() {}
}
