export { loadConfig, redactConfig, ConfigError, type Config } from './load-config';
export { configSchema, configTable, type VariableName } from './config.schema';
