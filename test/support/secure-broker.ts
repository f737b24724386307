/**
 * The test broker's secure listeners, for the SASL and TLS tests: `bash scripts/kafka/broker.sh start`
 * describes them in .kafka/security.json (addresses, the test CA, client certificates, one SASL user per
 * mechanism; all generated, never committed). SASL_SSL checks the server only; SSL requires a client
 * certificate from the test CA. The broker's certificate names DNS:localhost only, so dialing 127.0.0.1
 * with hostname verification fails on purpose. PLAINTEXT on 127.0.0.1:9092 (see kafka.ts) is unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './scorer-process.ts';

export type SaslMechanismName = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface SaslUser {
  username: string;
  password: string;
}

export interface SecureBroker {
  /** SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) over server-authenticated TLS: localhost:9094. */
  saslSslBrokers: string[];
  /** SSL with mutual TLS: localhost:9095. */
  sslBrokers: string[];
  /** The test CA, which signed the broker's and the client's certificates (PEM). */
  caFile: string;
  clientCertFile: string;
  /** Unencrypted PKCS#8. */
  clientKeyFile: string;
  /** An unrelated CA, and a client certificate it signed: both must be refused. */
  untrustedCaFile: string;
  untrustedClientCertFile: string;
  untrustedClientKeyFile: string;
  /** One user per mechanism; each exists for its own mechanism only. */
  users: Record<SaslMechanismName, SaslUser>;
}

/** Where broker.sh writes it: the same place `bash scripts/kafka/broker.sh security` prints. */
export const SECURITY_FILE = join(REPO_ROOT, '.kafka', 'security.json');

const FILE_FIELDS = ['caFile', 'clientCertFile', 'clientKeyFile', 'untrustedCaFile', 'untrustedClientCertFile', 'untrustedClientKeyFile'] as const;
const MECHANISMS: readonly SaslMechanismName[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

function fail(problem: string, cause?: unknown): never {
  throw new Error(
    `${problem}: start the test broker with "npm run broker:start" (one started before it had secure listeners needs "npm run broker:stop" first)`,
    {
      cause,
    },
  );
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string');
}

/** Reads .kafka/security.json afresh and checks it, so a stale or half-set-up checkout fails here, by name. */
export function secureBroker(): SecureBroker {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(SECURITY_FILE, 'utf8'));
  } catch (cause) {
    fail(`cannot read ${SECURITY_FILE}`, cause);
  }
  for (const field of ['saslSslBrokers', 'sslBrokers'] as const) {
    if (!isStringList(parsed[field])) fail(`${SECURITY_FILE} has no ${field}`);
  }
  for (const field of FILE_FIELDS) {
    const file = parsed[field];
    if (typeof file !== 'string') fail(`${SECURITY_FILE} has no ${field}`);
    if (!existsSync(file)) fail(`${field} ${file} (from ${SECURITY_FILE}) does not exist`);
  }
  const users = parsed['users'] as Record<string, Partial<SaslUser>> | undefined;
  for (const mechanism of MECHANISMS) {
    const user = users?.[mechanism];
    if (typeof user?.username !== 'string' || typeof user.password !== 'string') fail(`${SECURITY_FILE} has no ${mechanism} user`);
  }
  return parsed as unknown as SecureBroker;
}
