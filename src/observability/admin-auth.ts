/**
 * The admin endpoints' bearer token: read once at start-up (admin.token, or admin.tokenFile, a mounted
 * secret), and compared in constant time, so response timing says nothing about how much of a guess
 * was right. No token configured: the admin endpoints are disabled.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MIN_ADMIN_TOKEN_LENGTH } from '../config/rules.ts';
import type { ScorerConfig } from '../config/types.ts';
import { ScorerError } from '../errors.ts';

/** The token, or undefined when neither setting is there; throws SCORER_ERR_CONFIG naming the setting. */
export function resolveAdminToken(admin: ScorerConfig['admin']): string | undefined {
  if (admin.tokenFile === undefined) return admin.token;
  let token: string;
  try {
    token = readFileSync(admin.tokenFile, 'utf8').replace(/[\r\n]+$/, '');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ScorerError('SCORER_ERR_CONFIG', `admin.tokenFile: cannot read ${admin.tokenFile} (${reason})`, {
      cause,
      details: { setting: 'admin.tokenFile' },
    });
  }
  if (token.trim().length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ScorerError('SCORER_ERR_CONFIG', `admin.tokenFile: the token in ${admin.tokenFile} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`, {
      details: { setting: 'admin.tokenFile' },
    });
  }
  return token;
}

export type BearerCheck = 'ok' | 'missing' | 'wrong';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Checks an Authorization header against the token. */
export function checkBearer(authorization: string | undefined, token: string): BearerCheck {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match === null) return 'missing';
  // Digests have one length whatever was sent, as timingSafeEqual needs.
  return timingSafeEqual(digest(match[1] as string), digest(token)) ? 'ok' : 'wrong';
}
