import type { Actor } from '../events/index.ts';

/**
 * What a decider knows besides the aggregate's state and the command: who is asking and when.
 * The handler supplies it, so a test can fix the clock.
 */
export interface CommandContext {
  readonly actor: Actor;
  /** Server UTC time the command is decided at, ISO 8601. */
  readonly now: string;
  /** Registered agencies the command names, read by the handler from their streams. */
  readonly registeredAgencies: ReadonlySet<string>;
}

export function todayOf(context: CommandContext): string {
  return context.now.slice(0, 10);
}
