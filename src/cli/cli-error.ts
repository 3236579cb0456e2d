/** An error the CLI prints as one line (no stack) before exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** What goes before the message: kubectl prints some errors bare, some as "Error from server (…): ". */
    readonly prefix = 'error: ',
  ) {
    super(message);
  }
}
