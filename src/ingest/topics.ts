/** Start-up check: every topic the service reads or writes exists, so a typo fails fast and by name
 * instead of leaving the consumer idle or the producer retrying forever (auto-creation is off). */
import type { Kafka } from 'kafkajs';
import { ScorerError } from '../errors.ts';

export async function assertTopicsExist(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new ScorerError('SCORER_ERR_KAFKA', `topics do not exist: ${missing.join(', ')} (create them first; the scorer does not auto-create topics)`, {
        details: { missing },
      });
    }
  } catch (error) {
    if (error instanceof ScorerError) throw error;
    throw new ScorerError('SCORER_ERR_KAFKA', `could not list topics on the brokers: ${(error as Error).message}`, { cause: error, retryable: true });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
