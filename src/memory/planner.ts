// The arena planner: byte offsets for buffers from their sizes and lifetimes, reusing the space of buffers that
// are dead. Knows sizes and times only, never layers or graphs. Greedy by size (largest first, each at the
// lowest offset free for its whole lifetime), as in the static memory planners of inference engines: simple,
// deterministic, and close to optimal for the chain- and tree-shaped lifetimes of neural networks.
import { alignBytes } from './heap';

/** A buffer to place: `bytes` (a multiple of 16), live from step `from` to step `to`, both included. */
export interface Lifetime {
  readonly bytes: number;
  readonly from: number;
  readonly to: number;
}

/** Offsets (16-byte aligned) for each buffer, and the bytes of the whole arena. */
export interface Placement {
  readonly offsets: number[];
  readonly bytes: number;
}

/** Places `buffers` so that no two that are live at one time overlap. Zero-byte buffers get offset 0. */
export function placeBuffers(buffers: readonly Lifetime[]): Placement {
  const offsets = new Array<number>(buffers.length).fill(0);
  const order = buffers.map((_, i) => i).filter((i) => buffers[i].bytes > 0);
  order.sort((a, b) => buffers[b].bytes - buffers[a].bytes || a - b);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const me = buffers[i];
    const size = alignBytes(me.bytes);
    // the placed buffers live at the same time, by offset: take the first gap that holds this one
    const clashes = placed
      .filter((j) => buffers[j].from <= me.to && me.from <= buffers[j].to)
      .sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of clashes) {
      if (at + size <= offsets[j]) break;
      at = Math.max(at, offsets[j] + alignBytes(buffers[j].bytes));
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + size);
  }
  return { offsets, bytes: total };
}
