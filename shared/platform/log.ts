/**
 * Structured logging: one JSON object per line on stdout, in the shape Cloud Logging parses
 * (`severity`, `message`, and any other fields as jsonPayload). Locally the same lines are readable with jq.
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4 };

function errorFields(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { name: value.name, message: value.message };
  const code = (value as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (value.stack) out.stack = value.stack;
  return out;
}

export function createLogger(
  base: LogFields = {},
  options: { sink?: LogSink; minSeverity?: Severity } = {},
): Logger {
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const min =
    ORDER[options.minSeverity ?? ((process.env.LOG_LEVEL?.toUpperCase() as Severity) || 'INFO')] ?? 1;
  const write = (severity: Severity, message: string, fields?: LogFields) => {
    if (ORDER[severity] < min) return;
    const entry: LogFields = { ...base };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = errorFields(v);
    // The reserved keys win over fields of the same name.
    sink(JSON.stringify({ ...entry, severity, message, time: new Date().toISOString() }));
  };
  return {
    debug: (m, f) => write('DEBUG', m, f),
    info: (m, f) => write('INFO', m, f),
    notice: (m, f) => write('NOTICE', m, f),
    warn: (m, f) => write('WARNING', m, f),
    error: (m, f) => write('ERROR', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, { sink, minSeverity: options.minSeverity }),
  };
}
