/**
 * The pooled-fund year's writes (../shared/POOLED-FUND-YEAR.md): the agreement register, scheme
 * details, spend, commitments and forecasts. The reports (monitoring, memorandum, agreements)
 * are in poolYearReports.ts; the settlement and its preview in settlement.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RecordAgreementBody } from '../../../commands/recordAgreement.ts';
import { RecordSchemeDetailsBody } from '../../../commands/recordSchemeDetails.ts';
import { RecordBcfMinimumsBody } from '../../../commands/recordBcfMinimums.ts';
import type { BcfMinimumsRecorded } from '../../../events/betterCareFund.ts';
import {
  RaiseCommitmentBody,
  RecordForecastBody,
  RecordSpendBody,
  ReleaseCommitmentBody,
} from '../../../commands/recordSpend.ts';
import {
  FinancialYearSettledV1,
  OverspendFlag,
  type AgreementRecorded,
  type FinancialYearSettled,
  type CommitmentRaised,
  type CommitmentReleased,
  type ForecastRecorded,
  type SchemeDetailsRecorded,
  type SpendRecorded,
} from '../../../events/poolYear.ts';
import { FinancialYear, Ulid } from '../../../events/primitives.ts';
import { SettleFinancialYearBody } from '../../../commands/settleFinancialYear.ts';
import { actorOf } from '../plugins/auth.ts';
import { formatAmount, money } from '../../../events/money.ts';
import { errorResponses, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, fromEventData, WriteHeaders } from './writeRoute.ts';
import type { RouteDeps } from './routeDeps.ts';

const PotParams = z.object({ potId: Ulid });
const SchemeParams = PotParams.extend({ interventionId: Ulid });
/** Spend, commitments and forecasts: a partner's finance officer or an admin. */
const BUDGET_ROLES = ['finance-officer', 'admin'] as const;

export const poolYearRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { commands } = deps;

    app.post(
      '/v1/pots/:potId/agreements',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pooled fund'],
          summary: "Record the pot's agreement, or a variation of it (admin only)",
          description:
            'The first agreement is version 1. A variation names the version in force it `replaces` (409 AGREEMENT_VERSION_CONFLICT when another variation came first; 409 ALREADY_EXISTS when it names none) and its own board decision; it applies to every year not yet settled. ' +
            'Defaults: overspend policy `warn`, coverFromPot true, share `contributions`, underspend `carry-forward`. ' +
            'Share `fixed` needs `percentages` in basis points summing to 10000; percentages and caps name partners (409 NOT_A_PARTNER).',
          headers: WriteHeaders,
          params: PotParams,
          body: RecordAgreementBody,
          response: {
            201: Written.extend({
              version: z.number(),
              replaces: z.number().optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordAgreement(request.params.potId, request.body, commandEnvelope(request)),
          fromEventData((data: AgreementRecorded) => ({
            version: data.version,
            ...(data.replaces === undefined ? {} : { replaces: data.replaces.version }),
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/bcf-minimums',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pooled fund'],
          summary:
            "Record a year's required Better Care Fund minimums: NHS minimum contribution per ICB, Disabled Facilities Grant, local authority BCF grant (admin only)",
          description:
            'Only on a Better Care Fund pot (its agreement names a Health and Wellbeing Board; 409 NOT_A_BCF_POT otherwise). Each line names a stream, a partner (409 NOT_A_PARTNER otherwise), the amount and where the figure comes from; a stream and agency at most once. ' +
            'A later record for the same year replaces the earlier one whole (the next version). Monitoring shows each minimum against what was received and flags a shortfall.',
          headers: WriteHeaders,
          params: PotParams,
          body: RecordBcfMinimumsBody,
          response: {
            201: Written.extend({
              financialYear: z.string(),
              version: z.number(),
              replaces: z.number().optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordBcfMinimums(request.params.potId, request.body, commandEnvelope(request)),
          fromEventData((data: BcfMinimumsRecorded) => ({
            financialYear: data.financialYear,
            version: data.version,
            ...(data.replaces === undefined ? {} : { replaces: data.replaces.version }),
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/scheme',
      {
        config: { access: BUDGET_ROLES },
        schema: {
          tags: ['pooled fund'],
          summary:
            "Record an intervention's scheme details: type, funding source, commissioner split, provider, recurrent, revenue or capital",
          description:
            "An admin or a finance officer of the host partner (which keeps the pool's accounts); other finance officers are refused (403). " +
            'The commissioner split names partners with percentages summing to 100; without it the lead agency commissions 100%. A later record replaces the details.',
          headers: WriteHeaders,
          params: SchemeParams,
          body: RecordSchemeDetailsBody,
          response: {
            201: Written.extend({ interventionId: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordSchemeDetails(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ interventionId }: SchemeDetailsRecorded) => ({ interventionId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/spend',
      {
        config: { access: BUDGET_ROLES },
        schema: {
          tags: ['pooled fund'],
          summary: 'Record spend (an invoice paid) against a scheme',
          description:
            "Only on a pot whose agreement tracks spend (409 SPEND_TRACKING_OFF). Spend beyond the scheme's remaining budget for the year of its date (budget − spent − outstanding commitments) is an overspend: " +
            'accepted and flagged in `overspend` when the agreement says `warn`, refused with 409 BUDGET_EXCEEDED when it says `block`. ' +
            'Naming a commitment releases as much of it as the spend (at most what is outstanding). A settled year takes no more spend (409 YEAR_SETTLED). Reversed through POST /v1/pots/:potId/reversals.',
          headers: WriteHeaders,
          params: SchemeParams,
          body: RecordSpendBody,
          response: {
            201: Written.extend({
              spendId: z.string(),
              commitmentReleased: z.string().optional(),
              overspend: OverspendFlag.optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordSpend(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((data: SpendRecorded) => ({
            spendId: data.spendId,
            ...(data.commitmentReleased === undefined
              ? {}
              : { commitmentReleased: data.commitmentReleased }),
            ...(data.overspend === undefined ? {} : { overspend: data.overspend }),
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/commitments',
      {
        config: { access: BUDGET_ROLES },
        schema: {
          tags: ['pooled fund'],
          summary:
            'Raise a commitment (purchase order, contract, care package) that reserves budget',
          description:
            'Held to the same overspend policy as spend. Spend naming the commitment releases it; so does POST …/commitments/:commitmentId/release.',
          headers: WriteHeaders,
          params: SchemeParams,
          body: RaiseCommitmentBody,
          response: {
            201: Written.extend({
              commitmentId: z.string(),
              overspend: OverspendFlag.optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.raiseCommitment(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((data: CommitmentRaised) => ({
            commitmentId: data.commitmentId,
            ...(data.overspend === undefined ? {} : { overspend: data.overspend }),
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/commitments/:commitmentId/release',
      {
        config: { access: BUDGET_ROLES },
        schema: {
          tags: ['pooled fund'],
          summary: 'Release part or all of what a commitment still reserves',
          description:
            'Without an amount, everything still outstanding is released; more than is outstanding is 400 VALIDATION_FAILED.',
          headers: WriteHeaders,
          params: SchemeParams.extend({ commitmentId: Ulid }),
          body: ReleaseCommitmentBody,
          response: {
            201: Written.extend({ commitmentId: z.string(), amount: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.releaseCommitment(
            request.params.potId,
            request.params.interventionId,
            request.params.commitmentId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ commitmentId, amount }: CommitmentReleased) => ({
            commitmentId,
            amount,
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/forecasts',
      {
        config: { access: BUDGET_ROLES },
        schema: {
          tags: ['pooled fund'],
          summary: "Record a scheme's forecast outturn for a financial year, at a quarter",
          description:
            "A forecast that differs from the scheme's budget for the year needs an explanation (400). A settled year takes no more forecasts (409 YEAR_SETTLED).",
          headers: WriteHeaders,
          params: SchemeParams,
          body: RecordForecastBody,
          response: {
            201: Written.extend({
              forecastId: z.string(),
              budget: z.string(),
              variance: z.string(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordForecast(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((data: ForecastRecorded) => ({
            forecastId: data.forecastId,
            budget: data.budget,
            variance: varianceOf(data),
          })),
        ),
    );

    const YearParams = PotParams.extend({ financialYear: FinancialYear });

    app.get(
      '/v1/pots/:potId/financial-years/:financialYear/settlement-preview',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled fund'],
          summary: 'What settling the financial year would record now, writing nothing',
          description:
            "Decided on the same state and by the same code as POST …/settle, so the settlement equals its preview while nothing is written in between. A year that could not be settled now answers the settle's refusal: 409 SPEND_TRACKING_OFF, ALREADY_SETTLED, PERIOD_CLOSED, PENDING_APPROVALS; 400 before the year has ended.",
          params: YearParams,
          // What settling would record now: no asAt or atPosition (400 if given). minPosition is
          // accepted and always met: the write side has every acknowledged write.
          querystring: z.strictObject({
            minPosition: z
              .string()
              .regex(/^\d{1,30}$/)
              .optional()
              .describe('Accepted for symmetry with the books reads; always met'),
          }),
          response: { 200: FinancialYearSettledV1, ...errorResponses },
        },
      },
      async (request) =>
        commands.previewSettlement(
          request.params.potId,
          request.params.financialYear,
          actorOf(request),
        ),
    );

    app.post(
      '/v1/pots/:potId/financial-years/:financialYear/settle',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pooled fund'],
          summary: "Settle the financial year by the agreement's risk-share rule (admin only)",
          description:
            'Once the year has ended by the server clock, before it is closed, once (409 ALREADY_SETTLED), on a pot whose agreement tracks spend (409 SPEND_TRACKING_OFF). ' +
            "One FinancialYearSettled event, dated 31 March, holds every figure: each scheme's underspend released to the stakes by its funding of the year, overspend covered from the stakes and then shared by the partners (debts they pay with contributions marked riskShareFor), and under `return` every stake given back. The year is then locked (409 YEAR_SETTLED).",
          headers: WriteHeaders,
          params: YearParams,
          body: SettleFinancialYearBody,
          response: { 201: Written.extend(FinancialYearSettledV1.shape), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.settleFinancialYear(
            request.params.potId,
            request.params.financialYear,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((data: FinancialYearSettled) => data),
        ),
    );
  };

/** Forecast outturn − budget: positive is a forecast overspend. */
function varianceOf(data: ForecastRecorded): string {
  return formatAmount(money(data.forecastOutturn).minus(money(data.budget)));
}
