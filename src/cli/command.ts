/** A CLI command: its name, one-line summary, usage text and run function (→ exit code). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
}
