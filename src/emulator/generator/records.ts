/** Growable arrays in fixed-size chunks (no copying on growth): the compact memory of the forward pass. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

export class ChunkedFloat64 {
  private chunks: Float64Array[] = [];
  length = 0;

  push(value: number): void {
    const c = this.length >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(new Float64Array(CHUNK));
    (this.chunks[c] as Float64Array)[this.length & MASK] = value;
    this.length++;
  }

  get(i: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as Float64Array)[i & MASK] as number;
  }

  get bytes(): number {
    return this.chunks.length * CHUNK * 8;
  }
}

/** Append-only list of product indices whose cloud quantity changed; terminals read it from their last sync. */
export class ChangeLog {
  private buf = new Int32Array(1024);
  private base = 0;
  private len = 0;

  get end(): number {
    return this.base + this.len;
  }

  push(p: number): void {
    if (this.len === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = p;
  }

  /** Calls fn for every entry from absolute position `from` to the end. */
  forEachFrom(from: number, fn: (p: number) => void): void {
    for (let i = Math.max(0, from - this.base); i < this.len; i++) fn(this.buf[i] as number);
  }

  /** Drops entries before absolute position `keepFrom` once the log is large. */
  compact(keepFrom: number): void {
    const drop = keepFrom - this.base;
    if (drop <= 0 || this.len < 65536 || drop < this.len / 2) return;
    this.buf.copyWithin(0, drop, this.len);
    this.len -= drop;
    this.base = keepFrom;
  }
}
