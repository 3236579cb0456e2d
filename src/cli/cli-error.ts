import { OkubeError, type ErrorCode } from '../util/errors.js';

/**
 * An error the CLI prints as one line (no stack) before exiting non-zero. Its `code` is
 * 'CliError' unless a subclass says more (ConnectionError, ServerError's Status reason).
 */
export class CliError extends OkubeError {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** What goes before the message: kubectl prints some errors bare, some as "Error from server (…): ". */
    readonly prefix = 'error: ',
    code: ErrorCode = 'CliError',
  ) {
    super(code, message);
    this.name = new.target.name;
  }
}
