/**
 * The idempotency identity of a command: its caller (the token's `sub`) and the key as the
 * caller sent it, in one unambiguous string. Every command memory (the stream's, the
 * process-wide index, the books snapshot's, the claims of stream-creating commands) is keyed
 * on it; the event's metadata keeps `commandId` as sent and `actor.sub`, so old events need no
 * migration.
 */
export function commandScopeKey(sub: string, commandId: string): string {
  return JSON.stringify([sub, commandId]);
}
