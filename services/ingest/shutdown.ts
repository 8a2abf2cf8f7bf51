/**
 * How long past SLUICE_SHUTDOWN_TIMEOUT a stopping member waits for Kafka and Elasticsearch to let it go before it
 * stops without (service.ts); its supervisor kills a member that has not stopped MEMBER_KILL_MARGIN_MS after that
 * (members.ts). Kept apart so that the supervisor loads no client to know them.
 */
export const SHUTDOWN_GRACE_MS = 10_000;
export const MEMBER_KILL_MARGIN_MS = 5_000;

/** What `work` gives, or 'late' once `ms` have passed (its later failure then ignored); the timer cleared either way. */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
