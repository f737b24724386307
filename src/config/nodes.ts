/** Schema nodes and patterns that several sections of the configuration share (schema.ts, flow-schema.ts). */
import { type StringNode, str } from './dsl.ts';

export const FORMATS = ['avro', 'json'] as const;

/**
 * Kafka's own topic rule (kafka.common.internals.Topic): legal characters, at most 249, not "." or "..".
 * Kafka checks group.instance.id by the same rule (JoinGroupRequest.validateGroupInstanceId).
 */
export const TOPIC_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,249}$/;
const TOPIC_HINT = "must be a Kafka topic name (letters, digits, '.', '_', '-'; 1 to 249 characters)";

// Generic over `extra` so that `optional: true` survives into the node's type (see dsl.ts).
export const topic = <const O extends Partial<StringNode>>(doc: string, extra?: O): StringNode & O =>
  str({ doc, pattern: TOPIC_PATTERN, hint: TOPIC_HINT, ...extra }) as StringNode & O;

export const name = (doc: string, extra: Partial<StringNode> = {}): StringNode => str({ doc, minLength: 1, ...extra });

/** The characters of a model's directory name; model refs ("name@2") and experiment ids are spelt with them too. */
export const NAME_CHARS = '[A-Za-z0-9._-]+';

/** A model directory name: those characters, but not "." or "..". */
export const MODEL_NAME = new RegExp(`^(?!\\.{1,2}$)${NAME_CHARS}$`);
