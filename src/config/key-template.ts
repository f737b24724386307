/**
 * An enrichment key template, "customer:{account_id}": literal text with event fields (dotted paths) in
 * braces. Parsed here for the configuration rules, which report a bad template naming its setting, and
 * for the workers (flows/enrich/key-template.ts renders it per event).
 */

export interface KeyTemplate {
  readonly text: string;
  /** The dotted paths of the fields it reads, in order. */
  readonly fields: readonly string[];
  /** literals[i] comes before fields[i]; the last literal ends the key. */
  readonly literals: readonly string[];
  readonly paths: readonly (readonly string[])[];
}

const FIELD = /^[^{}.\s]+(\.[^{}.\s]+)*$/;

/** Throws an Error saying what is wrong (an unclosed brace, an empty or bad field, no field at all). */
export function parseKeyTemplate(text: string): KeyTemplate {
  const literals: string[] = [];
  const fields: string[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '}') throw new Error(`key template "${text}" has a "}" with no "{" before it (at ${i})`);
    if (c !== '{') {
      literal += c;
      continue;
    }
    const close = text.indexOf('}', i + 1);
    if (close < 0) throw new Error(`key template "${text}" has an unclosed "{" (at ${i})`);
    const field = text.slice(i + 1, close);
    if (!FIELD.test(field)) throw new Error(`key template "${text}" has "{${field}}", which is not a field (a dotted path, e.g. {account_id} or {user.id})`);
    literals.push(literal);
    fields.push(field);
    literal = '';
    i = close;
  }
  literals.push(literal);
  // A key with no field is the same for every event: a constant, not a lookup.
  if (fields.length === 0) throw new Error(`key template "${text}" names no event field: write one in braces, e.g. "customer:{account_id}"`);
  return { text, fields, literals, paths: fields.map((f) => f.split('.')) };
}
