/**
 * The unit-cost catalogue: admins add entries and supersede them with new versions (events,
 * never edits); anyone signed in reads the versions in force, or one code's history.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AddUnitCostBody, SupersedeUnitCostBody } from '../../../commands/addUnitCost.ts';
import { UnitCostAddedV1, UnitCostCode, type UnitCostAdded } from '../../../events/unitCost.ts';
import { listUnitCosts, unitCostHistory } from '../../../projections/unitCostCatalogue.ts';
import { httpProblem } from '../errors.ts';
import { errorResponses, Position, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, WriteHeaders } from '../writeRoute.ts';
import { ReadQuery, type RouteDeps } from './routeDeps.ts';

const UnitCostView = UnitCostAddedV1.extend({
  supersededByVersion: z.number().int().optional(),
  addedAt: z.string(),
  addedBy: z.string(),
  position: Position,
});
const CodeParams = z.object({ code: UnitCostCode });
const WrittenUnitCost = Written.extend({ code: z.string(), version: z.number().int() });

export const unitCostRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/unit-costs',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['unit costs'],
          summary: 'Add a unit-cost entry, version 1 (admin); its split must sum exactly to its amount',
          headers: WriteHeaders,
          body: AddUnitCostBody,
          response: { 201: WrittenUnitCost, ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(reply, deps.commands.addUnitCost(request.body, commandEnvelope(request)), (event) => written(event.data as UnitCostAdded)),
    );

    app.post(
      '/v1/unit-costs/:code/versions',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['unit costs'],
          summary: 'Supersede the version in force with a new version (admin); earlier versions are kept',
          headers: WriteHeaders,
          params: CodeParams,
          body: SupersedeUnitCostBody,
          response: { 201: WrittenUnitCost.extend({ supersedesVersion: z.number().int() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(reply, deps.commands.supersedeUnitCost(request.params.code, request.body, commandEnvelope(request)), (event) => {
          const data = event.data as UnitCostAdded;
          return { ...written(data), supersedesVersion: data.supersedesVersion! };
        }),
    );

    app.get(
      '/v1/unit-costs',
      {
        config: { access: 'any' },
        schema: {
          tags: ['unit costs'],
          summary: 'The catalogue: the version in force of every code (every version with includeSuperseded=true)',
          querystring: ReadQuery.extend({
            includeSuperseded: z.enum(['true', 'false']).optional().describe('Also list versions no longer in force'),
          }),
          response: { 200: z.object({ unitCosts: z.array(UnitCostView) }), ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        return { unitCosts: listUnitCosts(deps.books().unitCostCatalogue, { includeSuperseded: request.query.includeSuperseded === 'true' }) };
      },
    );

    app.get(
      '/v1/unit-costs/:code',
      {
        config: { access: 'any' },
        schema: {
          tags: ['unit costs'],
          summary: "One code's history: every version, oldest first; the last is in force",
          params: CodeParams,
          querystring: ReadQuery,
          response: { 200: z.object({ code: z.string(), versions: z.array(UnitCostView) }), ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        const versions = unitCostHistory(deps.books().unitCostCatalogue, request.params.code);
        if (versions === null) throw httpProblem('NOT_FOUND', `no unit cost with code ${request.params.code}`);
        return { code: request.params.code, versions };
      },
    );
  };

function written(data: UnitCostAdded): { code: string; version: number } {
  return { code: data.code, version: data.version };
}
