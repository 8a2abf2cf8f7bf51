import type { Config } from '../../shared/config.js';
import { LOCAL_KAFKA_BROKER } from '../../shared/kafka-errors.js';
import type { Logger } from '../../shared/logging.js';
import { monthBounds } from '../rollup/report/calendar.js';
import { planLines } from './describe.js';
import { planDemo, planLive } from './generator.js';
import { backfill, demoProducer, produceLive } from './producer.js';
import { Progress, type ProgressOutput } from './progress.js';

export interface DemoCommandOptions {
  month: string;
  /** Live events per second after the month; 0: stop after it. */
  rate: number;
  events: number;
  seed: number;
  namespace: string;
}

/**
 * `sluice demo`: the month's traffic into any Kafka (the topics of the contract, Filebeat-shaped events), its
 * planted incidents listed first, with progress on `out`; then live traffic until the signal aborts.
 */
export async function runDemoCommand(config: Config, logger: Logger, options: DemoCommandOptions, out: ProgressOutput, signal: AbortSignal): Promise<{ produced: number; seconds: number }> {
  const brokers = config.kafka.brokers ?? [LOCAL_KAFKA_BROKER];
  const bounds = monthBounds(options.month, config.reportTimeZone);
  const plan = planDemo({ seed: options.seed, namespace: options.namespace, from: bounds.from, to: bounds.to, events: options.events });
  out.write(`sluice demo: ${options.month} (${config.reportTimeZone}), about ${options.events.toLocaleString('en-US')} events, seed ${options.seed}, namespace ${options.namespace}, to ${brokers.join(',')}\nplanted (local time ${config.reportTimeZone}):\n${planLines(plan, config.reportTimeZone).join('\n')}\n`);
  const producer = demoProducer({ ...config, kafka: { ...config.kafka, brokers } }, logger);
  await producer.connect();
  try {
    const started = Date.now();
    const progress = new Progress(out, 'backfill', options.events);
    const produced = await backfill(producer, plan, plan.from, (step) => progress.update(step.produced), signal);
    progress.finish(produced);
    const seconds = (Date.now() - started) / 1000;
    if (options.rate > 0 && !signal.aborted) {
      out.write(`live: about ${options.rate} events/s until Ctrl-C\n`);
      await produceLive(producer, planLive(options.seed, options.namespace, options.rate), signal);
    }
    return { produced, seconds };
  } finally {
    await producer.disconnect();
  }
}
