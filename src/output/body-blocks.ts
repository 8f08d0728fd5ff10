// Recycled memory for the bodies of line batches (a chatty child's whole lines of one read, up to
// 256 KiB each) on their way to listener pools. A fresh buffer per read is external memory to V8,
// and the bodies that wait behind a busy listener live long enough to reach the old generation:
// V8 answered every ~10 MB of them with a full mark-compact of the daemon's heap, a third of the
// daemon's CPU under a PROCESS_LOG firehose (docs/decisions/0021). A block comes back here once
// every holder has let go of it and is reused for the next body.
//
// Safety rests on one rule: a block is reused only when every holder took a reference
// (`BodyLease.retain`) and gave it back. A holder that cannot do that (a plugin keeping an event,
// a line view) pins the lease first: the block is then left to the garbage collector, as any
// buffer. Reading a body after its block went back is a bug, and says so rather than reading
// another body's bytes (`BodyLease.check`).

/** Bodies smaller than this are plain allocations: small buffers come from node's own pool. */
const SMALLEST_BLOCK = 32 * 1024;
/** Larger bodies (a long line held across reads) are plain allocations. */
const LARGEST_BLOCK = 1024 * 1024;
/** Free blocks kept for reuse, in bytes: what a burst needs in flight, bounded for memory's sake. */
const MAX_FREE_BYTES = 8 * 1024 * 1024;
/** Free blocks are let go once no body was taken for this long: an idle daemon keeps none. */
const IDLE_TRIM_MS = 10_000;
/** A block is the body's size rounded up to whole pages, so the next read's body of about the same size fits it. */
const PAGE = 4096;

export class BodyLease {
  private refs = 1;
  private pinned = false;
  private returned = false;

  constructor(
    private readonly blocks: BodyBlocks,
    private readonly block: Buffer,
  ) {}

  /** Another holder: each retain is paired with one release. */
  retain(): void {
    this.check();
    this.refs += 1;
  }

  /** A holder lets go; the last one gives the block back (unless pinned). */
  release(): void {
    if (this.refs <= 0) throw new Error('a line body was released more often than retained');
    this.refs -= 1;
    if (this.refs === 0 && !this.pinned) {
      this.returned = true;
      this.blocks.giveBack(this.block);
    }
  }

  /** Someone keeps the body without counting: it is never reused. */
  pin(): void {
    this.check();
    this.pinned = true;
  }

  /** Throws when the body's block was given back (its bytes may be another body's by now). */
  check(): void {
    if (this.returned) throw new Error('a line body was read after its memory was recycled');
  }
}

export class BodyBlocks {
  /** free blocks, any size: few (MAX_FREE_BYTES of 256 KiB reads is 32) */
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  private takenSinceTrim = false;
  private trimTimer: NodeJS.Timeout | null = null;

  /**
   * `bytes` of memory and its lease (one reference: the caller's), or null for a plain allocation.
   * A new block is hardly larger than the body: where the body is pinned (a plugin keeps the
   * lines) it costs what a plain buffer costs, in memory and in V8's external-memory accounting,
   * which schedules full collections by it.
   */
  take(bytes: number): { body: Buffer; lease: BodyLease } | null {
    if (bytes < SMALLEST_BLOCK || bytes > LARGEST_BLOCK) return null;
    const block = this.takeFree(bytes) ?? Buffer.allocUnsafeSlow(Math.ceil(bytes / PAGE) * PAGE);
    this.takenSinceTrim = true;
    return { body: block.subarray(0, bytes), lease: new BodyLease(this, block) };
  }

  /** The smallest free block that holds `bytes` without wasting more than half of it. */
  private takeFree(bytes: number): Buffer | undefined {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.length;
      if (size >= bytes && size <= 2 * bytes && (best === -1 || size < this.free[best]!.length)) best = i;
    }
    if (best === -1) return undefined;
    const [block] = this.free.splice(best, 1);
    this.freeBytes -= block!.length;
    return block;
  }

  /** @internal the lease's last release */
  giveBack(block: Buffer): void {
    if (this.freeBytes + block.length > MAX_FREE_BYTES) return;
    this.free.push(block);
    this.freeBytes += block.length;
    this.armTrim();
  }

  /** bytes held for reuse */
  get held(): number {
    return this.freeBytes;
  }

  private armTrim(): void {
    if (this.trimTimer) return;
    this.trimTimer = setInterval(() => {
      if (this.takenSinceTrim) {
        this.takenSinceTrim = false;
        return;
      }
      this.free.length = 0;
      this.freeBytes = 0;
      clearInterval(this.trimTimer!);
      this.trimTimer = null;
    }, IDLE_TRIM_MS);
    this.trimTimer.unref();
  }
}

/** The daemon's one recycler: every channel's framer takes from it, every pool gives back to it. */
export const lineBodyBlocks = new BodyBlocks();
