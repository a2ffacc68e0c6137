/**
 * Runs tasks one at a time per key (a stream id), in arrival order. Inside one process this
 * turns optimistic-concurrency conflicts on a hot pot into a queue; the stream revision check
 * still guards every append against other processes.
 */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
