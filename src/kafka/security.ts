/**
 * TLS and SASL settings, resolved once into what every Kafka client takes: Node's TLS options and a
 * plain mechanism/user/password triple. Files are read here, at start-up, so a missing or unreadable
 * CA, key or password file fails naming the setting instead of surfacing as a handshake error later.
 * Nothing here logs: the password only ever travels to the client library.
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, checkServerIdentity } from 'node:tls';
import type { KafkaConfig, SaslMechanism } from '../config/types.ts';
import { ScorerError } from '../errors.ts';

export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaSecurity {
  /** Node TLS options; undefined for plaintext. */
  readonly tls: ConnectionOptions | undefined;
  readonly sasl: SaslCredentials | undefined;
}

function readSetting(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ScorerError('SCORER_ERR_CONFIG', `${setting}: cannot read ${file} (${reason})`, { cause, details: { setting, file } });
  }
}

function tlsOptions(tls: NonNullable<KafkaConfig['tls']>): ConnectionOptions {
  return {
    // Never off: a client that accepts any certificate is not using TLS for what TLS is for.
    rejectUnauthorized: true,
    ...(tls.caFile === undefined ? {} : { ca: readSetting('kafka.tls.caFile', tls.caFile) }),
    ...(tls.certFile === undefined ? {} : { cert: readSetting('kafka.tls.certFile', tls.certFile) }),
    ...(tls.keyFile === undefined ? {} : { key: readSetting('kafka.tls.keyFile', tls.keyFile) }),
    ...(tls.keyPassword === undefined ? {} : { passphrase: tls.keyPassword }),
    checkServerIdentity: tls.checkHostname ? checkServerIdentity : () => undefined,
  };
}

function saslCredentials(sasl: NonNullable<KafkaConfig['sasl']>): SaslCredentials {
  const password =
    sasl.passwordFile === undefined
      ? (sasl.password ?? '')
      : readSetting('kafka.sasl.passwordFile', sasl.passwordFile)
          .toString('utf8')
          .replace(/[\r\n]+$/, '');
  return { mechanism: sasl.mechanism, username: sasl.username, password };
}

/** Throws ScorerError SCORER_ERR_CONFIG naming the setting whose file cannot be read. */
export function resolveSecurity(config: KafkaConfig): KafkaSecurity {
  return {
    tls: config.tls?.enabled === true ? tlsOptions(config.tls) : undefined,
    sasl: config.sasl === undefined ? undefined : saslCredentials(config.sasl),
  };
}

/** For logs and error messages: how the client connects, without any secret. */
export function describeSecurity(security: KafkaSecurity): string {
  const transport = security.tls === undefined ? 'plaintext' : 'TLS';
  return security.sasl === undefined ? transport : `${transport}, SASL ${security.sasl.mechanism.toUpperCase()} as "${security.sasl.username}"`;
}
