// The kernel runner's own error: says what went wrong with the guest and what to do about it.
import { NslabError } from '../errors.ts';

export class KernelRunnerError extends NslabError {
  /** The last lines the guest's console printed, when a guest ran. */
  readonly consoleTail: string | undefined;

  constructor(message: string, consoleTail?: string) {
    super(consoleTail ? `${message}\n--- guest console (last lines) ---\n${consoleTail}` : message);
    this.consoleTail = consoleTail;
  }
}
