import { defineApi } from '../../api.js';

/** One SASL token of the mechanism chosen by SaslHandshake, answered with the next; no re-authentication (lifetime 0). */
export default defineApi('sasl-authenticate', 'SaslAuthenticate', { min: 0, max: 2 }, (raw, { session }) => ({ ...session.authenticate(raw.authBytes as Buffer), sessionLifetimeMs: 0n }));
