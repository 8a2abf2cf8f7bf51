import type { Admin } from 'kafkajs';
import type { Gauge } from 'prom-client';
import { groupLag } from '../../shared/consumer-lag.js';
import type { Logger } from '../../shared/logging.js';

/** A lag read this recently is served again: /metrics scraped often (the benchmark reads it every few hundred ms) asks Kafka at most this often. */
const FRESH_MS = 1000;
/** A scrape waits at most this long for Kafka's answer; past it (Kafka unreachable) the values read before stay. */
const WAIT_MS = 500;

/**
 * The lag of the partitions this member owns, read from Kafka when /metrics is scraped: the partition's end
 * minus the group's committed offset. Read so, it grows while consumption waits (Elasticsearch down, the
 * in-flight bound reached), which is when operators watch it; set after each batch, it stood still then.
 */
export class AssignedLag {
  private assignment: Record<string, number[]> = {};
  private readAt = 0;
  private reading: Promise<void> | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly gauge: Gauge<'topic' | 'partition'>,
    private readonly logger: Logger,
  ) {}

  /** The partitions the group gave this member: only theirs are reported (another member reports the rest). */
  assigned(assignment: Record<string, number[]>): void {
    this.assignment = assignment;
    this.readAt = 0;
    this.gauge.reset();
  }

  /** For the gauge's collect: a new read when the last is stale, waited for briefly; a read under way is not waited for. */
  async refresh(): Promise<void> {
    if (this.reading !== undefined || Date.now() - this.readAt < FRESH_MS) return;
    const reading = this.read().finally(() => {
      this.reading = undefined;
    });
    this.reading = reading;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([reading, new Promise<void>((resolve) => (timer = setTimeout(resolve, WAIT_MS).unref()))]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    if (this.connecting !== undefined) await this.admin.disconnect();
  }

  private async read(): Promise<void> {
    const assignment = this.assignment;
    const topics = Object.keys(assignment).filter((topic) => (assignment[topic] ?? []).length > 0);
    try {
      if (topics.length === 0) return;
      this.connecting ??= this.admin.connect();
      await this.connecting;
      const lags = await groupLag(this.admin, this.groupId, topics);
      // A rebalance during the read: its answer is for partitions this member may no longer own.
      if (assignment !== this.assignment) return;
      this.gauge.reset();
      for (const { topic, partition, lag } of lags) if (assignment[topic]?.includes(partition)) this.gauge.set({ topic, partition: String(partition) }, Math.max(0, lag));
      this.readAt = Date.now();
    } catch (error) {
      this.connecting = undefined;
      this.logger.debug({ err: error }, 'consumer lag not read; the values read before stay');
    }
  }
}
