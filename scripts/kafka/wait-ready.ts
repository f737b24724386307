/**
 * Waits until a Kafka broker really serves client requests: a kafkajs admin connects, sees at least one
 * broker in describeCluster and lists topics. An open port is not enough: a KRaft broker accepts
 * connections before it has caught up with the metadata log.
 *
 *   node scripts/kafka/wait-ready.ts --brokers 127.0.0.1:9092 --timeout-ms 60000 [--pid 1234]
 *
 * Exit codes: 0 ready, 1 timed out, 2 the broker process (--pid) died while we waited.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'timeout-ms': { type: 'string', default: '60000' },
    pid: { type: 'string' },
  },
});

const brokers = values.brokers.split(',');
const timeoutMs = Number(values['timeout-ms']);
const pid = values.pid === undefined ? undefined : Number(values.pid);

function processAlive(id: number): boolean {
  try {
    process.kill(id, 0);
    return true;
  } catch {
    return false;
  }
}

/** One probe with short timeouts, so a slow start is retried rather than waited on in one request. */
async function probe(): Promise<string> {
  const kafka = new Kafka({
    clientId: 'stream-scorer-wait-ready',
    brokers,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('describeCluster returned no brokers');
    const topics = await admin.listTopics();
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    if (pid !== undefined && !processAlive(pid)) {
      console.error(`wait-ready: broker process ${pid} exited before it was ready`);
      return 2;
    }
    try {
      console.error(`wait-ready: ${await probe()}`);
      return 0;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(250);
  }
  console.error(`wait-ready: not ready on ${brokers.join(',')} after ${timeoutMs} ms: ${lastError}`);
  return 1;
}

process.exitCode = await main();
