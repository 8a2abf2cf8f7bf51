import { deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { EsError } from './errors.js';

/** A request body as read: its chunks as they arrived and their length. */
export interface Body {
  chunks: Buffer[];
  length: number;
}

export type ResponseEncoding = 'gzip' | 'deflate';

/** `http.compression_level`'s default. */
const COMPRESSION_LEVEL = 3;

/**
 * A request body in gzip or deflate, inflated. Elasticsearch's HTTP pipeline always has Netty's content decompressor
 * (whatever `http.compression` says), before the aggregator that applies `http.max_content_length`: the limit is on
 * what the body inflates to. Filebeat and Logstash compress their bulk requests by default (`compression_level: 1`),
 * the official clients when asked (`http_compress`, `compression`, `gzip`). Any other encoding passes as sent.
 */
export function inflateBody(contentEncoding: string | undefined, body: Body, limit: number): Body {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (body.length === 0 || (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate' && encoding !== 'x-deflate')) return body;
  const sent = body.chunks.length === 1 ? (body.chunks[0] as Buffer) : Buffer.concat(body.chunks, body.length);
  // One byte over the limit is enough to know the body is too long, without inflating all of a bomb.
  const options = { maxOutputLength: limit + 1 };
  let inflated: Buffer;
  try {
    if (encoding.endsWith('gzip')) inflated = gunzipSync(sent, options);
    // Netty takes deflate with or without its zlib wrapper, as browsers and servers send both.
    else inflated = hasZlibHeader(sent) ? inflateSync(sent, options) : inflateRawSync(sent, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLong(limit);
    throw new EsError(400, 'illegal_argument_exception', `the request body is not valid ${encoding} as its Content-Encoding says: ${(error as Error).message}`);
  }
  if (inflated.length > limit) throw tooLong(limit);
  return { chunks: [inflated], length: inflated.length };
}

function tooLong(limit: number): EsError {
  return new EsError(413, 'content_too_long_exception', `Request content is too long: its Content-Encoding inflates it to more than http.max_content_length [${limit}] bytes`);
}

/** RFC 1950's header: compression method 8 (deflate), and the two bytes a multiple of 31. */
function hasZlibHeader(data: Buffer): boolean {
  return data.length >= 2 && ((data[0] as number) & 0x0f) === 8 && (((data[0] as number) << 8) | (data[1] as number)) % 31 === 0;
}

/**
 * The encoding of the answer to a request with this Accept-Encoding, chosen as Netty's HttpContentCompressor chooses
 * (Elasticsearch's `http.compression` is on by default over plain HTTP): gzip or deflate by their weights, gzip when
 * they tie, either for `*`, none when nothing acceptable is offered.
 */
export function responseEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  let star = -1;
  let gzip = -1;
  let deflate = -1;
  for (const offer of acceptEncoding.split(',')) {
    const equals = offer.indexOf('=');
    const weight = equals === -1 ? 1 : Number.parseFloat(offer.slice(equals + 1));
    const q = Number.isNaN(weight) ? 0 : weight;
    if (offer.includes('*')) star = q;
    else if (offer.includes('gzip') && q > gzip) gzip = q;
    else if (offer.includes('deflate') && q > deflate) deflate = q;
  }
  if (gzip > 0 || deflate > 0) return gzip !== -1 && gzip >= deflate ? 'gzip' : 'deflate';
  if (star > 0) {
    if (gzip === -1) return 'gzip';
    if (deflate === -1) return 'deflate';
  }
  return undefined;
}

export function compress(payload: string | Buffer, encoding: ResponseEncoding): Buffer {
  return encoding === 'gzip' ? gzipSync(payload, { level: COMPRESSION_LEVEL }) : deflateSync(payload, { level: COMPRESSION_LEVEL });
}
