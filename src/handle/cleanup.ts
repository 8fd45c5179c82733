// The kernel selftests' deferred-cleanup idea: whatever creates something registers its undo
// right away, and teardown runs the undos newest first, continuing past failures.

export interface Undo {
  what: string;
  run: () => void | Promise<void>;
}

export class CleanupStack {
  private readonly undos: Undo[] = [];

  /** Registers an undo; the returned function drops it again (when the thing was removed by hand). */
  defer(what: string, run: () => void | Promise<void>): () => void {
    const undo = { what, run };
    this.undos.push(undo);
    return () => {
      const i = this.undos.indexOf(undo);
      if (i >= 0) this.undos.splice(i, 1);
    };
  }

  /** Runs every undo, newest first; failures are collected and thrown together at the end. */
  async unwind(): Promise<void> {
    const errors: unknown[] = [];
    for (let undo = this.undos.pop(); undo; undo = this.undos.pop()) {
      try {
        await undo.run();
      } catch (error) {
        errors.push(new Error(`cleanup "${undo.what}" failed`, { cause: error }));
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
  }
}

/** The part of the stack that code registering undos sees: only the namespace's destroy() unwinds it. */
export type Cleanup = Pick<CleanupStack, 'defer'>;
