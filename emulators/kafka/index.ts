export { KafkaEmulator, type KafkaEmulatorOptions } from './broker.js';
