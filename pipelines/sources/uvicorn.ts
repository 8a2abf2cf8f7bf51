import { isIP } from 'node:net';
import { hostPort, put, type Json } from '../ecs.js';
import { baseDocument, isFailureLevel, putExchange, receivedTime, withoutColours, type NormaliseContext } from './common.js';
import { placeTraceback } from './python-logging.js';

/**
 * uvicorn's own text lines, what a FastAPI service writes unless told otherwise (uvicorn/logging.py and the
 * LOGGING_CONFIG of uvicorn/config.py): `%(levelprefix)s %(message)s` for the server's log and
 * `%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s` for each request, where the level prefix is
 * the level name, a colon and spaces to nine characters, and the status is followed by its phrase:
 *
 *   INFO:     172.18.0.5:52044 - "GET /api/v1/jobs?limit=5 HTTP/1.1" 200 OK
 *   INFO:     Application startup complete.
 *
 * Coloured on a terminal. The lines carry no time: Filebeat's is taken, else the time they arrived. Served by
 * gunicorn with uvicorn's workers, the access line comes bare (`172.18.0.5:52044 - "GET / HTTP/1.1" 200`) and the
 * server's log in gunicorn's format (gunicorn.ts).
 */
const PREFIX = /^(TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL): +/;
/** The client (`host:port`, or nothing), the request line (its path as uvicorn decoded it, so it may hold spaces), the status. */
const ACCESS = /^(?:(\S+) )?- "(\S+) (.*) HTTP\/(\d(?:\.\d)?)" (\d{3})(?: .*)?$/;

/** A uvicorn line as its document, or undefined when the line is not one. */
export function normaliseUvicorn(line: string, context: NormaliseContext, dataset: string, service: string): Json | undefined {
  const plain = withoutColours(line);
  const prefix = PREFIX.exec(plain);
  const text = prefix === null ? plain : plain.slice(prefix[0].length);
  const access = ACCESS.exec(text);
  // Under gunicorn (uvicorn's workers) an access line comes through gunicorn's access log bare: no prefix, no phrase.
  if (prefix === null && access === null) return undefined;
  const level = prefix === null ? 'info' : (prefix[1] as string).toLowerCase();
  const document = baseDocument(dataset, receivedTime(context), context, service);
  put(document, 'log.level', level);
  if (access === null) {
    // "Exception in ASGI application" and the traceback after it.
    put(document, 'message', placeTraceback(document, text));
    put(document, 'log.logger', 'uvicorn.error');
    if (isFailureLevel(level)) put(document, 'event.outcome', 'failure');
    return document;
  }
  put(document, 'message', text);
  put(document, 'log.logger', 'uvicorn.access');
  putAccess(document, access);
  return document;
}

/** The client and the exchange of an access line's match. */
function putAccess(document: Json, access: RegExpExecArray): void {
  const [, client, method, target, version, status] = access as unknown as [string, string | undefined, string, string, string, string];
  if (client !== undefined) {
    // uvicorn writes an IPv6 client without brackets: the port is after the last colon.
    const colon = client.lastIndexOf(':');
    const { ip } = hostPort(colon > 0 ? client.slice(0, colon) : client);
    if (isIP(ip) === 0) put(document, 'rendiff.client_addr', client);
    else {
      put(document, 'source.ip', ip);
      if (colon > 0 && /^\d+$/.test(client.slice(colon + 1))) put(document, 'source.port', Number(client.slice(colon + 1)));
    }
  }
  putExchange(document, method, target, version, Number(status));
}

/**
 * uvicorn's access line as the message of a JSON record: what its `uvicorn.access` logger writes through a JSON
 * formatter (python-json-logger, the app's own, Loguru's InterceptHandler), whose message is the call's
 * `'%s - "%s %s HTTP/%s" %d'` without uvicorn's AccessFormatter. Places the client and the exchange, as for the text
 * line; false, placing nothing, for any other message.
 */
export function placeUvicornAccess(document: Json, message: string): boolean {
  const access = ACCESS.exec(message);
  if (access === null) return false;
  putAccess(document, access);
  return true;
}
