/**
 * Given / when / then for the deciders, in the Emmett style: a spec states the history
 * (events), the command (a call to a decider), and either the events it decides or the code
 * it refuses with. One spec per rule is that rule's documentation.
 *
 * `given` folds the history with the aggregate's own evolve, so a spec can only stand on a
 * state the ledger could really reach; every given event is checked against its event schema,
 * and so is every event a decider returns. A decider is pure: `when` also checks it left the
 * state it was given untouched.
 */
import { expect } from 'vitest';
import type { Actor, AgencyEvent, PotEvent } from '../../events/index.ts';
import { agencyEventSchemas, potEventSchemas } from '../../events/index.ts';
import type { CommandContext } from '../../commands/context.ts';
import type { Decision } from '../../commands/decision.ts';
import { DomainError, type DomainErrorCode } from '../../commands/domainError.ts';
import { evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import {
  evolveAgency,
  initialAgencyState,
  type AgencyState,
} from '../../commands/registerAgency.ts';
import {
  evolveUnitCost,
  initialUnitCostState,
  type UnitCostState,
} from '../../commands/unitCostState.ts';
import { unitCostEventSchemas, type UnitCostEvent } from '../../events/unitCost.ts';
import {
  evolveSignInMapping,
  initialSignInMappingState,
  type SignInMappingState,
} from '../../commands/changeSignInMapping.ts';
import { signInMappingEventSchemas, type SignInMappingEvent } from '../../events/signInMapping.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A valid ULID that is the same on every run: `kind` fills the time part, `n` the random part. */
export function testUlid(kind: number, n: number): string {
  const encode = (value: number, length: number): string => {
    let out = '';
    let rest = value;
    for (let i = 0; i < length; i++) {
      out = CROCKFORD[rest % 32] + out;
      rest = Math.floor(rest / 32);
    }
    return out;
  };
  return encode(kind, 10) + encode(n, 16);
}

/** The event id `given` assigns to the n-th event of a history (1-based) that names none. */
export const givenEventId = (n: number): string => testUlid(1, n);

export const AGENCY = {
  cc: 'essex-cc',
  police: 'essex-police',
  probation: 'essex-probation',
  nhs: 'nhs-mid-essex',
  dwp: 'dwp-essex',
} as const;

/** An agency id nobody has registered. */
export const NOT_REGISTERED = 'not-registered';

export const REGISTERED_AGENCIES: readonly string[] = Object.values(AGENCY);

export const ADMIN: Actor = { sub: 'alice', role: 'admin' };

export function financeOfficerOf(agencyId: string): Actor {
  return { sub: `fo-${agencyId}`, role: 'finance-officer', agencyId };
}

export const NOW = '2026-01-15T10:00:00.000Z';
export const TODAY = '2026-01-15';

export function defaultContext(overrides: Partial<CommandContext> = {}): CommandContext {
  return { actor: ADMIN, now: NOW, registeredAgencies: new Set(REGISTERED_AGENCIES), ...overrides };
}

/**
 * An event of a history; `metadata` (who recorded it and when) only where a rule reads it,
 * such as the rolling four-eyes window (commands/fourEyesWindow.ts).
 */
export type GivenEvent<E> = E & {
  readonly eventId?: string;
  readonly metadata?: { readonly actor: Actor; readonly recordedAt: string };
};

interface Aggregate<S, E extends { type: string; data: unknown }> {
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E & { eventId: string }) => S;
  readonly schemas: Readonly<Record<string, { parse(data: unknown): unknown }>>;
}

export interface When<E> {
  /** What the decider returned, for a spec that needs to look closer. */
  readonly result: Decision<E>;
  /** The decider accepted the command and decided exactly these events. */
  then(expected: readonly E[]): readonly E[];
  /** The decider refused with this code (and, when given, at least these details). */
  thenRefuses(code: DomainErrorCode, details?: Record<string, unknown>): DomainError;
}

export interface Given<S, E> {
  /** The folded state; a spec may adjust it (e.g. close the pot) before `when`. */
  readonly state: S;
  /** The ids the history's events carry, in order. */
  readonly eventIds: readonly string[];
  when(
    decide: (state: S, context: CommandContext) => Decision<E>,
    contextOverrides?: Partial<CommandContext>,
  ): When<E>;
}

function specFor<S, E extends { type: string; data: unknown }>(aggregate: Aggregate<S, E>) {
  return function given(events: readonly GivenEvent<E>[]): Given<S, E> {
    const eventIds: string[] = [];
    const state = events.reduce((folded, event, index) => {
      checkSchema(aggregate.schemas, event);
      const eventId = event.eventId ?? givenEventId(index + 1);
      eventIds.push(eventId);
      return aggregate.evolve(folded, { ...event, eventId });
    }, aggregate.initialState());
    return {
      state,
      eventIds,
      when(decide, contextOverrides) {
        const before = snapshot(state);
        const result = decide(state, defaultContext(contextOverrides));
        expect(snapshot(state), 'a decider must not change the state it decides from').toEqual(
          before,
        );
        return {
          result,
          then(expected) {
            if (result instanceof DomainError) {
              throw new Error(
                `expected events, but the decider refused: ${result.code}: ${result.message}`,
              );
            }
            expect(result).toStrictEqual(expected);
            for (const event of result) checkSchema(aggregate.schemas, event);
            return result;
          },
          thenRefuses(code, details) {
            if (!(result instanceof DomainError)) {
              throw new Error(
                `expected a refusal with ${code}, but the decider decided ${JSON.stringify(result)}`,
              );
            }
            expect({ code: result.code, message: result.message }).toEqual({
              code,
              message: expect.any(String),
            });
            if (details !== undefined) expect(result.details).toMatchObject(details);
            return result;
          },
        };
      },
    };
  };
}

function checkSchema(
  schemas: Aggregate<unknown, never>['schemas'],
  event: { type: string; data: unknown },
): void {
  const schema = schemas[event.type];
  if (schema === undefined) throw new Error(`no schema for ${event.type}`);
  schema.parse(event.data);
}

/** The pot aggregate: `given([...events]).when((state, context) => decideX(state, command, context))`. */
export const given = specFor<PotState, PotEvent>({
  initialState: initialPotState,
  evolve: evolvePot,
  schemas: potEventSchemas,
});

/** The agency aggregate, for RegisterAgency. */
export const givenAgency = specFor<AgencyState, AgencyEvent>({
  initialState: initialAgencyState,
  evolve: (state, event) => evolveAgency(state, event),
  schemas: agencyEventSchemas,
});

/** A unit-cost code's stream, for AddUnitCost and SupersedeUnitCost. */
export const givenUnitCost = specFor<UnitCostState, UnitCostEvent>({
  initialState: initialUnitCostState,
  evolve: (state, event) => evolveUnitCost(state, event),
  schemas: unitCostEventSchemas,
});

/** The sign-in mapping's stream, for ChangeSignInMapping. */
export const givenSignInMapping = specFor<SignInMappingState, SignInMappingEvent>({
  initialState: initialSignInMappingState,
  evolve: (state, event) => evolveSignInMapping(state, event),
  schemas: signInMappingEventSchemas,
});

/**
 * A plain, comparable copy of a state: Maps and Sets become arrays, amounts become their
 * exact decimal text. Used to prove a decider left its state alone.
 */
export function snapshot(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([k, v]) => [snapshot(k), snapshot(v)]);
  if (value instanceof Set) return [...value].map(snapshot);
  if (Array.isArray(value)) return value.map(snapshot);
  if (value !== null && typeof value === 'object') {
    const maybeDecimal = value as { plus?: unknown; toFixed?: unknown; toString(): string };
    if (typeof maybeDecimal.plus === 'function' && typeof maybeDecimal.toFixed === 'function')
      return `decimal:${maybeDecimal.toString()}`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, snapshot(v)]));
  }
  return value;
}
