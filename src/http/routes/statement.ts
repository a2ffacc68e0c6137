/**
 * GET /v1/pots/:potId/statement?financialYear=2025-26 — the pooled fund's memorandum statement
 * for one financial year (projections/potStatement.ts), built from the pot's own stream, not
 * from the books: the statement an inspector reads is the one the primary records give.
 * `atPosition` states the year as the ledger knew it when that position was written (the day
 * the accounts were signed, say); `asAt` states the year so far, up to that business date. The
 * answer names the position (and date) it reflects. Built through the historical gate: busy or
 * too slow, it answers 503 HISTORY_BUSY / HISTORY_TIMEOUT with Retry-After.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FinancialYear, Ulid } from '../../../events/primitives.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { FIGURES_ONLY_NOTE, potView, statementFor } from '../plugins/readPolicy.ts';
import { statementTable } from '../../export/statementTable.ts';
import { DOWNLOAD_PRODUCES, DownloadQuery, sendTables, wantedFormat } from './downloads.ts';
import {
  errorResponses,
  Position,
  PriorPeriodAdjustmentView,
  Redacted,
  InterventionNamed,
} from '../schemas.ts';
import { endOfAppendAt } from '../../books/historicalBooks.ts';
import {
  LEDGER_AS_AT_HEADER,
  LEDGER_POSITION_HEADER,
  agencyNames,
  PointInTimeQuery,
  type RouteDeps,
} from './routeDeps.ts';

const Money = z.string().describe('Amount in GBP, 2 decimal places');
const SignedMoney = z
  .string()
  .describe(
    'Amount in GBP, 2 decimal places; negative only when backdated entries spent money before the date it was paid in',
  );
const Ratio = z
  .string()
  .nullable()
  .describe('Decimal ratio to 4 places; null when the denominator is zero');

export const PotStatementView = z.object({
  potId: z.string(),
  name: z.string(),
  area: z.string(),
  hostAgencyId: z.string(),
  currency: z.string(),
  period: z.object({ financialYear: z.string(), from: z.string(), to: z.string() }),
  position: Position.describe(
    'Last pot event read (entries dated after the year are read and left out)',
  ),
  openingBalance: SignedMoney,
  contributions: z.object({ received: Money, reversed: Money, net: SignedMoney }),
  allocations: z.object({ allocated: Money, reversed: Money, net: SignedMoney }),
  returnedToPartners: Money,
  // The pooled-fund year: present only on a pot that has recorded an agreement.
  settlement: z
    .object({
      financialYear: z.string(),
      eventId: z.string(),
      effectiveDate: z.string(),
      agreementVersion: z.number().int(),
      released: Money,
      covered: Money,
      shared: Money,
      returned: Money,
      owedByPartners: z.array(z.object({ agencyId: z.string(), amount: Money })).readonly(),
    })
    .nullable()
    .optional()
    .describe("The year's settlement (null until settled); pooled-fund pots only"),
  settlementMovements: z.object({ released: Money, covered: Money }).optional(),
  riskSharePayments: z.object({ received: Money, reversed: Money, net: SignedMoney }).optional(),
  spend: z.object({ spent: Money, reversed: Money, net: SignedMoney }).optional(),
  closingBalance: SignedMoney,
  partners: z
    .array(
      z.object({
        agencyId: z.string(),
        openingStake: SignedMoney,
        contributionsReceived: Money,
        contributionsReversed: Money,
        drawn: Money,
        drawnReversed: Money,
        returned: Money,
        settlementReleased: Money.optional(),
        settlementCovered: Money.optional(),
        riskShareOwed: Money.optional(),
        riskSharePaid: SignedMoney.optional(),
        closingStake: SignedMoney,
        shareOfClosingBalance: Ratio,
        shareOfContributions: Ratio,
      }),
    )
    .readonly(),
  interventions: z
    .array(
      z.object({
        ...InterventionNamed,
        allocated: Money,
        allocationsReversed: Money,
        netAllocated: SignedMoney,
        outcomesRecorded: z.number().int(),
        outcomesRetracted: z.number().int(),
        benefits: Money,
        benefitsRetracted: Money,
        netBenefits: SignedMoney,
        spent: Money.optional(),
        spendReversed: Money.optional(),
        netSpent: SignedMoney.optional(),
        settlementReleased: Money.optional(),
        settlementCovered: Money.optional(),
        settlementShared: Money.optional(),
      }),
    )
    .readonly(),
  benefitsByAgency: z
    .array(
      z.object({
        agencyId: z.string(),
        cashable: SignedMoney,
        nonCashable: SignedMoney,
        total: SignedMoney,
      }),
    )
    .readonly(),
  reversals: z
    .array(
      z.object({
        position: Position,
        eventId: z.string(),
        type: z.enum(['ContributionReversed', 'AllocationReversed', 'OutcomeRetracted']),
        reversedEventId: z.string(),
        agencyId: z
          .string()
          .nullable()
          .describe(
            'The agency whose contribution was reversed; null for an allocation or outcome',
          ),
        interventionId: z
          .string()
          .nullable()
          .describe(
            'The intervention whose allocation or outcome was undone; null for a contribution',
          ),
        effectiveDate: z.string(),
        amount: Money,
        reason: z.string().nullable().describe('null when withheld (see `redacted`)'),
        actor: z
          .string()
          .nullable()
          .describe(
            'The user (token subject) who recorded the reversal; null when withheld (see `redacted`)',
          ),
      }),
    )
    .readonly(),
  priorPeriodAdjustments: z.array(PriorPeriodAdjustmentView).readonly(),
  yearClosed: z.boolean(),
  potClosedOn: z.string().nullable(),
  entriesInYear: z.number().int(),
  redacted: Redacted,
});

export const statementRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/pots/:potId/statement',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pots'],
          summary:
            "The pooled fund's memorandum statement for a financial year: opening balance, contributions, allocations, outcomes, reversals, closing balance, each partner's share",
          description:
            'Entries count by their effective date: dated before the year they make the opening balance, dated inside it they are the year; dated after, they are left out. ' +
            'A reversal or retraction counts in the year it is dated in, as in GET /v1/flows and the cba report; one correcting a closed year is listed in priorPeriodAdjustments. ' +
            "The closing balance is reached two ways (opening + movements, and the sum of the partners' closing stakes); a statement where they disagree is never served. " +
            FIGURES_ONLY_NOTE +
            ' format=csv or format=xlsx downloads it as one row per figure, agencies named (a figures-only reader’s reversal notes carry no reason).',
          params: z.object({ potId: Ulid }),
          querystring: z.object({
            financialYear: FinancialYear,
            ...PointInTimeQuery.shape,
            ...DownloadQuery,
          }),
          produces: DOWNLOAD_PRODUCES,
          response: { 200: PotStatementView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId } = request.params;
        const { financialYear, atPosition, asAt, format } = request.query;
        const head = await deps.store.headPosition();
        if (atPosition !== undefined && atPosition > head) {
          throw httpProblem(
            'VALIDATION_FAILED',
            `atPosition ${atPosition} is beyond the end of the log (${head})`,
          );
        }
        // The answer reflects exactly one position: pot events appended after the head was read
        // wait for the next call, and a position inside one append means the end of that append.
        const upTo = atPosition === undefined ? head : await endOfAppendAt(deps.store, atPosition);
        // Reading and folding the pot's stream is O(its history): off the event loop, bounded
        // and timed like every historical answer (src/books/historyPool.ts).
        const statement = await deps.statementFor({ potId, financialYear, asAt, upTo });
        if (statement === null)
          throw httpProblem(
            'NOT_FOUND',
            `pot ${potId} does not exist${atPosition === undefined ? '' : ` at position ${atPosition}`}`,
          );
        reply.header(LEDGER_POSITION_HEADER, upTo.toString());
        if (asAt !== undefined) reply.header(LEDGER_AS_AT_HEADER, asAt);
        const answer = statementFor(potView(actorOf(request), deps.books(), potId), statement);
        const download = wantedFormat(request, format);
        if (download === 'json') return answer;
        return sendTables(reply, download, `statement-${potId}-${financialYear}`, [
          statementTable(answer, agencyNames(deps)),
        ]);
      },
    );
  };
