import { createPipeline } from '../../pipelines/pipeline.js';

/**
 * Each line through the whole pipeline as it arrives on `topic` at `received`; a line the pipeline refuses fails the
 * test with its reason.
 */
export function pipelineDocuments(lines: readonly string[], options: { received: number; topic: string }): Array<Record<string, any>> {
  const pipeline = createPipeline({ namespace: 'prod', now: () => options.received });
  return lines.map((line) => {
    const outcome = pipeline({ value: line, topic: options.topic });
    if (!outcome.ok) throw new Error(`${outcome.reason}: ${line}`);
    return outcome.document;
  });
}
