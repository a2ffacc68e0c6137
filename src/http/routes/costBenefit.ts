/**
 * Evidence of benefit (issue 5, points 3 and 4): agreed contributions, the cost-benefit
 * assumptions of an intervention, and the cost-benefit report made from the ledger's records.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgreeContributionBody } from '../../../commands/agreeContribution.ts';
import { SetInterventionAssumptionsBody } from '../../../commands/setInterventionAssumptions.ts';
import type { ContributionAgreed, InterventionAssumptionsSet } from '../../../events/pot.ts';
import { FinancialYear, Ulid } from '../../../events/primitives.ts';
import type { DeflatorSeries } from '../../../events/uprating.ts';
import { costBenefitReport } from '../../../projections/costBenefit.ts';
import { readDeflatorFile } from '../../unitCosts/unitCostFile.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { costBenefitFor, FIGURES_ONLY_NOTE, potView } from '../plugins/readPolicy.ts';
import { errorResponses, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, WriteHeaders, fromEventData } from './writeRoute.ts';
import { CostBenefitReportView } from './costBenefitViews.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

const PotParams = z.object({ potId: Ulid });
const WRITE_ROLES = ['finance-officer', 'admin'] as const;

/**
 * `deflators` is the series the report restates catalogue-valued benefits with: the shipped
 * data/deflators.json unless a test gives another.
 */
export const costBenefitRoutes =
  (
    deps: RouteDeps,
    deflators: DeflatorSeries = deps.deflators ?? readDeflatorFile(),
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const { commands } = deps;

    app.post(
      '/v1/pots/:potId/agreed-contributions',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pots'],
          summary:
            "Record or vary a partner's agreed contribution for a financial year (admin only)",
          description:
            'What a partnership board agreed is recorded by an admin only: a finance officer of any partner, the host included, is refused (403 FORBIDDEN), ' +
            'so no agency can write down its own agreement. A later agreement for the same partner and year varies the one in force: the event names it (`varies`) and carries its own board decision. ' +
            'An agreement that would change nothing is refused (409 ALREADY_EXISTS).',
          headers: WriteHeaders,
          params: PotParams,
          body: AgreeContributionBody,
          response: {
            201: Written.extend({
              agencyId: z.string(),
              financialYear: z.string(),
              amount: z.string(),
              varies: z
                .object({
                  agreementEventId: z.string(),
                  amount: z.string(),
                  boardDecisionRef: z.string(),
                })
                .optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.agreeContribution(request.params.potId, request.body, commandEnvelope(request)),
          (event) => {
            const data = event.data as ContributionAgreed;
            return {
              agencyId: data.agencyId,
              financialYear: data.financialYear,
              amount: data.amount,
              ...(data.varies === undefined ? {} : { varies: data.varies }),
            };
          },
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/assumptions',
      {
        config: { access: WRITE_ROLES },
        schema: {
          tags: ['reports'],
          summary:
            "Set an intervention's cost-benefit assumptions: deadweight, attribution, optimism bias, benefit profile, with a reason",
          headers: WriteHeaders,
          params: PotParams.extend({ interventionId: Ulid }),
          body: SetInterventionAssumptionsBody,
          response: { 201: Written.extend({ interventionId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.setInterventionAssumptions(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ interventionId }: InterventionAssumptionsSet) => ({ interventionId })),
        ),
    );

    app.get(
      '/v1/pots/:potId/cba',
      {
        config: { access: 'any' },
        schema: {
          tags: ['reports'],
          summary:
            'Cost-benefit report per intervention and for the pot, every figure with its formula and inputs',
          description: FIGURES_ONLY_NOTE,
          params: PotParams,
          querystring: ReadQuery.extend({
            interventionId: Ulid.optional().describe('Only this intervention'),
            financialYear: FinancialYear.optional().describe(
              'Only entries dated in this financial year, e.g. 2025-26; a reversal or retraction counts (negative) in the year it is dated in, never in a closed year, and is listed in priorPeriodAdjustments when it corrects one. Without it, every year net',
            ),
            baseYear: FinancialYear.optional().describe(
              "Restate benefits valued from the unit-cost catalogue in this financial year's prices (GDP deflator) before adding them; " +
                'default: financialYear when the deflator series covers it, else the latest year the series covers. Benefits given in pounds are taken as already in these prices',
            ),
          }),
          response: { 200: CostBenefitReportView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { interventionId, financialYear, baseYear } = request.query;
        const { potId } = request.params;
        return answerFromBooks(deps, request.query, reply, ['costBenefitInputs'], (books) => {
          const report = costBenefitReport(
            books.costBenefitInputs,
            potId,
            {
              ...(interventionId === undefined ? {} : { interventionId }),
              ...(financialYear === undefined ? {} : { financialYear }),
              ...(baseYear === undefined ? {} : { baseYear }),
            },
            deflators,
          );
          if (report === null) throw httpProblem('NOT_FOUND', `pot ${potId} does not exist`);
          if (report === 'unknown-intervention')
            throw httpProblem(
              'NOT_FOUND',
              `intervention ${interventionId} does not exist in pot ${potId}`,
            );
          if ('refusal' in report) throw httpProblem('VALIDATION_FAILED', report.detail);
          return costBenefitFor(potView(actorOf(request), deps.books(), potId), report);
        });
      },
    );
  };
