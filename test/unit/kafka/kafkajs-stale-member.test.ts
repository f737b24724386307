/**
 * The stale member's LeaveGroup (src/kafka/kafkajs/stale-member.ts) against a double of kafkajs's
 * private cluster factory: the double stands for a broker that is down, then back, which a real
 * broker-restart test (test/integration/broker-restart.test.ts) shows end to end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { leaveStaleMember } from '../../../src/kafka/kafkajs/stale-member.ts';

interface Double {
  readonly kafka: Kafka;
  readonly left: string[];
  readonly disconnects: () => number;
}

/** A client whose clusters fail `down` attempts, then answer LeaveGroup with `answer`. */
function client(down: number, answer: () => Promise<unknown> = async () => undefined): Double {
  const left: string[] = [];
  let attempts = 0;
  let disconnects = 0;
  const cluster = () => ({
    connect: async () => {
      if (++attempts <= down) throw new Error('Connection error: connect ECONNREFUSED');
    },
    disconnect: async () => {
      disconnects++;
    },
    findGroupCoordinator: async () => ({
      leaveGroup: async ({ memberId }: { memberId: string }) => {
        left.push(memberId);
        return answer();
      },
    }),
  });
  const kafka = { [Symbol('private:Kafka:createCluster')]: cluster } as unknown as Kafka;
  return { kafka, left, disconnects: () => disconnects };
}

const options = { groupId: 'g', memberId: 'member-1', giveUpAfterMs: 30_000, stopped: () => false };

test('retries until a coordinator takes the LeaveGroup, disconnecting every cluster it built', async () => {
  const double = client(2);
  assert.equal(await leaveStaleMember(double.kafka, options), true);
  assert.deepEqual(double.left, ['member-1']);
  assert.equal(double.disconnects(), 3);
});

test('a member the coordinator no longer knows has left already', async () => {
  const gone = Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' });
  const double = client(0, () => Promise.reject(gone));
  assert.equal(await leaveStaleMember(double.kafka, options), true);
});

test('gives up when the consumer stops, and past the session', async () => {
  let stopped = false;
  const stopping = client(1_000);
  const leaving = leaveStaleMember(stopping.kafka, { ...options, stopped: () => stopped });
  stopped = true;
  assert.equal(await leaving, false);
  assert.equal(await leaveStaleMember(client(1_000).kafka, { ...options, giveUpAfterMs: 0 }), false);
});

test('names the pinned version when the private factory is gone', async () => {
  await assert.rejects(leaveStaleMember({} as Kafka, options), /pinned kafkajs version/);
});
