/**
 * Exactly-once with three replicas on 12 partitions under steady load (test/support/scale-out.ts), judged
 * by the exact tally of what a read_committed consumer of the output and DLQ topics sees: the group
 * scales 1 -> 3, one of the three is killed (kill -9) and restarted under the same transactional id,
 * then two leave on SIGTERM (3 -> 1). Every input offset must be answered exactly once: no loss, no
 * duplicate, whatever moved or crashed. Replicas are dynamic members (no static ids), so joins and
 * leaves rebalance, with the broker's shortest session so the killed member's partitions move soon.
 * Only the clients that offer exactly-once run it (test/support/clients.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENTS, EXACTLY_ONCE } from '../support/clients.ts';
import { firstPrediction, pause, ScaleOutScenario, sigterm } from '../support/scale-out.ts';

const SHORT_SESSION = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 };
const TEST = { timeout: 240_000 };

for (const client of CLIENTS.filter((c) => EXACTLY_ONCE[c])) {
  test(
    `[${client}] exactly-once, three replicas under steady load: scale 1 -> 3, kill -9 of one, 3 -> 1: zero losses, zero duplicates under read_committed`,
    TEST,
    async (t) => {
      const s = await ScaleOutScenario.create(t, client, 'eos-scale', { consumer: SHORT_SESSION, exactlyOnce: true });
      await s.load.start();
      const a = await s.start('a');
      await firstPrediction(a);
      await pause(2000);
      const [b, c] = await Promise.all(['b', 'c'].map((name) => s.start(name)));
      const firsts = await Promise.all([b, c].map((r) => firstPrediction(r as NonNullable<typeof r>)));
      t.diagnostic(`joining replicas' first prediction: ${firsts.map((ms) => `${ms} ms`).join(', ')} after their start`);
      await pause(3000);
      const victim = c as NonNullable<typeof c>;
      victim.handle.child.kill('SIGKILL');
      await victim.handle.exited;
      // Under the same transactional id, as a StatefulSet pod comes back: it aborts what the dead one left open.
      const again = await s.start('c2', undefined, 'c');
      t.diagnostic(`after kill -9, the restarted replica predicted ${await firstPrediction(again)} ms after its start`);
      await pause(3000);
      for (const r of [b as NonNullable<typeof b>, again]) await sigterm(r);
      await pause(3000);
      const result = await s.finish(t);
      assert.equal(result.duplicates, 0, 'each input answered once under read_committed');
      const survivors = s.replicas.filter((r) => r !== victim);
      assert.deepEqual(ScaleOutScenario.errors(survivors), [], 'nothing at error level but from the killed replica');
    },
  );
}
