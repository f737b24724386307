/** A record on its way out: a prediction or a dead-letter record. */
export interface OutRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/** The transport the sender drives: one call sends records and resolves once the brokers acknowledged all. */
export interface RecordTransport {
  send(records: readonly OutRecord[]): Promise<void>;
}
