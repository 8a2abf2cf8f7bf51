import { defineApi } from '../../api.js';
import { alterResource } from './apply.js';

interface AlterConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; value: string | null }> }>;
  validateOnly: boolean;
}

/** AlterConfigs replaces a topic's whole configuration: a config left out returns to the broker's default. */
export default defineApi('alter-configs', 'AlterConfigs', { min: 0, max: 2 }, (raw, { broker }) => {
  const request = raw as unknown as AlterConfigsRequest;
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((resource) =>
      alterResource(broker, resource, request.validateOnly, () => Object.fromEntries(resource.configs.filter((config) => config.value !== null).map((config) => [config.name, config.value as string]))),
    ),
  };
});
