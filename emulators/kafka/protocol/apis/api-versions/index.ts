import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/** Advertises exactly the versions each API folder implements, so clients negotiate down to them. */
export default defineApi('api-versions', 'ApiVersions', { min: 0, max: 3 }, (_request, { broker }) => ({
  errorCode: ErrorCode.NONE,
  apiKeys: broker.apis.map((api) => ({ apiKey: api.key, minVersion: api.minVersion, maxVersion: api.maxVersion })),
  throttleTimeMs: 0,
}));
