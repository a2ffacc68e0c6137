/**
 * What the clients sent and heard, checked against the log an auditor reads (GET /v1/events).
 * Every request carries its own Idempotency-Key, which the server writes into the event's
 * metadata.commandId, so each command can be found in the log, or found missing:
 *
 * - answered 201 → in the log exactly once, with the eventId and position the 201 named;
 * - only ever refused (4xx) → not in the log at all;
 * - never answered → absent or present exactly once, never in part; opening a pot with a key
 *   is a claim in its own stream and then the event, so "claim, no event" is the one
 *   in-between state, and it must be finished by a retry with the same key;
 * - nothing in the log that no client sent.
 */
import {
  postWrite,
  type Answer,
  type Json,
  type RawEvent,
  type WriteRequest,
} from './ledgerHttp.ts';

export type CommandKind =
  | 'register-agency'
  | 'open-pot'
  | 'join-pot'
  | 'define-intervention'
  | 'contribution'
  | 'allocation'
  | 'outcome'
  | 'reversal';

export const EVENT_TYPES: Readonly<Record<CommandKind, readonly string[]>> = {
  'register-agency': ['AgencyRegistered'],
  'open-pot': ['PotOpened'],
  'join-pot': ['PartnerJoined'],
  'define-intervention': ['InterventionDefined'],
  contribution: ['ContributionReceived'],
  allocation: ['FundsAllocated'],
  outcome: ['OutcomeRecorded'],
  reversal: ['ContributionReversed', 'AllocationReversed', 'OutcomeRetracted'],
};

/**
 * Commands that create a stream under a server-chosen id claim the client's key first
 * (events/idempotency.ts). Registering an agency does not: its stream is named by the body.
 */
export const KEYED_CREATES: ReadonlySet<CommandKind> = new Set(['open-pot']);
export const CLAIM_EVENT_TYPE = 'IdempotencyKeyClaimed';
/** Problems listed in full; the rest are counted. */
const MAX_PROBLEMS_LISTED = 40;

export type Phase =
  /** Sent while the clients ran. */
  | 'run'
  /** Sent again with the same key and body after a restart, because the first try went unanswered. */
  | 'retry'
  /** The same key with a different body: must be refused with IDEMPOTENCY_KEY_REUSED. */
  | 'probe';

export interface Attempt {
  readonly phase: Phase;
  readonly answer: Answer;
  /** performance.now() when the request left and when its answer (or failure) came back. */
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface CommandRecord {
  readonly key: string;
  readonly kind: CommandKind;
  readonly request: WriteRequest;
  /** Fields the event's data must carry whenever the command is found in the log. */
  readonly expectData: Json;
  readonly attempts: Attempt[];
}

export type Verdict = 'acknowledged' | 'refused' | 'unanswered';

const isCreated = (a: Attempt): boolean => a.answer.kind === 'answered' && a.answer.status === 201;
const isNoAnswer = (a: Attempt): boolean => a.answer.kind === 'no-answer';
const statusOf = (a: Attempt): number | null =>
  a.answer.kind === 'answered' ? a.answer.status : null;
const codeOf = (a: Attempt): string | undefined =>
  a.answer.kind === 'answered' ? (a.answer.body.code as string | undefined) : undefined;

/** Acknowledged if any answer was 201; refused if every answer was a 4xx (or a retry settled it); else unanswered. */
export function verdictOf(command: CommandRecord): Verdict {
  const main = command.attempts.filter((a) => a.phase !== 'probe');
  if (main.some(isCreated)) return 'acknowledged';
  const last = main[main.length - 1];
  if (
    last !== undefined &&
    last.phase === 'retry' &&
    statusOf(last) !== null &&
    statusOf(last)! < 500
  )
    return 'refused';
  if (main.some((a) => isNoAnswer(a) || (statusOf(a) ?? 0) >= 500)) return 'unanswered';
  return 'refused';
}

/** Sends one attempt of a command and records what came back. */
export async function sendAttempt(
  baseUrl: string,
  command: CommandRecord,
  phase: Phase,
  request: WriteRequest = command.request,
): Promise<Answer> {
  const sentAt = performance.now();
  const answer = await postWrite(baseUrl, request);
  command.attempts.push({ phase, answer, sentAt, answeredAt: performance.now() });
  return answer;
}

export interface LogCheck {
  readonly problems: string[];
  readonly events: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly unansweredPresent: number;
  readonly unansweredAbsent: number;
  /** Unanswered keyed creates whose claim was written but not yet their event. */
  readonly danglingClaims: number;
  /** 201 answers that repeated an earlier one (idempotent-replayed). */
  readonly replayedAnswers: number;
  /** Commands refused on one copy, then accepted on a later copy of the same key and body. */
  readonly refusedThenAccepted: number;
  readonly serverErrors: number;
}

interface Found {
  readonly claims: RawEvent[];
  readonly entries: RawEvent[];
}

export function checkLog(commands: Iterable<CommandRecord>, events: readonly RawEvent[]): LogCheck {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string): void => {
    problemCount += 1;
    if (problems.length < MAX_PROBLEMS_LISTED) problems.push(text);
  };

  // The log itself: positions strictly increasing, ids unique, every stream 0, 1, 2… without a gap.
  const eventIds = new Set<string>();
  const nextRevision = new Map<string, bigint>();
  let previous = 0n;
  for (const event of events) {
    const position = BigInt(event.position);
    if (position <= previous) problem(`position ${event.position} does not follow ${previous}`);
    previous = position;
    if (eventIds.has(event.eventId)) problem(`event id ${event.eventId} appears twice`);
    eventIds.add(event.eventId);
    const expected = nextRevision.get(event.streamId) ?? 0n;
    if (BigInt(event.streamRevision) !== expected)
      problem(
        `${event.streamId} revision ${event.streamRevision} at position ${event.position}, expected ${expected}`,
      );
    nextRevision.set(event.streamId, BigInt(event.streamRevision) + 1n);
  }

  const byKey = new Map<string, Found>();
  for (const event of events) {
    const key = event.metadata.commandId;
    const found = byKey.get(key) ?? { claims: [], entries: [] };
    (event.type === CLAIM_EVENT_TYPE ? found.claims : found.entries).push(event);
    byKey.set(key, found);
  }

  const counts = {
    acknowledged: 0,
    refused: 0,
    unansweredPresent: 0,
    unansweredAbsent: 0,
    danglingClaims: 0,
    replayedAnswers: 0,
    refusedThenAccepted: 0,
    serverErrors: 0,
  };
  const sentKeys = new Set<string>();

  for (const command of commands) {
    const { key, kind } = command;
    sentKeys.add(key);
    const found = byKey.get(key) ?? { claims: [], entries: [] };
    const keyed = KEYED_CREATES.has(kind);
    const label = `${key} (${kind})`;

    for (const attempt of command.attempts) {
      const status = statusOf(attempt);
      if (status !== null && status >= 500) {
        counts.serverErrors += 1;
        problem(
          `${label}: ${attempt.phase} answered ${status} ${JSON.stringify(attempt.answer.kind === 'answered' ? attempt.answer.body : {})}`,
        );
      }
      if (
        attempt.phase === 'probe' &&
        status !== null &&
        !(status === 409 && codeOf(attempt) === 'IDEMPOTENCY_KEY_REUSED')
      ) {
        problem(
          `${label}: the same key with another body answered ${status} ${codeOf(attempt) ?? ''}, not 409 IDEMPOTENCY_KEY_REUSED`,
        );
      }
    }

    const checkEntry = (entry: RawEvent): void => {
      if (!EVENT_TYPES[kind].includes(entry.type))
        problem(`${label}: found as a ${entry.type} at position ${entry.position}`);
      for (const [field, value] of Object.entries(command.expectData)) {
        if (JSON.stringify(entry.data[field]) !== JSON.stringify(value)) {
          problem(
            `${label}: event at ${entry.position} has ${field} ${JSON.stringify(entry.data[field])}, the command sent ${JSON.stringify(value)}`,
          );
        }
      }
    };
    const checkClaim = (entry: RawEvent | undefined): void => {
      if (!keyed) {
        if (found.claims.length > 0)
          problem(
            `${label}: ${found.claims.length} key claim(s) for a command that creates no stream`,
          );
        return;
      }
      if (found.claims.length !== 1) {
        problem(`${label}: ${found.claims.length} key claims, expected 1`);
        return;
      }
      const claim = found.claims[0]!;
      if (entry !== undefined) {
        if (BigInt(claim.position) >= BigInt(entry.position))
          problem(
            `${label}: the key claim at ${claim.position} does not precede the event at ${entry.position}`,
          );
        if (claim.data.targetStreamId !== entry.streamId)
          problem(
            `${label}: the claim names ${claim.data.targetStreamId}, the event is in ${entry.streamId}`,
          );
      }
    };

    const main = command.attempts.filter((a) => a.phase !== 'probe');
    const verdict = verdictOf(command);
    if (verdict === 'acknowledged') {
      counts.acknowledged += 1;
      if (found.entries.length !== 1) {
        problem(`${label}: answered 201 but found ${found.entries.length} times in the log`);
        continue;
      }
      const entry = found.entries[0]!;
      checkEntry(entry);
      checkClaim(entry);
      const created = main.filter(isCreated);
      for (const attempt of created) {
        const body = (attempt.answer as { body: Json }).body;
        if (body.eventId !== entry.eventId || body.position !== entry.position) {
          problem(
            `${label}: a 201 named ${body.eventId} at ${body.position}; the log has ${entry.eventId} at ${entry.position}`,
          );
        }
      }
      const firstAnswers = created.filter(
        (a) => !(a.answer as { replayed: boolean }).replayed,
      ).length;
      counts.replayedAnswers += created.length - firstAnswers;
      // Exactly one request appended; every other 201 is a replay. Zero only when the one that
      // appended went unanswered.
      if (firstAnswers > 1 || (firstAnswers === 0 && !main.some(isNoAnswer))) {
        problem(
          `${label}: ${firstAnswers} answers claim to have appended (not marked idempotent-replayed)`,
        );
      }
      // A refusal appends nothing and is not remembered, so a copy decided before the append
      // may be refused (say INSUFFICIENT_FUNDS) and a later one, after money came in, accepted.
      // Once the client has heard the 201, every copy it sends must be answered with it. (Of
      // copies in flight together, the order of the answers says nothing about the order of
      // the decisions, so those are not judged by it.)
      const isRefusal = (a: Attempt): boolean => {
        const status = statusOf(a);
        return (
          status !== null && status >= 400 && status < 500 && codeOf(a) !== 'CONCURRENCY_CONFLICT'
        );
      };
      const firstHeard = Math.min(...main.filter(isCreated).map((a) => a.answeredAt));
      if (main.some((a) => isRefusal(a) && a.sentAt > firstHeard)) {
        problem(
          `${label}: refused after the client had heard its 201, same key and body; answers in arrival order: ${describeAnswers(main)}`,
        );
      }
      if (main.some(isRefusal)) counts.refusedThenAccepted += 1;
    } else if (verdict === 'refused') {
      counts.refused += 1;
      if (found.entries.length > 0 || found.claims.length > 0) {
        problem(
          `${label}: only ever refused, yet the log has ${found.entries.length} event(s) and ${found.claims.length} claim(s) for it`,
        );
      }
    } else if (found.entries.length > 1) {
      problem(`${label}: never answered, and found ${found.entries.length} times in the log`);
    } else if (found.entries.length === 1) {
      counts.unansweredPresent += 1;
      checkEntry(found.entries[0]!);
      checkClaim(found.entries[0]);
    } else {
      counts.unansweredAbsent += 1;
      if (found.claims.length > 0) {
        if (!keyed || found.claims.length > 1)
          problem(`${label}: never answered; ${found.claims.length} claim(s) and no event`);
        else counts.danglingClaims += 1;
      }
    }
  }

  for (const [key, found] of byKey) {
    if (sentKeys.has(key)) continue;
    for (const event of [...found.claims, ...found.entries])
      problem(
        `${event.type} at position ${event.position} has commandId ${key}, which no client sent`,
      );
  }

  if (problemCount > problems.length) problems.push(`… and ${problemCount - problems.length} more`);
  return { problems, events: events.length, ...counts };
}

/** "409 INSUFFICIENT_FUNDS, 201, 201 replayed, no answer" — the answers of one command in arrival order. */
export function describeAnswers(attempts: readonly Attempt[]): string {
  return attempts
    .map(({ phase, answer }) => {
      const text =
        answer.kind === 'no-answer'
          ? `no answer (${answer.error})`
          : `${answer.status}${answer.status === 201 ? (answer.replayed ? ' replayed' : '') : ` ${answer.body.code ?? ''}`}`;
      return phase === 'run' ? text : `${phase}: ${text}`;
    })
    .join(', ');
}
