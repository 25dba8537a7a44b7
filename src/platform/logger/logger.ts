import pino, { type Logger } from 'pino';
import { currentTraceIds } from '../tracing';
import { currentRequestId } from './request-scope';

export type { Logger };

/** JSON lines on stdout; the request id of the current request scope, and the trace's ids when it is traced, are added to every line. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'careconnect-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const requestId = currentRequestId();
        return { ...(requestId ? { requestId } : {}), ...currentTraceIds() };
      },
      // Belt and braces: credentials must never reach a log line even if someone logs an input.
      redact: {
        paths: ['password', '*.password', '*.*.password', 'refreshToken', '*.refreshToken', 'authorization', '*.authorization', 'accessToken', '*.accessToken'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
