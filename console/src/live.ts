/**
 * How a page joins its snapshot and its live events without losing or reordering any: it
 * subscribes first, then reads the snapshot over REST; events that arrive meanwhile wait
 * and are applied on top of the snapshot, in order, once it is in (`release`). After that
 * each event is applied and the page redrawn at once. `hold` starts waiting again for a
 * re-read (after a `reset`).
 */
export function snapshotGate(draw: () => void): {
  live: (apply: () => void) => void;
  hold: () => void;
  release: () => void;
} {
  let waiting: Array<() => void> | null = [];
  return {
    live(apply) {
      if (waiting) waiting.push(apply);
      else {
        apply();
        draw();
      }
    },
    hold() {
      waiting ??= [];
    },
    release() {
      const pending = waiting ?? [];
      waiting = null;
      for (const apply of pending) apply();
    },
  };
}
