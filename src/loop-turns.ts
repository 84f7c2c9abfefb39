/**
 * One large piece of work per event-loop turn (docs/adr/0055-one-large-piece-of-work-per-turn.md).
 *
 * A request's work between two real waits runs in one stretch: the continuations of a promise chain are
 * microtasks, and SQLite answers synchronously, so a 1 MiB persona create ran from its last body byte
 * through parse, checks, insert, commit and reply without letting the loop turn. Three such requests
 * finishing in one poll phase held the loop ~50 ms, and a /healthz waited behind all three.
 *
 * Work on a large input awaits `ownTurn()` first. Waiters are let through one per turn, from a
 * setImmediate each: what a waiter runs before its next real wait is the turn's only large work, and
 * between two of them the loop polls sockets (a /healthz, a small read). Small work never waits here.
 */

const waiters: Array<() => void> = [];
let pumping = false;

function pump(): void {
  const next = waiters.shift();
  if (!next) {
    pumping = false;
    return;
  }
  next();
  // Queued from inside a check phase, the next immediate runs in the next turn, after a poll.
  setImmediate(pump);
}

/** Resolves in a turn of its own, after the large work already waiting (first come, first served). */
export function ownTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiters.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}

/**
 * Characters of text from which work counts as large (a body, a row, a reply): parsing, checking,
 * storing and encoding that much takes milliseconds on the loop.
 */
export const LARGE_CHARS = 256 * 1024;
