export { startTracing, jobTelemetry, currentTraceIds, inSpan, type Tracing, type TracingSettings } from './tracing';
