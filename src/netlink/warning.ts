// Errors that have no caller to throw to: they happen in the reactor's callback, where a throw
// would be a fatal uncaught exception for the whole process. They become process warnings
// (printed by Node unless a 'warning' listener takes them), with the error's stack as detail.
const TYPE = 'NslabWarning';

/** Emits "nslab: <what>: <error message>[; <remedy>]" as a process warning of type NslabWarning. */
export function warn(what: string, error: unknown, remedy?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  const detail = error instanceof Error ? error.stack : undefined;
  process.emitWarning(`nslab: ${what}: ${message}${remedy ? `; ${remedy}` : ''}`, { type: TYPE, detail });
}
