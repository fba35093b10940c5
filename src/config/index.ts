export { configSchema, trustedIssuerSchema, type Config, type ConfigInput } from './schema.js';
export { loadConfig, configKeys, envName, readConfigFile, type ConfigKey } from './load.js';
export { configReference } from './reference.js';
