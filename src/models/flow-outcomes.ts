/**
 * A flow batch's reply as delivery takes it: per input row, the predictions the worker encoded (one per
 * model the row was routed to, views of the reply's one buffer), or the one dead letter that says why the
 * row has none. A row's first prediction is its Outgoing's record and the rest its fan-out, so a row is
 * still one value in its partition's ledger and is acknowledged and committed as one. A row's shadow
 * records join its fan-out, each to its shadow topic: committed with the input, never without it.
 */
import { deadLetterOutgoing, type OutputTarget } from '../delivery/outcomes.ts';
import type { Outgoing } from '../delivery/outgoing.ts';
import type { FlowScoredReply } from '../inference/protocol.ts';
import { NO_HEADERS, type OutgoingRecord } from '../kafka/client.ts';
import type { ScoredPart } from './bisect.ts';
import { featureLogRecord } from './feature-log-outcomes.ts';
import type { ShadowTarget } from './flow-experiments.ts';
import type { Work } from './work.ts';

function recordAt(target: OutputTarget, work: Work, reply: FlowScoredReply, r: number): OutgoingRecord {
  const start = r === 0 ? 0 : (reply.recordEnds[r - 1] as number);
  const end = reply.recordEnds[r] as number;
  const value = Buffer.from(reply.encoded.buffer, reply.encoded.byteOffset + start, end - start);
  return { topic: target.topic, key: work.record.key, value, headers: work.trace?.headers ?? NO_HEADERS };
}

function tagAt(reply: FlowScoredReply, r: number): string {
  return reply.models[reply.recordModel[r] as number] ?? 'unknown';
}

type FanOut = { record: OutgoingRecord; tag: string }[];

/** Row i's shadow records, candidate by candidate (each `shadow[c]`'s topic and tag). */
function shadowRecords(work: Work, reply: FlowScoredReply, i: number, shadow: readonly ShadowTarget[], into: FanOut): void {
  reply.shadow?.candidates.forEach((scored, c) => {
    const first = i === 0 ? 0 : (scored.rowRecords[i - 1] as number);
    const to = shadow[c];
    if (to === undefined || (scored.rowRecords[i] as number) === first) return;
    const start = first === 0 ? 0 : (scored.recordEnds[first - 1] as number);
    const value = Buffer.from(scored.encoded.buffer, scored.encoded.byteOffset + start, (scored.recordEnds[first] as number) - start);
    into.push({ record: { topic: to.topic, key: work.record.key, value, headers: work.trace?.headers ?? NO_HEADERS }, tag: to.tag });
  });
}

/**
 * `shadow`: where the flow's shadow candidates' records go, in its plan's order; `featureLogTopic`:
 * where each prediction's feature-log record goes (record r's, beside prediction r), when it is on.
 */
export function flowOutcomes(
  target: OutputTarget,
  parts: readonly ScoredPart<FlowScoredReply>[],
  now: number,
  shadow: readonly ShadowTarget[] = [],
  featureLogTopic?: string,
): Outgoing[] {
  const out: Outgoing[] = [];
  for (const { items, reply } of parts) {
    const failures = new Map(reply.failures.map((f) => [f.row, f]));
    const log = featureLogTopic === undefined ? undefined : reply.featureLog;
    let first = 0;
    for (let i = 0; i < items.length; i++) {
      const work = items[i] as Work;
      const end = reply.rowRecords[i] as number;
      const failure = failures.get(i);
      if (failure !== undefined || end === first) {
        const reason = failure?.reason ?? 'INTERNAL_ERROR';
        const message = failure?.message ?? 'the flow wrote no prediction and gave no reason (a bug)';
        out.push(deadLetterOutgoing(target, work, reason, message, undefined, now));
      } else {
        const fanOut: FanOut = [];
        for (let r = first + 1; r < end; r++) fanOut.push({ record: recordAt(target, work, reply, r), tag: tagAt(reply, r) });
        if (shadow.length > 0) shadowRecords(work, reply, i, shadow, fanOut);
        if (log !== undefined) for (let r = first; r < end; r++) fanOut.push(featureLogRecord(featureLogTopic as string, work, log, r, tagAt(reply, r)));
        const outgoing: Outgoing = { source: work, kind: 'prediction', tag: tagAt(reply, first), record: recordAt(target, work, reply, first) };
        out.push(fanOut.length === 0 ? outgoing : { ...outgoing, fanOut });
      }
      first = end;
    }
  }
  return out;
}
