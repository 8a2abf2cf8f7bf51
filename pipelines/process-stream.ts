import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Input, Outcome } from './types.js';

/**
 * `sluice process`: one input line → one document line on `out`, or one JSON rejection with its line
 * number on `errors`. Output is written in chunks, not per line, to keep the loop cheap.
 */
export async function processStream(pipeline: (input: Input) => Outcome, input: Readable, out: Writable, errors: Writable, topic?: string): Promise<{ accepted: number; rejected: number }> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let buffer = '';
  let accepted = 0;
  let rejected = 0;
  let lineNumber = 0;
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  };
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const outcome = pipeline(topic === undefined ? { value: line } : { value: line, topic });
    if (outcome.ok) {
      accepted += 1;
      buffer += `${JSON.stringify(outcome.document)}\n`;
      if (buffer.length > 65_536) await flush();
    } else {
      rejected += 1;
      errors.write(`${JSON.stringify({ line: lineNumber, stage: outcome.stage, reason: outcome.reason })}\n`);
    }
  }
  await flush();
  return { accepted, rejected };
}
