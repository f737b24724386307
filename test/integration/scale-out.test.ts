/**
 * Replicas of the real scorer in one consumer group on 12 partitions under steady load (one event in 50
 * a poison record), each scenario judged by the exact tally of the output: for every input offset, how
 * many predictions and dead letters name it (test/support/output-tally.ts).
 * - scale 1 -> 3 -> 1: two replicas join, then leave on SIGTERM;
 * - kill -9 of one replica, three times, each restarted at once;
 * - a rolling restart: SIGTERM of every replica in turn, each restarted once it exited.
 * Where the client waits for revocation and rebalances cooperatively (platformatic), a planned
 * rebalance replays nothing: zero duplicates. kafkajs rebalances eagerly and cannot wait: every member
 * gives up every partition, and what it had sent but not yet committed is scored again by the next
 * owner, so there the duplicates are bounded by the uncommitted windows of the members revoked (the
 * README says so). Crashes may replay, within the budget; static membership (platformatic) lets a
 * restarted replica take its partitions back without a rebalance.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { ClientName } from '../../src/kafka/client.ts';
import { CLIENTS, COOPERATIVE, STATIC_MEMBERSHIP } from '../support/clients.ts';
import type { Tally } from '../support/output-tally.ts';
import { firstPrediction, pause, type Replica, ScaleOutScenario, sigterm, WINDOW } from '../support/scale-out.ts';

/** Without static membership a restarted replica is a new member and the group waits out the dead one's session: the broker's minimum. */
const SHORT_SESSION = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 };
const TEST = { timeout: 180_000 };
const NAMES = ['a', 'b', 'c'];
/** Eager: forming the group of three revokes up to three members (b's join revokes a; c's, a and b). */
const FORMING = 3;

/**
 * Zero duplicates where the client rebalances cooperatively; on an eager client, at most the windows of
 * the `revoked` member revocations the scenario causes (each replays at most what that member had sent
 * and not committed).
 */
function assertPlannedDuplicates(t: TestContext, client: ClientName, result: Tally, revoked: number): void {
  if (COOPERATIVE[client]) {
    assert.equal(result.duplicates, 0, 'a planned rebalance replays nothing');
    return;
  }
  const bound = revoked * WINDOW;
  t.diagnostic(`eager rebalances: ${result.duplicates} duplicates (bound ${bound}: ${revoked} revocations of ${WINDOW})`);
  assert.ok(result.duplicates <= bound, `duplicates ${result.duplicates} within ${bound}`);
}

for (const client of CLIENTS) {
  test(`[${client}] scale 1 -> 3 -> 1 under steady load: ${COOPERATIVE[client] ? 'zero' : 'bounded'} duplicates, zero losses`, TEST, async (t) => {
    const s = await ScaleOutScenario.create(t, client, 'scale');
    await s.load.start();
    await firstPrediction(await s.start('a'));
    await pause(2000);
    const joiners = await Promise.all(['b', 'c'].map((name) => s.start(name)));
    const firsts = await Promise.all(joiners.map((r) => firstPrediction(r)));
    t.diagnostic(`joining replicas' first prediction: ${firsts.map((ms) => `${ms} ms`).join(', ')} after their start`);
    await pause(3000);
    for (const r of joiners) await sigterm(r);
    await pause(3000);
    const result = await s.finish(t);
    assert.deepEqual(ScaleOutScenario.errors(s.replicas), [], 'scaling logs nothing at error level');
    // Eager: b's join revokes a; c's join a and b; b's leave a and c; c's leave a (a leaver drains itself).
    assertPlannedDuplicates(t, client, result, 6);
  });

  test(`[${client}] kill -9 of one replica three times under steady load: zero losses, duplicates within the budget`, TEST, async (t) => {
    const staticIds = STATIC_MEMBERSHIP[client];
    const s = await ScaleOutScenario.create(t, client, 'kill', staticIds ? {} : { consumer: SHORT_SESSION });
    await s.load.start();
    const replicas = await s.startGroup(NAMES, staticIds);
    await pause(2000);
    for (let kill = 0; kill < 3; kill++) {
      const victim = replicas[kill] as Replica;
      victim.handle.child.kill('SIGKILL');
      await victim.handle.exited;
      const again = await s.start(`${victim.name}${kill + 2}`, staticIds ? victim.name : undefined);
      replicas[kill] = again;
      t.diagnostic(`kill ${kill + 1}: the restarted replica predicted ${await firstPrediction(again)} ms after its start`);
      await pause(2000);
    }
    const result = await s.finish(t);
    // A crash replays the killed member's uncommitted window. Without static membership the restart
    // also rebalances twice (the dead member's expiry, the new one's join), revoking both survivors.
    const bound = staticIds ? 3 * WINDOW : (FORMING + 3 * (1 + 2 * (NAMES.length - 1))) * WINDOW;
    t.diagnostic(`3 kills: ${result.duplicates} duplicates (bound ${bound})`);
    assert.ok(result.duplicates <= bound, `duplicates ${result.duplicates} within ${bound}`);
    const survivors = s.replicas.filter((r) => r.handle.child.signalCode !== 'SIGKILL');
    assert.deepEqual(ScaleOutScenario.errors(survivors), [], 'the survivors log nothing at error level');
  });

  test(
    `[${client}] rolling restart (SIGTERM of every replica in turn) under steady load: ${COOPERATIVE[client] ? 'zero' : 'bounded'} duplicates, zero losses`,
    TEST,
    async (t) => {
      const s = await ScaleOutScenario.create(t, client, 'rolling');
      await s.load.start();
      const replicas = await s.startGroup(NAMES, STATIC_MEMBERSHIP[client]);
      await pause(2000);
      for (const [i, replica] of replicas.entries()) {
        await sigterm(replica);
        const again = await s.start(`${replica.name}2`, STATIC_MEMBERSHIP[client] ? replica.name : undefined);
        replicas[i] = again;
        t.diagnostic(`${replica.name} restarted: predicting ${await firstPrediction(again)} ms after its start`);
        await pause(1500);
      }
      const result = await s.finish(t);
      assert.deepEqual(ScaleOutScenario.errors(s.replicas), [], 'a rolling restart logs nothing at error level');
      // Eager: each restart is a leave and a join, each revoking the two replicas that stay.
      assertPlannedDuplicates(t, client, result, FORMING + 3 * 2 * 2);
    },
  );
}
