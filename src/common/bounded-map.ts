/**
 * A Map of at most `capacity` entries: setting a key makes it the newest, and setting one more than the capacity drops
 * the oldest (a Map iterates in insertion order). What an instance remembers of hot lookups (users' credentials,
 * verified tokens, service keys, usage terms) is kept in one, so none of it grows without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    if (this.size >= this.capacity) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}
