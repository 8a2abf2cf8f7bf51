export { ElasticsearchEmulator, EMULATED_VERSION, type ElasticsearchEmulatorOptions } from './server.js';
