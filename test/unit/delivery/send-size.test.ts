/**
 * Sends bounded by bytes as well as counts (send-size.ts): a send that would pass the byte budget stops
 * before the item that passes it, an item over the budget goes alone, and a transport that acknowledges
 * each send sees every item once, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrderedSender } from '../../../src/delivery/ordered-sender.ts';
import { itemsWithin, recordBytes } from '../../../src/delivery/send-size.ts';
import { NO_HEADERS } from '../../../src/kafka/client.ts';
import { FakeClock } from '../../support/fake-clock.ts';

test('itemsWithin takes items while their bytes fit, at least one, at most maxItems', () => {
  const sizes = [300, 300, 300, 2000, 10];
  assert.equal(
    itemsWithin(5, 10, 1000, (i) => sizes[i] as number),
    3,
  );
  assert.equal(
    itemsWithin(2, 10, 1000, (i) => sizes[3 + i] as number),
    1,
    'an item over the budget goes alone',
  );
  assert.equal(
    itemsWithin(5, 2, 1_000_000, (i) => sizes[i] as number),
    2,
    'the count still bounds',
  );
  assert.equal(
    itemsWithin(0, 10, 1000, () => 1),
    0,
  );
});

test('a record counts its key, value, headers and framing', () => {
  const plain = recordBytes({ topic: 't', key: null, value: Buffer.alloc(100), headers: NO_HEADERS });
  const more = recordBytes({ topic: 't', key: Buffer.alloc(10), value: Buffer.alloc(100), headers: [['h', Buffer.alloc(5)]] });
  assert.ok(plain > 100);
  assert.equal(more - plain, 10 + 1 + 5 + 8);
});

test('the ordered sender cuts sends by bytes and sends every item once, in order', async () => {
  const clock = new FakeClock();
  const sends: number[][] = [];
  const acked: number[] = [];
  const sender = new OrderedSender<number>({
    transport: {
      send: async (_records, items) => {
        sends.push([...items]);
      },
    },
    recordsOf: (items) => items.map((n) => ({ topic: 'out', key: null, value: Buffer.alloc(n), headers: NO_HEADERS })),
    clock,
    scheduler: clock,
    maxRecordsPerSend: 100,
    maxBytesPerSend: { bytes: 1000, bytesOf: (n) => n },
    retry: { initialMs: 1, maxMs: 1 },
    onAcked: (items) => acked.push(...items),
    onSendError: () => undefined,
  });
  const items = [400, 400, 400, 1500, 100, 100, 100];
  sender.enqueue(items);
  await sender.idle();
  assert.deepEqual(sends, [[400, 400], [400], [1500], [100, 100, 100]]);
  assert.deepEqual(acked, items);
});
