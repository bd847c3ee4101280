/**
 * Runs passes (of a relay, say) one at a time in this process. A call made while a pass is
 * queued but not yet started shares that pass when `share` is true, so a burst of calls costs
 * one pass, not one each. A failed pass does not stop the next.
 */
export function createPassQueue<T>() {
  let tail: Promise<unknown> = Promise.resolve();
  let queued: Promise<T> | undefined;
  return (pass: () => Promise<T>, share = true): Promise<T> => {
    if (queued && share) return queued;
    const next = tail.then(() => {
      queued = undefined;
      return pass();
    });
    queued = next;
    tail = next.catch(() => {});
    return next;
  };
}
