/** The logging surface the pipeline needs; pino's Logger satisfies it, tests can pass a recorder. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
