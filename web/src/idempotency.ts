/**
 * One Idempotency-Key per form submission. Sending the same values again (a double click, a
 * retry after a network error) reuses the key, so the ledger records the write once; changed
 * values, or a submission after a success, get a new key.
 */
export function idempotencyKeys(
  newKey: () => string = () => crypto.randomUUID(),
): (bodyJson: string) => { key: string; done: () => void } {
  let pending: { bodyJson: string; key: string } | null = null;
  return (bodyJson) => {
    if (pending === null || pending.bodyJson !== bodyJson) pending = { bodyJson, key: newKey() };
    const current = pending;
    return {
      key: current.key,
      // Called after a success: the next submission is a new request, even with the same values.
      done: () => {
        if (pending === current) pending = null;
      },
    };
  };
}
