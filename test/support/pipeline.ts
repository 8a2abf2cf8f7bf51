import { createPipeline, type PipelineOptions } from '../../pipelines/pipeline.js';

/** A document as the tests read it: whatever fields the pipeline put. */
export type Doc = Record<string, any>;

/**
 * A reader of lines through the whole pipeline, as they arrive on `topic` (or on the topic given with a line) at `now`
 * (the clock when not given), with `enrichers`; a line the pipeline refuses fails the test with its reason.
 */
export function documentReader(options: { topic?: string; now?: number; enrichers?: PipelineOptions['enrichers'] } = {}): (value: string, topic?: string) => Doc {
  const { now } = options;
  const pipeline = createPipeline({ namespace: 'prod', ...(now === undefined ? {} : { now: () => now }), enrichers: options.enrichers ?? [] });
  return (value, topic = options.topic) => {
    const outcome = pipeline({ value, ...(topic === undefined ? {} : { topic }) });
    if (!outcome.ok) throw new Error(`rejected (${outcome.reason}): ${value}`);
    return outcome.document as Doc;
  };
}

/** Each line through the whole pipeline as it arrives on `topic` at `received`. */
export function pipelineDocuments(lines: readonly string[], options: { received: number; topic: string }): Doc[] {
  const read = documentReader({ topic: options.topic, now: options.received });
  return lines.map((line) => read(line));
}
