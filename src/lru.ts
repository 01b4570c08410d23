// A bounded cache, least recently used out first. `cost` weighs an entry (bytes, entries …);
// the total stays within `budget` (the newest entry is always kept).
export class Lru<K, V> {
  private map = new Map<K, V>();
  private used = 0;
  constructor(
    private readonly budget: number,
    private readonly cost: (v: V, k: K) => number = () => 1,
  ) {}

  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }

  set(k: K, v: V): void {
    const old = this.map.get(k);
    if (old !== undefined) {
      this.map.delete(k);
      this.used -= this.cost(old, k);
    }
    this.map.set(k, v);
    this.used += this.cost(v, k);
    for (const [key, value] of this.map) {
      if (this.used <= this.budget || key === k) break;
      this.map.delete(key);
      this.used -= this.cost(value, key);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
