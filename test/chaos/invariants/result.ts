/**
 * One row of the report. FAIL means a product fault was observed; WARN is for the harness or the
 * environment (a fault that could not be injected, a check that could not be made), which does
 * not fail the run but says the run proved less than it should have.
 */
export interface CheckResult {
  id: string;
  title: string;
  result: 'PASS' | 'FAIL' | 'WARN';
  /** How many things were checked ("21 watchers, 143 checkpoints"). */
  checked: string;
  violations: number;
  /** The first few violations, each enough to find it in the logs. */
  examples: string[];
  /** Context that is not a violation (unverifiable ranges, excused calls, …). */
  notes: string[];
}

const EXAMPLES = 5;

/** Collects violations and notes for one row; `done` builds the row. */
export class Check {
  private readonly found: string[] = [];
  private readonly info: string[] = [];
  private warning = false;

  constructor(
    private readonly id: string,
    private readonly title: string,
  ) {}

  fail(example: string): void {
    this.found.push(example);
  }

  note(text: string): void {
    this.info.push(text);
  }

  /** Marks the row WARN (unless it FAILs) with a note saying why. */
  warn(text: string): void {
    this.warning = true;
    this.info.push(text);
  }

  get violations(): number {
    return this.found.length;
  }

  done(checked: string): CheckResult {
    return {
      id: this.id,
      title: this.title,
      result: this.found.length ? 'FAIL' : this.warning ? 'WARN' : 'PASS',
      checked,
      violations: this.found.length,
      examples: this.found.slice(0, EXAMPLES),
      notes: this.info,
    };
  }
}

export const rel = (t0: number, at: number): string => `+${((at - t0) / 1000).toFixed(1)}s`;
