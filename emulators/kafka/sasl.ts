import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from './protocol/errors.js';

/** The mechanisms a SASL listener of the emulator offers, in the order SaslHandshake lists them. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
type Mechanism = (typeof SASL_MECHANISMS)[number];

/** Kafka's least (and kafka-configs.sh's default) SCRAM iteration count. */
const SCRAM_ITERATIONS = 4096;

interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const HASHES = { 'SCRAM-SHA-256': { hash: 'sha256', bytes: 32 }, 'SCRAM-SHA-512': { hash: 'sha512', bytes: 64 } } as const;

/**
 * The users of a SASL listener, with their PLAIN passwords and the SCRAM credentials Kafka would store for them
 * (a random salt each, 4096 iterations: what `kafka-configs.sh --add-config SCRAM-SHA-256=[password=…]` stores).
 */
export class SaslUsers {
  private readonly scram = new Map<string, ScramCredential>();

  constructor(private readonly passwords: ReadonlyMap<string, string>) {
    for (const [user, password] of passwords) {
      for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
        const { hash, bytes } = HASHES[mechanism];
        const salt = randomBytes(16);
        const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, bytes, hash);
        const clientKey = createHmac(hash, salted).update('Client Key').digest();
        this.scram.set(`${mechanism}\u0000${user}`, { salt, storedKey: createHash(hash).update(clientKey).digest(), serverKey: createHmac(hash, salted).update('Server Key').digest() });
      }
    }
  }

  /** PLAIN's check, in constant time for a known user. */
  passwordMatches(user: string, password: string): boolean {
    const expected = this.passwords.get(user);
    if (expected === undefined) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(password);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  credential(mechanism: keyof typeof HASHES, user: string): ScramCredential | undefined {
    return this.scram.get(`${mechanism}\u0000${user}`);
  }
}

/** What one SaslAuthenticate step answers; `done` once the client is authenticated, `closing` after a failure. */
export interface SaslStep {
  errorCode: ErrorCode;
  errorMessage: string | null;
  authBytes: Buffer;
}

/** A SCRAM exchange between its client-first and client-final messages. */
interface ScramExchange {
  mechanism: keyof typeof HASHES;
  user: string;
  credential: ScramCredential;
  nonce: string;
  clientFirstBare: string;
  serverFirst: string;
  gs2Header: string;
}

/** RFC 5802's saslname: `=2C` is a comma, `=3D` an equals sign; any other `=` is not allowed. */
function saslName(text: string): string | undefined {
  if (/=(?!2C|3D)/.test(text)) return undefined;
  return text.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(',')) {
    const equals = part.indexOf('=');
    if (equals === 1) map.set(part.slice(0, 1), part.slice(2));
  }
  return map;
}

/**
 * One connection's SASL state, as Kafka's SaslServerAuthenticator keeps it: SaslHandshake picks a mechanism,
 * SaslAuthenticate carries its tokens (PLAIN: one; SCRAM: client-first, then client-final), and until the client is
 * authenticated only ApiVersions and these two may be asked. A failed authentication is answered, then the
 * connection closed, as Kafka does.
 */
export class SaslSession {
  authenticated = false;
  /** Set when the connection must close once its answer is written. */
  closing = false;
  user: string | undefined;
  /** After a SaslHandshake v0 the tokens come as bare size-prefixed frames, not in SaslAuthenticate requests. */
  rawTokens = false;
  private mechanism: Mechanism | undefined;
  private scram: ScramExchange | undefined;

  constructor(private readonly users: SaslUsers | undefined) {}

  /** Whether a request of this API may be handled now. */
  allows(apiKey: number): boolean {
    return this.users === undefined || this.authenticated || apiKey === 18 || apiKey === 17 || apiKey === 36;
  }

  handshake(mechanism: string, version: number): { errorCode: ErrorCode; mechanisms: string[] } {
    // On a plaintext listener, or once authenticated, the request reaches KafkaApis, which answers ILLEGAL_SASL_STATE.
    if (this.users === undefined || this.authenticated || this.mechanism !== undefined) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      this.closing = true;
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...SASL_MECHANISMS] };
    }
    this.mechanism = mechanism as Mechanism;
    this.rawTokens = version === 0;
    return { errorCode: ErrorCode.NONE, mechanisms: [...SASL_MECHANISMS] };
  }

  authenticate(token: Buffer): SaslStep {
    if (this.users === undefined || this.authenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0) };
    if (this.mechanism === undefined) {
      this.closing = true;
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request before SaslHandshake', authBytes: Buffer.alloc(0) };
    }
    if (this.mechanism === 'PLAIN') return this.plain(this.users, token);
    return this.scram === undefined ? this.scramFirst(this.users, this.mechanism, token.toString('utf8')) : this.scramFinal(this.scram, token.toString('utf8'));
  }

  private fail(message: string): SaslStep {
    this.closing = true;
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0) };
  }

  private succeed(user: string, authBytes: Buffer): SaslStep {
    this.authenticated = true;
    this.rawTokens = false;
    this.user = user;
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes };
  }

  /** PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`; an authzid other than the user is refused, as Kafka refuses it. */
  private plain(users: SaslUsers, token: Buffer): SaslStep {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) return this.fail('Authentication failed: Invalid username or password');
    const [authzid, user, password] = parts as [string, string, string];
    if (authzid !== '' && authzid !== user) return this.fail('Authentication failed: Client requested an authorization id that is different from username');
    if (!users.passwordMatches(user, password)) return this.fail('Authentication failed: Invalid username or password');
    return this.succeed(user, Buffer.alloc(0));
  }

  /** Kafka wraps a SCRAM failure in this one message, whatever went wrong (SaslServerAuthenticator). */
  private scramFailure(mechanism: string): SaslStep {
    return this.fail(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
  }

  /** client-first-message (RFC 5802): `n,[a=authzid],n=user,r=nonce`; answered with the server-first-message. */
  private scramFirst(users: SaslUsers, mechanism: keyof typeof HASHES, message: string): SaslStep {
    const match = /^([ny]),(a=[^,]*)?,(.*)$/.exec(message);
    if (match === null) return this.scramFailure(mechanism);
    const bare = match[3] as string;
    const fields = attributes(bare);
    const user = saslName(fields.get('n') ?? '');
    const clientNonce = fields.get('r');
    const authzid = match[2] === undefined ? undefined : saslName(match[2].slice(2));
    if (user === undefined || clientNonce === undefined || clientNonce === '' || (authzid !== undefined && authzid !== user)) return this.scramFailure(mechanism);
    const credential = users.credential(mechanism, user);
    if (credential === undefined) return this.scramFailure(mechanism);
    const nonce = clientNonce + randomBytes(18).toString('base64url');
    const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
    this.scram = { mechanism, user, credential, nonce, clientFirstBare: bare, serverFirst, gs2Header: message.slice(0, message.length - bare.length) };
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: Buffer.from(serverFirst) };
  }

  /** client-final-message: `c=base64(gs2 header),r=nonce,p=proof`; the proof checked against the stored key, answered with `v=`. */
  private scramFinal(exchange: ScramExchange, message: string): SaslStep {
    const proofAt = message.lastIndexOf(',p=');
    const fields = attributes(message);
    const proof = Buffer.from(fields.get('p') ?? '', 'base64');
    const { hash } = HASHES[exchange.mechanism];
    // Kafka checks that the nonce ends with the server's (ScramSaslServer): librdkafka sends its own nonce before the
    // whole server nonce, which already begins with it.
    if (proofAt < 0 || !(fields.get('r') ?? '').endsWith(exchange.nonce) || fields.get('c') !== Buffer.from(exchange.gs2Header).toString('base64') || proof.length !== exchange.credential.storedKey.length) {
      return this.scramFailure(exchange.mechanism);
    }
    const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${message.slice(0, proofAt)}`;
    const signature = createHmac(hash, exchange.credential.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, index) => byte ^ (signature[index] as number)));
    if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), exchange.credential.storedKey)) return this.scramFailure(exchange.mechanism);
    const serverSignature = createHmac(hash, exchange.credential.serverKey).update(authMessage).digest();
    return this.succeed(exchange.user, Buffer.from(`v=${serverSignature.toString('base64')}`));
  }
}
