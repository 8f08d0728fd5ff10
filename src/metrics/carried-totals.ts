// Counters whose owners are made anew: every SIGHUP reload builds new processes, pools and plugin
// runners under the same names. What a replaced or removed owner counted is folded into a base
// kept under its name, so a total never goes down while the daemon runs, and no old owner is held.

export class CarriedTotals<Owner, K extends string> {
  private readonly entries = new Map<string, { owner: Owner | null; base: Record<K, number> }>();

  /** `read` gives the owner's counters since it was made (monotonic; gauges do not belong here). */
  constructor(
    private readonly fields: readonly K[],
    private readonly read: (owner: Owner) => Readonly<Record<K, number>>,
  ) {}

  /** `owner` counts under `key` from now on; a different previous owner's final counts are kept. */
  track(key: string, owner: Owner): void {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { owner, base: this.zero() });
    } else if (entry.owner !== owner) {
      this.fold(entry);
      entry.owner = owner;
    }
  }

  /** The owner of `key` is going away (its group removed, its run ended): keep its counts, let it go. */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.fold(entry);
  }

  releaseWhere(matches: (key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(key)) this.fold(entry);
  }

  /** What was counted under `key` by every owner so far, the current one included. */
  totals(key: string): Record<K, number> {
    const entry = this.entries.get(key);
    const sum = entry ? { ...entry.base } : this.zero();
    if (entry?.owner != null) {
      const live = this.read(entry.owner);
      for (const field of this.fields) sum[field] += live[field];
    }
    return sum;
  }

  private fold(entry: { owner: Owner | null; base: Record<K, number> }): void {
    if (entry.owner === null) return;
    const last = this.read(entry.owner);
    for (const field of this.fields) entry.base[field] += last[field];
    entry.owner = null;
  }

  private zero(): Record<K, number> {
    return Object.fromEntries(this.fields.map((f) => [f, 0])) as Record<K, number>;
  }
}
