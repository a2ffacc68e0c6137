/**
 * Who reads what: the one read-access policy every GET route consults (issue 13, item 8).
 *
 * - Admins and auditors read everything: figures, people's names (actors, requesters,
 *   approvers), reasons, exceptions, the audit trail and the raw events.
 * - A finance officer reads a pot its agency is a partner of (the host is always one) in full:
 *   its pending approvals with their requesters, its statement with reversal reasons and actors,
 *   its exceptions, its audit trail (GET /v1/audit and its CSV with `potId` of that pot).
 * - A reporter, and a finance officer on a pot its agency is not a partner of, reads figures
 *   only: amounts, dates, ids, references of money entries, agency and intervention names; no
 *   person's identity and no free-text reason (people write them, and they may name people),
 *   no exceptions, no audit trail, no raw events.
 *
 * Redaction is visible, never silent: an object answered in its figures-only view has every
 * withheld field set to null and a `redacted` list of the withheld fields' paths within it
 * (`"pendingApprovals[].requestedBy"`). An answer without `redacted` withheld nothing.
 *
 * A finance officer's rights follow its agency's partnerships as the live books know them now,
 * whatever asAt / atPosition the answer is read at: partners never leave a pot, and a partner
 * may read the pot's history from before it joined.
 */
import type { Actor } from '../../../events/index.ts';
import type { LedgerProjections } from '../../../projections/index.ts';
import type { Role } from '../../auth/tokens.ts';
import { httpProblem } from './errors.ts';

export type Reader = Actor & { role: Role };

/** What a caller reads of one pot: everything, or the figures without people. */
export type ReadView = 'full' | 'figures';

/** Roles that read everything, everywhere. */
export const OVERSIGHT_ROLES = ['auditor', 'admin'] as const satisfies readonly Role[];
/** Roles that may read a pot's people-bearing records (exceptions, audit trail): oversight, and partners' finance officers. */
export const POT_RECORD_ROLES = [
  'auditor',
  'admin',
  'finance-officer',
] as const satisfies readonly Role[];

/** The fields each figures-only view withholds, as paths inside the object that carries `redacted`. */
export const REDACTED_FIELDS = {
  potSummary: ['pendingApprovals[].reason', 'pendingApprovals[].requestedBy'],
  statement: ['reversals[].actor', 'reversals[].reason'],
  costBenefit: ['interventions[].assumptions.reason', 'interventions[].assumptions.setBy'],
  unitCost: ['addedBy'],
} as const;

/** Said in the OpenAPI description of every route that answers a figures-only view. */
export const FIGURES_ONLY_NOTE =
  'Admins, auditors and finance officers of a partner of the pot read it in full. Reporters, and finance officers of other agencies, ' +
  "read the figures only: people's names and free-text reasons are null, and the object lists them in `redacted`.";

function isOversight(reader: Reader): boolean {
  return (OVERSIGHT_ROLES as readonly string[]).includes(reader.role);
}

/** True when the reader is a finance officer whose agency is a partner (or the host) of the pot, in the live books. */
export function isPartnerOfficer(
  reader: Reader,
  books: Readonly<LedgerProjections>,
  potId: string,
): boolean {
  if (reader.role !== 'finance-officer' || reader.agencyId === undefined) return false;
  return books.potSummary.pots.get(potId)?.partners.has(reader.agencyId) ?? false;
}

/** What the reader reads of the pot `potId`. `liveBooks` decide partnership (see the module comment). */
export function potView(
  reader: Reader,
  liveBooks: Readonly<LedgerProjections>,
  potId: string,
): ReadView {
  return isOversight(reader) || isPartnerOfficer(reader, liveBooks, potId) ? 'full' : 'figures';
}

/**
 * What the reader reads of records that belong to no pot (the unit-cost catalogue, written by
 * admins): oversight roles in full, everyone else the figures.
 */
export function unpottedView(reader: Reader): ReadView {
  return isOversight(reader) ? 'full' : 'figures';
}

/**
 * Refuses (403 FORBIDDEN) unless the reader may read the pot's people-bearing records:
 * oversight roles always; a finance officer only for a pot its agency is a partner of, named
 * (`potId` undefined means "every pot", which a finance officer may not read).
 */
export function requirePotRecords(
  reader: Reader,
  liveBooks: Readonly<LedgerProjections>,
  potId: string | undefined,
  what: string,
): void {
  if (isOversight(reader)) return;
  if (reader.role === 'finance-officer') {
    if (potId === undefined) {
      throw httpProblem(
        'FORBIDDEN',
        `a finance officer reads ${what} of one pot its agency is a partner of: pass potId`,
      );
    }
    if (isPartnerOfficer(reader, liveBooks, potId)) return;
    throw httpProblem(
      'FORBIDDEN',
      `${reader.agencyId} is not a partner of pot ${potId}: its finance officers may not read ${what} of it`,
    );
  }
  throw httpProblem('FORBIDDEN', `the ${reader.role} role may not read ${what}`);
}

type Nulled<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]: null };

/** A pot summary as the view allows. */
export function potSummaryFor<
  P extends {
    readonly pendingApprovals: readonly {
      readonly reason: string;
      readonly requestedBy: unknown;
    }[];
  },
>(
  view: ReadView,
  pot: P,
):
  | P
  | (Omit<P, 'pendingApprovals'> & {
      pendingApprovals: Nulled<P['pendingApprovals'][number], 'reason' | 'requestedBy'>[];
      redacted: string[];
    }) {
  if (view === 'full') return pot;
  return {
    ...pot,
    pendingApprovals: pot.pendingApprovals.map((pending) => ({
      ...pending,
      reason: null,
      requestedBy: null,
    })),
    redacted: [...REDACTED_FIELDS.potSummary],
  };
}

/** A memorandum statement as the view allows. */
export function statementFor<
  S extends { readonly reversals: readonly { readonly reason: string; readonly actor: string }[] },
>(
  view: ReadView,
  statement: S,
):
  | S
  | (Omit<S, 'reversals'> & {
      reversals: Nulled<S['reversals'][number], 'reason' | 'actor'>[];
      redacted: string[];
    }) {
  if (view === 'full') return statement;
  return {
    ...statement,
    reversals: statement.reversals.map((reversal) => ({ ...reversal, reason: null, actor: null })),
    redacted: [...REDACTED_FIELDS.statement],
  };
}

interface Assumptions {
  readonly setBy?: string;
  readonly reason?: string;
}
type FiguresOnlyIntervention<I extends { readonly assumptions: Assumptions }> = Omit<
  I,
  'assumptions'
> & {
  assumptions: Omit<I['assumptions'], 'setBy' | 'reason'> & { setBy?: null; reason?: null };
};

/** A cost-benefit report as the view allows: who set an intervention's assumptions, and why, are withheld. */
export function costBenefitFor<
  R extends { readonly interventions: readonly { readonly assumptions: Assumptions }[] },
>(
  view: ReadView,
  report: R,
):
  | R
  | (Omit<R, 'interventions'> & {
      interventions: FiguresOnlyIntervention<R['interventions'][number]>[];
      redacted: string[];
    }) {
  if (view === 'full') return report;
  return {
    ...report,
    interventions: report.interventions.map((intervention) => {
      const { setBy, reason, ...figures } = intervention.assumptions;
      return {
        ...intervention,
        assumptions: {
          ...figures,
          ...(setBy === undefined ? {} : { setBy: null }),
          ...(reason === undefined ? {} : { reason: null }),
        },
      };
    }),
    redacted: [...REDACTED_FIELDS.costBenefit],
  };
}

/** A unit-cost catalogue entry as the view allows: the admin who added it is withheld. */
export function unitCostFor<U extends { readonly addedBy: string }>(
  view: ReadView,
  entry: U,
): U | (Nulled<U, 'addedBy'> & { redacted: string[] }) {
  if (view === 'full') return entry;
  return { ...entry, addedBy: null, redacted: [...REDACTED_FIELDS.unitCost] };
}
