/**
 * The write commands the reliability clients send, each with the fields its event must carry,
 * and the book of every command sent (keyed by its Idempotency-Key).
 */
import type { CommandKind, CommandRecord } from './commandLog.ts';
import type { Json } from './ledgerHttp.ts';

export interface CommandSpec {
  readonly kind: CommandKind;
  readonly path: string;
  readonly token: string;
  readonly body: Json;
  readonly expectData: Json;
}

export const CONTRIBUTION_DATE = '2025-06-02';
export const ALLOCATION_DATE = '2025-07-01';
export const OUTCOME_DATE = '2025-09-30';

/** Whole pence to the wire form: 123456 → "1234.56". */
export function amountOf(pence: number): string {
  if (!Number.isSafeInteger(pence) || pence <= 0)
    throw new RangeError(`amount in pence must be a positive integer, got ${pence}`);
  return `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
}

/** The wire form back to whole pence; exact for 2-dp strings. */
export function penceOf(amount: string): number {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(amount);
  if (match === null) throw new Error(`not a 2-dp amount: ${amount}`);
  const pence = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === '-' ? -pence : pence;
}

export const specs = {
  registerAgency(token: string, agencyId: string, name: string, kind: string): CommandSpec {
    const body = { agencyId, name, kind };
    return { kind: 'register-agency', path: '/v1/agencies', token, body, expectData: body };
  },
  openPot(
    token: string,
    name: string,
    hostAgencyId: string,
    partnerAgencyIds: string[],
  ): CommandSpec {
    const body = { name, area: 'Reliability', hostAgencyId, partnerAgencyIds };
    return {
      kind: 'open-pot',
      path: '/v1/pots',
      token,
      body,
      expectData: { name, area: 'Reliability', hostAgencyId },
    };
  },
  defineIntervention(
    token: string,
    potId: string,
    name: string,
    leadAgencyId: string,
  ): CommandSpec {
    const body = { name, leadAgencyId };
    return {
      kind: 'define-intervention',
      path: `/v1/pots/${potId}/interventions`,
      token,
      body,
      expectData: { potId, ...body },
    };
  },
  contribution(
    token: string,
    potId: string,
    agencyId: string,
    amount: string,
    reference: string,
  ): CommandSpec {
    const body = { agencyId, amount, effectiveDate: CONTRIBUTION_DATE, reference };
    return {
      kind: 'contribution',
      path: `/v1/pots/${potId}/contributions`,
      token,
      body,
      expectData: { potId, agencyId, amount, reference },
    };
  },
  allocation(
    token: string,
    potId: string,
    interventionId: string,
    amount: string,
    reason: string,
  ): CommandSpec {
    const body = { interventionId, amount, effectiveDate: ALLOCATION_DATE, reason };
    return {
      kind: 'allocation',
      path: `/v1/pots/${potId}/allocations`,
      token,
      body,
      expectData: { potId, interventionId, amount, reason },
    };
  },
  outcome(
    token: string,
    potId: string,
    interventionId: string,
    description: string,
    benefits: { agencyId: string; amount: string; cashable: boolean }[],
  ): CommandSpec {
    const body = { description, effectiveDate: OUTCOME_DATE, benefits };
    return {
      kind: 'outcome',
      path: `/v1/pots/${potId}/interventions/${interventionId}/outcomes`,
      token,
      body,
      expectData: { potId, interventionId, description },
    };
  },
  reversal(token: string, potId: string, eventId: string, reason: string): CommandSpec {
    const body = { eventId, reason };
    return {
      kind: 'reversal',
      path: `/v1/pots/${potId}/reversals`,
      token,
      body,
      expectData: { potId, reversedEventId: eventId, reason },
    };
  },
};

/** Every command sent in a suite, by key: what checkLog compares with the log. */
export function createCommandBook() {
  const commands = new Map<string, CommandRecord>();
  return {
    commands,
    add(key: string, spec: CommandSpec): CommandRecord {
      if (commands.has(key)) throw new Error(`idempotency key ${key} used for two commands`);
      const record: CommandRecord = {
        key,
        kind: spec.kind,
        request: { path: spec.path, token: spec.token, body: spec.body, idempotencyKey: key },
        expectData: spec.expectData,
        attempts: [],
      };
      commands.set(key, record);
      return record;
    },
  };
}
