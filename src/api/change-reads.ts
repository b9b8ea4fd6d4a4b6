import type { readChange, ChangeRecord } from '../temporal/changes.js';

type ReadOptions = NonNullable<Parameters<typeof readChange>[2]>;
/** Reads a change from Temporal (readChange on the API's client). */
export type ReadChange = (id: string, opts: ReadOptions) => Promise<ChangeRecord | undefined>;

interface Entry {
  at: number;
  record: ChangeRecord;
  refreshing?: boolean;
}

/** Past this many remembered changes, a read first forgets the ones too old to answer with. */
const SWEEP_ABOVE = 1_000;

/**
 * Reads of changes that this API process shares for a moment (`freshMs`, 0 to ask every time).
 *
 * Why: a change system polls its change, often several of its workers at once, and one read
 * costs three Temporal calls (a describe and two or three workflow queries, about 30 ms of CPU
 * in all on the server, the worker and here). A read answered less than `freshMs` ago is
 * answered again; once it is half that old, the next read also asks Temporal again in the
 * background, so a change polled steadily is never waited for. An answer is at most `freshMs`
 * plus one read old. Actions through this API read afresh (`fresh`), so their caller, and every
 * reader after them, sees what the action did. Answers the change did not give itself (rebuilt
 * from its start's record) and "no such change" are never kept.
 */
export class ChangeReads {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly readNow: ReadChange,
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The change of workflow id `id`, possibly read up to `freshMs` ago. */
  async read(id: string, opts: ReadOptions = {}): Promise<ChangeRecord | undefined> {
    const hit = this.entries.get(id);
    const age = hit ? this.now() - hit.at : Infinity;
    if (!hit || age >= this.freshMs) return this.fresh(id, opts);
    if (age >= this.freshMs / 2 && !hit.refreshing) {
      hit.refreshing = true;
      // A failed refresh leaves the answer to expire; the next reader then asks and sees the error.
      this.fresh(id, opts).then(
        () => undefined,
        () => (hit.refreshing = false),
      );
    }
    return hit.record;
  }

  /** The change as it is now, remembered for the readers after this one. */
  async fresh(id: string, opts: ReadOptions = {}): Promise<ChangeRecord | undefined> {
    const at = this.now();
    const record = await this.readNow(id, opts);
    if (this.freshMs <= 0) return record;
    if (!record || record.recorded) this.entries.delete(id);
    else if ((this.entries.get(id)?.at ?? -Infinity) <= at) this.entries.set(id, { at, record });
    if (this.entries.size > SWEEP_ABOVE) this.sweep();
    return record;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (now - entry.at >= this.freshMs) this.entries.delete(id);
  }
}
