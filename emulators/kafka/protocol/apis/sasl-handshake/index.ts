import { defineApi } from '../../api.js';

/**
 * The mechanism a client will authenticate with (SaslServerAuthenticator). After v0 the SASL tokens follow as bare
 * size-prefixed frames (the broker reads them so, `SaslSession.rawTokens`); after v1 in SaslAuthenticate requests.
 * librdkafka asks for v0 to be listed before it authenticates at all.
 */
export default defineApi('sasl-handshake', 'SaslHandshake', { min: 0, max: 1 }, (raw, { session, version }) => session.handshake(raw.mechanism as string, version));
