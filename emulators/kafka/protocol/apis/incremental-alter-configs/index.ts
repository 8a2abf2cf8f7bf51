import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { alterResource } from '../alter-configs/apply.js';

interface IncrementalAlterConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; configOperation: number; value: string | null }> }>;
  validateOnly: boolean;
}

const SET = 0;
const DELETE = 1;

/**
 * IncrementalAlterConfigs changes the configs named and keeps the rest: SET and DELETE; APPEND and SUBTRACT are
 * for list configs, which the emulator's topic configs are not (INVALID_CONFIG, as Kafka answers for a number).
 */
export default defineApi('incremental-alter-configs', 'IncrementalAlterConfigs', { min: 0, max: 1 }, (raw, { broker }) => {
  const request = raw as unknown as IncrementalAlterConfigsRequest;
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((resource) =>
      alterResource(broker, resource, request.validateOnly, (current) => {
        for (const config of resource.configs) {
          if (config.configOperation === SET && config.value !== null) current[config.name] = config.value;
          else if (config.configOperation === DELETE) delete current[config.name];
          else return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value append is not allowed for config key: ${config.name}` };
        }
        return current;
      }),
    ),
  };
});
