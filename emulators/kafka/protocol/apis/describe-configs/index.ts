import { defineApi } from '../../api.js';
import { SUPPORTED_CONFIGS } from '../../../topics.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';
import { brokerConfigs, ConfigSource, topicConfigs, type ConfigEntry } from './configs.js';

interface DescribeConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configurationKeys: string[] | null }>;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

const TOPIC = 2;
const BROKER = 4;

/**
 * The configuration of topics and of the broker (ConfigHelper.describeConfigs): every setting the emulator has,
 * under Kafka's names, or the keys asked for. A topic's `retention.bytes` and `max.message.bytes` can be altered
 * (AlterConfigs); the rest is read-only. v4 is v3 made flexible.
 */
export default defineApi('describe-configs', 'DescribeConfigs', { min: 0, max: 4 }, (raw, { broker, version }) => {
  const request = raw as unknown as DescribeConfigsRequest;
  const results = request.resources.map((resource) => {
    const answer = (errorCode: number, errorMessage: string | null, configs: ConfigEntry[]): Struct => ({
      errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName,
      configs: configs
        .filter((config) => resource.configurationKeys === null || resource.configurationKeys.includes(config.name))
        .map((config) => ({
          name: config.name, value: config.value, readOnly: !SUPPORTED_CONFIGS.has(config.name) || resource.resourceType !== TOPIC, isDefault: config.source !== ConfigSource.TOPIC_CONFIG, configSource: config.source, isSensitive: false,
          synonyms: version >= 1 && request.includeSynonyms ? config.synonyms : [], configType: config.type, documentation: null,
        })) as unknown as Struct[],
    });
    if (resource.resourceType === TOPIC) {
      const topic = broker.topics.get(resource.resourceName);
      if (topic === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`, []);
      return answer(ErrorCode.NONE, null, topicConfigs(topic, broker.settings));
    }
    if (resource.resourceType === BROKER) {
      if (resource.resourceName !== '' && resource.resourceName !== String(broker.nodeId)) return answer(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resource.resourceName}`, []);
      return answer(ErrorCode.NONE, null, brokerConfigs(broker.settings));
    }
    return answer(ErrorCode.INVALID_REQUEST, `The emulator describes the configuration of topics (2) and of its broker (4), not resources of type ${resource.resourceType}.`, []);
  });
  return { throttleTimeMs: 0, results };
});
