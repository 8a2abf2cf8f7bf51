import type { Broker } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';

const TOPIC = 2;
const BROKER = 4;

/**
 * One resource of an AlterConfigs or IncrementalAlterConfigs request: a topic's configs become `configsOf(current)`,
 * or the error that explains why not. The broker's configs are static (its command line): refused, as Kafka
 * refuses a config it cannot change dynamically.
 */
export function alterResource(
  broker: Broker,
  resource: { resourceType: number; resourceName: string },
  validateOnly: boolean,
  configsOf: (current: Record<string, string>) => Record<string, string> | { errorCode: number; errorMessage: string },
): Struct {
  const answer = (errorCode: number, errorMessage: string | null): Struct => ({ errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName });
  if (resource.resourceType === BROKER) return answer(ErrorCode.INVALID_REQUEST, "The emulator's broker configs are static: set them on its command line.");
  if (resource.resourceType !== TOPIC) return answer(ErrorCode.INVALID_REQUEST, `The emulator alters the configuration of topics (2), not resources of type ${resource.resourceType}.`);
  const topic = broker.topics.get(resource.resourceName);
  if (topic === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
  const configs = configsOf({ ...topic.configs });
  if ('errorCode' in configs && typeof configs.errorCode === 'number') return answer(configs.errorCode, String(configs.errorMessage));
  const { errorCode, errorMessage } = broker.topics.alterConfigs(resource.resourceName, configs as Record<string, string>, validateOnly);
  return answer(errorCode, errorMessage);
}
