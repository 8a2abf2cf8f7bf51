import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { exited, freePort, waitFor } from './support/process.js';

// uvicorn's own logs through python-json-logger, as a FastAPI service configures them for JSON: written here by
// Debian's python3-uvicorn 0.17 and python3-pythonjsonlogger (which .ci/run installs), serving an ASGI app and
// answering three requests. The access logger's message is uvicorn's '%s - "%s %s HTTP/%s" %d'.
const SERVER = `
import sys, uvicorn

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    status = 500 if scope["path"].startswith("/api/v1/fail") else 201 if scope["method"] == "POST" else 200
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "loggers": {
        "uvicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=LOGGING)
`;

async function uvicornLog(): Promise<string[]> {
  const port = await freePort();
  const server = spawn('/usr/bin/python3', ['-u', '-c', SERVER, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('Application startup complete'), 20_000, 'uvicorn to start');
  await fetch(`http://127.0.0.1:${port}/api/v1/jobs/8f14e45f`);
  await fetch(`http://127.0.0.1:${port}/api/v1/jobs?priority=high`, { method: 'POST' });
  await fetch(`http://127.0.0.1:${port}/api/v1/fail`);
  await waitFor(() => output.split('uvicorn.access').length === 4, 10_000, 'the three access lines');
  server.kill('SIGINT');
  await exited(server);
  return output.trim().split('\n');
}

describe('uvicorn’s logs through python-json-logger, run here', () => {
  it('each request line is the exchange it logged; the server’s lines stay its log', async () => {
    const lines = await uvicornLog();
    const pipeline = createPipeline({ namespace: 'prod' });
    const documents = lines.map((line) => {
      const outcome = pipeline({ value: line, topic: 'logs-app' });
      if (!outcome.ok) throw new Error(`${outcome.reason}: ${line}`);
      return outcome.document as Record<string, any>;
    });
    const access = documents.filter((document) => document.log.logger === 'uvicorn.access');
    expect(access.map((document) => [document.http?.request?.method, document.url?.original, document.http?.response?.status_code, document.event?.outcome])).toEqual([
      ['GET', '/api/v1/jobs/8f14e45f', 200, 'success'],
      ['POST', '/api/v1/jobs?priority=high', 201, 'success'],
      ['GET', '/api/v1/fail', 500, 'failure'],
    ]);
    for (const document of access) {
      expect(document.source.ip).toBe('127.0.0.1');
      expect(document.source.port).toBe(Number(/:(\d+) - /.exec(document.message)?.[1]));
      expect(document.http.version).toBe('1.1');
    }
    expect(access[0]?.rendiff?.route).toBe('/api/v1/jobs/{id}');
    const server = documents.filter((document) => document.log.logger === 'uvicorn.error');
    expect(server.map((document) => document.message)).toContain('Application startup complete.');
    for (const document of server) {
      expect(document.http).toBeUndefined();
      // uvicorn's coloured copy of a message is not kept beside it.
      expect(JSON.stringify(document)).not.toContain('color_message');
    }
  });
});
