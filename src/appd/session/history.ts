// Keeps stopped sessions queryable for a while: at most `limit` of them, each for at most `maxAgeMs`.

export class BoundedHistory<T> {
  private readonly entries = new Map<number, { value: T; at: number }>();

  constructor(
    private readonly limit: number,
    private readonly maxAgeMs: number,
  ) {}

  add(id: number, value: T, now: number): void {
    this.entries.delete(id);
    this.entries.set(id, { value, at: now });
    this.prune(now);
  }

  get(id: number, now: number): T | undefined {
    this.prune(now);
    return this.entries.get(id)?.value;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    // Map iteration is insertion order, so the oldest entries come first.
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.limit && now - entry.at <= this.maxAgeMs) break;
      this.entries.delete(id);
    }
  }
}
