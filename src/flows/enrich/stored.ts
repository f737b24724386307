/**
 * What one lookup found at one key, as the cache keeps it and the mapping reads it: a hash's values of
 * the lookup's fields (HMGET order, null where absent), or a JSON value (undefined: no key). `problem`:
 * Redis answered, but not with a value of the lookup's kind (WRONGTYPE, JSON that does not parse); its
 * fields then count as missing, and the message says why.
 */
export type Stored =
  | { readonly kind: 'hash'; readonly values: readonly (string | null)[] }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'problem'; readonly problem: string };

/** Nothing was found: cached for negativeTtlMs, not ttlMs, so a key written soon after is seen soon. */
export function isNegative(stored: Stored): boolean {
  if (stored.kind === 'hash') return stored.values.every((v) => v === null);
  if (stored.kind === 'json') return stored.value === undefined || stored.value === null;
  return true;
}

/** A JSON string value as Stored: null (no key) is undefined, text that does not parse a problem. */
export function storedJson(text: string | null): Stored {
  if (text === null) return { kind: 'json', value: undefined };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'problem', problem: 'holds no JSON' };
  }
}
