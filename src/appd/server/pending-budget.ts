// The bytes of half-received frames appd holds across all clients, capped: a client that would push the total past the cap is dropped.

export class PendingBudget {
  private readonly held = new Map<object, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Records that `owner` now holds `bytes`; false when that would pass the cap (the owner is then dropped). */
  hold(owner: object, bytes: number): boolean {
    const before = this.held.get(owner) ?? 0;
    if (bytes > before && this.total - before + bytes > this.maxBytes) return false;
    this.total += bytes - before;
    if (bytes === 0) this.held.delete(owner);
    else this.held.set(owner, bytes);
    return true;
  }

  release(owner: object): void {
    this.hold(owner, 0);
  }

  get totalBytes(): number {
    return this.total;
  }
}
