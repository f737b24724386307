/**
 * Leaves the group for a member id that kafkajs has abandoned. kafkajs restarts a crashed consumer as a
 * new member; the LeaveGroup its crash handler sends for the old id fails when the crash came from the
 * broker going away, so the old id stays in the group, and the coordinator holds every join of the
 * new generation until that id's session expires (kafka.consumer.sessionTimeoutMs, 30 s by default).
 * Sending that LeaveGroup again once a coordinator answers lets the group form as soon as its live
 * members have joined.
 *
 * kafkajs 2.2.4 has no public call for it: its admin client has no LeaveGroup, so this builds a
 * cluster the way the client builds one for its consumers, through the client's private factory. The
 * version is pinned and kafkajs is unmaintained (tulios/kafkajs#1603); the broker-restart suite fails
 * if the factory goes away (the restart would wait out the session again).
 */
import type { Kafka } from 'kafkajs';
import { backoffDelay } from '../../core/backoff.ts';

const FACTORY = 'private:Kafka:createCluster';
const RETRY = { initialMs: 250, maxMs: 1000 };

interface Coordinator {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<Coordinator>;
}
type ClusterFactory = (options: object) => Cluster;

function clusterFactory(kafka: Kafka): ClusterFactory {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === FACTORY);
  const factory: unknown = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof factory !== 'function') throw new Error(`kafkajs has no ${FACTORY}: the pinned kafkajs version changed`);
  return factory as ClusterFactory;
}

/** The member is gone for the coordinator: it left, or it had already expired. */
function alreadyGone(error: unknown): boolean {
  return error instanceof Error && 'type' in error && error.type === 'UNKNOWN_MEMBER_ID';
}

export interface LeaveOptions {
  readonly groupId: string;
  readonly memberId: string;
  /** Stop trying after this long. */
  readonly giveUpAfterMs: number;
  /** Asked before each attempt: the consumer stopped. */
  readonly stopped: () => boolean;
}

/** Sends LeaveGroup for `memberId` until a coordinator takes it; true if it did, false on giving up. */
export async function leaveStaleMember(kafka: Kafka, options: LeaveOptions): Promise<boolean> {
  const build = clusterFactory(kafka);
  const deadline = Date.now() + options.giveUpAfterMs;
  for (let attempt = 1; !options.stopped() && Date.now() < deadline; attempt++) {
    const cluster = build({});
    try {
      await cluster.connect();
      const coordinator = await cluster.findGroupCoordinator({ groupId: options.groupId });
      await coordinator.leaveGroup({ groupId: options.groupId, memberId: options.memberId });
      return true;
    } catch (error) {
      if (alreadyGone(error)) return true;
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(RETRY, attempt)));
  }
  return false;
}
