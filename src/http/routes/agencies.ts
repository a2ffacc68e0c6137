import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RegisterAgencyBody } from '../../../commands/registerAgency.ts';
import type { AgencyRegistered } from '../../../events/agency.ts';
import { AgencyId } from '../../../events/primitives.ts';
import { agencyBalances } from '../../../projections/agencyBalances.ts';
import { getAgency, listAgencies } from '../../../projections/agencyDirectory.ts';
import { httpProblem } from '../plugins/errors.ts';
import { AgencyBalancesView, AgencyView, errorResponses, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, WriteHeaders, fromEventData } from './writeRoute.ts';
import { potSummary } from '../../../projections/potSummary.ts';
import { balancesTable } from '../../export/bookTables.ts';
import { DOWNLOAD_PRODUCES, DownloadQuery, sendTables, wantedFormat } from './downloads.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

export const agencyRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/agencies',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['agencies'],
          summary: 'Register an agency (admin)',
          headers: WriteHeaders,
          body: RegisterAgencyBody,
          response: { 201: Written.extend({ agencyId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          deps.commands.registerAgency(request.body, commandEnvelope(request)),
          fromEventData(({ agencyId }: AgencyRegistered) => ({ agencyId })),
        ),
    );

    app.get(
      '/v1/agencies',
      {
        config: { access: 'any' },
        schema: {
          tags: ['agencies'],
          summary: 'List registered agencies',
          querystring: ReadQuery,
          response: { 200: z.object({ agencies: z.array(AgencyView) }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerFromBooks(deps, request.query, reply, ['agencyDirectory'], (books) => ({
          agencies: listAgencies(books.agencyDirectory),
        })),
    );

    app.get(
      '/v1/agencies/:agencyId/balances',
      {
        config: { access: 'any' },
        schema: {
          tags: ['agencies'],
          summary: "An agency's balances, per pot and in total",
          description:
            'format=csv or format=xlsx downloads them: one row per pot (by name), then the total.',
          params: z.object({ agencyId: AgencyId }),
          querystring: ReadQuery.extend(DownloadQuery),
          produces: DOWNLOAD_PRODUCES,
          response: { 200: AgencyBalancesView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { format, ...query } = request.query;
        const balances = await answerFromBooks(
          deps,
          query,
          reply,
          ['agencyDirectory', 'agencyBalances'],
          (books) => {
            if (getAgency(books.agencyDirectory, request.params.agencyId) === null) {
              throw httpProblem('NOT_FOUND', `agency ${request.params.agencyId} is not registered`);
            }
            return agencyBalances(books.agencyBalances, request.params.agencyId);
          },
        );
        const download = wantedFormat(request, format);
        if (download === 'json') return balances;
        const potSummaries = deps.books().potSummary;
        return sendTables(reply, download, `balances-${balances.agencyId}`, [
          balancesTable(balances, (potId) => potSummary(potSummaries, potId)?.name ?? null),
        ]);
      },
    );
  };
