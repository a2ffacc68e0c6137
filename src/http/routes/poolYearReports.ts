/**
 * The pooled-fund year's reports (docs/pooled-fund-year.md): the agreement versions, the
 * quarterly monitoring report and the memorandum account, read from the books like every other
 * pot report, so `asAt`, `atPosition` and `minPosition` work as they do there. The monitoring
 * report and the memorandum also answer CSV for a spreadsheet (`format=csv` or
 * `Accept: text/csv`): monitoring one row per scheme then a totals row, the memorandum one row
 * per partner.
 *
 * Any role reads them. What people wrote is withheld from a figures-only reader (a reporter, a
 * finance officer of an agency that is not a partner), as on the other pot reports: a
 * forecast's explanation, and the pool manager an agreement names (a name or a post).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FinancialYear, Ulid } from '../../../events/primitives.ts';
import { AgreementRecordedV1, Quarter } from '../../../events/poolYear.ts';
import {
  agreementsOf,
  memorandumAccount,
  monitoringReport,
  type AgreementsView,
  type MonitoringReport,
} from '../../../projections/poolYearReports.ts';
import { CSV_CONTENT_TYPE } from '../../export/csv.ts';
import {
  BCF_RETURN_SHEETS,
  bcfReturnCsv,
  memorandumCsv,
  monitoringTable,
} from '../../export/poolYearCsv.ts';
import { bcfReturn } from '../../../projections/bcfReturn.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { FIGURES_ONLY_NOTE, potView, type ReadView } from '../plugins/readPolicy.ts';
import { errorResponses, Position, Redacted } from '../schemas.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';
import { DOWNLOAD_PRODUCES, DownloadQuery, sendTables, wantedFormat } from './downloads.ts';

/** The fields a figures-only view withholds, as paths inside the answer. */
export const POOL_YEAR_REDACTED_FIELDS = {
  agreements: ['current.poolManager', 'versions[].poolManager'],
  monitoring: ['schemes[].explanation'],
} as const;

const Money = z.string().describe('Amount in GBP, 2 decimal places');
const SignedMoney = z.string().describe('Amount in GBP, 2 decimal places, may be negative');

const AgreementView = AgreementRecordedV1.extend({
  poolManager: z.string().nullable().describe('null when withheld (see `redacted`)'),
  eventId: z.string(),
  position: Position,
  recordedAt: z.string(),
});
export const AgreementsAnswer = z.object({
  potId: z.string(),
  current: AgreementView.nullable().describe(
    'The version in force (the last recorded); null without an agreement',
  ),
  versions: z.array(AgreementView).readonly(),
  redacted: Redacted,
});

const Figures = {
  budget: SignedMoney,
  actual: SignedMoney,
  committed: SignedMoney,
  forecastOutturn: SignedMoney,
  variance: SignedMoney.describe('forecastOutturn − budget: positive is a forecast overspend'),
};
export const MonitoringAnswer = z.object({
  potId: z.string(),
  financialYear: z.string(),
  quarter: z.number().int(),
  quarterEnd: z.string(),
  spendTracking: z
    .boolean()
    .describe(
      'false: the year does not track spend, and an allocation counts as money spent (actual = budget)',
    ),
  schemes: z
    .array(
      z.object({
        interventionId: z.string(),
        name: z.string(),
        schemeType: z.string().nullable(),
        fundingSource: z.string().nullable(),
        expenditure: z.string().nullable(),
        ...Figures,
        forecastIsBudget: z.boolean(),
        explanation: z.string().nullable(),
        overspent: z.boolean(),
      }),
    )
    .readonly(),
  totals: z.object(Figures),
  byFundingSource: z.array(z.object({ fundingSource: z.string(), ...Figures })).readonly(),
  bySchemeType: z.array(z.object({ schemeType: z.string(), ...Figures })).readonly(),
  contributions: z
    .array(
      z.object({ agencyId: z.string(), agreed: Money, received: SignedMoney, outstanding: Money }),
    )
    .readonly(),
  overspends: z
    .array(
      z.object({
        interventionId: z.string(),
        name: z.string(),
        budget: SignedMoney,
        actual: SignedMoney,
        committed: SignedMoney,
        overBy: Money,
      }),
    )
    .readonly(),
  minimums: z
    .array(
      z.object({
        fundingStream: z.string(),
        agencyId: z.string(),
        required: Money,
        received: SignedMoney.describe(
          "that stream's contributions from the agency dated in the year to the quarter's end",
        ),
        shortfall: Money,
        flagged: z.boolean(),
      }),
    )
    .readonly()
    .optional()
    .describe('Better Care Fund pots only: the required minimums against what was received'),
  redacted: Redacted,
});

export const BcfReturnAnswer = z.object({
  potId: z.string(),
  financialYear: z.string(),
  healthAndWellbeingBoard: z.string(),
  income: z
    .array(z.object({ fundingStream: z.string(), planned: SignedMoney, actual: SignedMoney }))
    .readonly(),
  expenditure: z
    .array(
      z.object({
        schemeType: z.string(),
        fundingStream: z.string(),
        commissioner: z.string(),
        planned: SignedMoney,
        actual: SignedMoney,
      }),
    )
    .readonly(),
  totals: z.object({
    incomePlanned: SignedMoney,
    incomeActual: SignedMoney,
    expenditurePlanned: SignedMoney,
    expenditureActual: SignedMoney,
  }),
});

const AgencyAmount = z.object({ agencyId: z.string(), amount: SignedMoney });
export const MemorandumAnswer = z.object({
  potId: z.string(),
  financialYear: z.string(),
  settled: z.boolean(),
  settlementEventId: z.string().nullable(),
  hostAgencyId: z.string(),
  spendTracking: z.boolean(),
  partners: z
    .array(
      z.object({
        agencyId: z.string(),
        openingBalance: SignedMoney,
        contributions: SignedMoney,
        shareOfExpenditure: SignedMoney,
        shareOfDeficit: SignedMoney,
        shareOfSurplus: SignedMoney,
        returned: SignedMoney,
        riskSharePaid: SignedMoney,
        owedByPot: SignedMoney.describe(
          'The stake and unspent funding the pot holds for the partner',
        ),
        owedToPot: SignedMoney.describe('Risk-share debt outstanding at 31 March'),
        closingBalance: SignedMoney.describe('owedByPot − owedToPot'),
        carriedForward: SignedMoney.describe('The stake at 31 March'),
      }),
    )
    .readonly(),
  expenditureByScheme: z
    .array(
      z.object({
        interventionId: z.string(),
        name: z.string(),
        spent: SignedMoney,
        funding: z.array(AgencyAmount).readonly(),
      }),
    )
    .readonly(),
  totals: z.object({
    openingBalance: SignedMoney,
    contributions: SignedMoney,
    expenditure: SignedMoney,
    shareOfDeficit: SignedMoney,
    shareOfSurplus: SignedMoney,
    returned: SignedMoney,
    riskSharePaid: SignedMoney,
    closingBalance: SignedMoney,
  }),
  reconciliation: z.object({
    openingBalanceFromPot: SignedMoney,
    closingBalanceFromPartners: SignedMoney,
    closingBalanceFromPot: SignedMoney,
    agrees: z.boolean(),
  }),
});

const FormatQuery = {
  format: z
    .enum(['json', 'csv'])
    .optional()
    .describe('csv for a spreadsheet (or send Accept: text/csv)'),
};

export function wantsCsv(request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

export function sendCsv(reply: FastifyReply, filename: string, csv: string): FastifyReply {
  return reply
    .type(CSV_CONTENT_TYPE)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}

function agreementsFor(view: ReadView, answer: AgreementsView) {
  if (view === 'full') return answer;
  return {
    potId: answer.potId,
    current: answer.current === null ? null : { ...answer.current, poolManager: null },
    versions: answer.versions.map((v) => ({ ...v, poolManager: null })),
    redacted: [...POOL_YEAR_REDACTED_FIELDS.agreements],
  };
}

function monitoringFor(view: ReadView, report: MonitoringReport) {
  if (view === 'full') return report;
  return {
    ...report,
    schemes: report.schemes.map((s) => ({ ...s, explanation: null })),
    redacted: [...POOL_YEAR_REDACTED_FIELDS.monitoring],
  };
}

const notFound = (potId: string) => httpProblem('NOT_FOUND', `pot ${potId} does not exist`);

export const poolYearReportRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/pots/:potId/agreements',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary: "The pot's agreement: the version in force and every version recorded",
          description: FIGURES_ONLY_NOTE,
          params: z.object({ potId: Ulid }),
          querystring: ReadQuery,
          response: { 200: AgreementsAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId } = request.params;
        return answerFromBooks(deps, request.query, reply, ['poolYear'], (books) => {
          const answer = agreementsOf(books.poolYear, potId);
          if (answer === null) throw notFound(potId);
          return agreementsFor(potView(actorOf(request), deps.books(), potId), answer);
        });
      },
    );

    app.get(
      '/v1/pots/:potId/monitoring',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary:
            'The quarterly monitoring report: per scheme budget, actual, outstanding commitments, forecast outturn and variance; totals; contributions agreed and received; overspends',
          description:
            'Figures to the quarter’s end (30 June, 30 September, 31 December, 31 March). JSON, or CSV with format=csv or Accept: text/csv, or an Excel workbook with format=xlsx ' +
            '(one row per scheme, then a totals row). ' +
            FIGURES_ONLY_NOTE,
          params: z.object({ potId: Ulid }),
          querystring: ReadQuery.extend({
            financialYear: FinancialYear,
            quarter: z.coerce.number().pipe(Quarter),
            ...DownloadQuery,
          }),
          produces: DOWNLOAD_PRODUCES,
          response: { 200: MonitoringAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId } = request.params;
        const { financialYear, quarter, format, ...query } = request.query;
        const report = await answerFromBooks(deps, query, reply, ['poolYear'], (books) => {
          const answer = monitoringReport(books.poolYear, potId, financialYear, quarter);
          if (answer === null) throw notFound(potId);
          return monitoringFor(potView(actorOf(request), deps.books(), potId), answer);
        });
        const download = wantedFormat(request, format);
        if (download === 'json') return report;
        return sendTables(reply, download, `monitoring-${financialYear}-q${quarter}`, [
          monitoringTable(report),
        ]);
      },
    );

    app.get(
      '/v1/pots/:potId/bcf-return',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary:
            "A Better Care Fund pot's end-of-year return: income by funding stream and expenditure by scheme type, funding stream and commissioner, planned against actual",
          description:
            'Planned income: the recorded minimums for nhs-minimum, dfg and la-bcf; for other streams the budget of the schemes they fund. Actual income: contributions naming the stream, dated in the year. ' +
            "Expenditure: each scheme's budget (planned) and spend (actual) for the year, split by its commissioner percentages (largest remainder); its totals equal the Q4 monitoring report's. " +
            'A pot that is not a Better Care Fund pot is 409 NOT_A_BCF_POT. JSON, or CSV with format=csv and sheet=income or sheet=expenditure (one table per sheet: CSV has no sheets, so one file per sheet; 400 without sheet). Any role reads it (figures only).',
          params: z.object({ potId: Ulid }),
          querystring: ReadQuery.extend({
            financialYear: FinancialYear,
            ...FormatQuery,
            sheet: z.enum(BCF_RETURN_SHEETS).optional(),
          }),
          produces: ['application/json', 'text/csv'],
          response: { 200: BcfReturnAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId } = request.params;
        const { financialYear, format, sheet, ...query } = request.query;
        const csv = wantsCsv(request, format);
        if (csv && sheet === undefined)
          throw httpProblem(
            'VALIDATION_FAILED',
            'the CSV return is one table per sheet: name the sheet (sheet=income or sheet=expenditure)',
          );
        const answer = await answerFromBooks(deps, query, reply, ['poolYear'], (books) => {
          const found = bcfReturn(books.poolYear, potId, financialYear);
          if (found === null) throw notFound(potId);
          if (found === 'not-bcf')
            throw httpProblem(
              'NOT_A_BCF_POT',
              `pot ${potId} is not a Better Care Fund pot: its agreement names no Health and Wellbeing Board`,
            );
          return found;
        });
        if (!csv || sheet === undefined) return answer;
        return sendCsv(
          reply,
          `bcf-return-${financialYear}-${sheet}.csv`,
          bcfReturnCsv(answer, sheet),
        );
      },
    );

    app.get(
      '/v1/pots/:potId/memorandum',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary:
            "The memorandum account: each partner's opening balance, contributions, share of expenditure, surplus or deficit, returns, risk-share paid and closing balance; expenditure by scheme",
          description:
            "The closing balance is reached two ways, from the partners' lines and from the pot's own cash; `reconciliation.agrees` says they agree. " +
            'JSON, or CSV with format=csv or Accept: text/csv (one row per partner). Any role reads the whole account (it holds figures only).',
          params: z.object({ potId: Ulid }),
          querystring: ReadQuery.extend({ financialYear: FinancialYear, ...FormatQuery }),
          produces: ['application/json', 'text/csv'],
          response: { 200: MemorandumAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId } = request.params;
        const { financialYear, format, ...query } = request.query;
        const account = await answerFromBooks(deps, query, reply, ['poolYear'], (books) => {
          const answer = memorandumAccount(books.poolYear, potId, financialYear);
          if (answer === null) throw notFound(potId);
          return answer;
        });
        if (!wantsCsv(request, format)) return account;
        return sendCsv(reply, `memorandum-${financialYear}.csv`, memorandumCsv(account));
      },
    );
  };
