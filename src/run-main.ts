/**
 * The last lines of every command-line entry point (the scorer, the load generator): run `main`, exit
 * with the code it resolves to, and turn anything that escapes it, including an unhandled rejection,
 * into a stack trace on stderr and the failure exit code rather than a hang or a silent exit 0.
 */
export function runMain(main: (argv: readonly string[]) => Promise<number>, failureCode: number): void {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
    process.exit(failureCode);
  });
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(failureCode);
    },
  );
}
