// Evidence added to a failed test's error after the fact (the namespace dump), where every
// reporter reads it. The console and JUnit print the message; Vitest's JSON reporter writes the
// stack alone, which already holds the message as it was when the error was made.
export interface ReportedError {
  message: string;
  stack?: string | undefined;
}

/** Appends text to the error's message and to the message inside its stack, before the frames. */
export function appendEvidence(error: ReportedError, text: string): void {
  const { message, stack } = error;
  error.message = `${message}${text}`;
  if (stack === undefined) return;
  const at = stack.indexOf(message);
  if (message === '' || at < 0) error.stack = `${stack}${text}`;
  else error.stack = `${stack.slice(0, at + message.length)}${text}${stack.slice(at + message.length)}`;
}
