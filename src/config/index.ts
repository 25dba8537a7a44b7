export { loadConfig, redactConfig, ConfigError, type Config } from './load-config';
export { configSchema, type VariableName } from './config.schema';
