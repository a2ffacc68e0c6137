/**
 * The unit-cost catalogue: admins add entries and supersede them with new versions (events,
 * never edits); anyone signed in reads the versions in force, or one code's history.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AddUnitCostBody, SupersedeUnitCostBody } from '../../../commands/addUnitCost.ts';
import { UnitCostAddedV1, UnitCostCode, type UnitCostAdded } from '../../../events/unitCost.ts';
import { FinancialYear } from '../../../events/primitives.ts';
import type { DeflatorSeries } from '../../../events/uprating.ts';
import {
  listUnitCosts,
  unitCostHistory,
  upratedUnitCost,
} from '../../../projections/unitCostCatalogue.ts';
import { readDeflatorFile } from '../../unitCosts/unitCostFile.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { unitCostFor, unpottedView } from '../plugins/readPolicy.ts';
import { errorResponses, Position, Redacted, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, WriteHeaders } from './writeRoute.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

const UnitCostView = UnitCostAddedV1.extend({
  supersededByVersion: z.number().int().optional(),
  addedAt: z.string(),
  addedBy: z
    .string()
    .nullable()
    .describe('The admin (token subject) who added it; null when withheld (see `redacted`)'),
  position: Position,
  redacted: Redacted,
});
const UpratedView = z.object({
  priceYear: z.string(),
  amount: z.string(),
  split: z.array(z.object({ agencyKind: z.string(), cashable: z.boolean(), amount: z.string() })),
  deflator: z.object({ name: z.string(), fromIndex: z.string(), toIndex: z.string() }),
});
const UnitCostListView = UnitCostView.extend({
  uprated: UpratedView.nullable()
    .optional()
    .describe(
      "With priceYear: the entry in that year's prices; null when its own price year is not in the deflator series",
    ),
  upratingProblem: z.string().optional().describe('Why `uprated` is null for this entry'),
});
/** The catalogue belongs to no pot: only the oversight roles read who added an entry (readPolicy.ts). */
const UNIT_COST_READ_NOTE =
  'Admins and auditors read every field. Other roles read the figures: `addedBy` (a person) is null and each entry lists it in `redacted`.';
const CodeParams = z.object({ code: UnitCostCode });
const WrittenUnitCost = Written.extend({ code: z.string(), version: z.number().int() });

/**
 * The catalogue's routes. `deflators` is the series GET /v1/unit-costs?priceYear= uprates with:
 * the shipped data/deflators.json unless a test gives another.
 */
export const unitCostRoutes =
  (
    deps: RouteDeps,
    deflators: DeflatorSeries = deps.deflators ?? readDeflatorFile(),
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const covered = Object.keys(deflators.index).sort().join(', ');

    app.post(
      '/v1/unit-costs',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['unit costs'],
          summary:
            'Add a unit-cost entry, version 1 (admin); its split must sum exactly to its amount',
          headers: WriteHeaders,
          body: AddUnitCostBody,
          response: { 201: WrittenUnitCost, ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          deps.commands.addUnitCost(request.body, commandEnvelope(request)),
          (event) => written(event.data as UnitCostAdded),
        ),
    );

    app.post(
      '/v1/unit-costs/:code/versions',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['unit costs'],
          summary:
            'Supersede the version in force with a new version (admin); earlier versions are kept',
          headers: WriteHeaders,
          params: CodeParams,
          body: SupersedeUnitCostBody,
          response: {
            201: WrittenUnitCost.extend({ supersedesVersion: z.number().int() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          deps.commands.supersedeUnitCost(
            request.params.code,
            request.body,
            commandEnvelope(request),
          ),
          (event) => {
            const data = event.data as UnitCostAdded;
            return { ...written(data), supersedesVersion: data.supersedesVersion! };
          },
        ),
    );

    app.get(
      '/v1/unit-costs',
      {
        config: { access: 'any' },
        schema: {
          tags: ['unit costs'],
          summary:
            'The catalogue: the version in force of every code (every version with includeSuperseded=true)',
          description: UNIT_COST_READ_NOTE,
          querystring: ReadQuery.extend({
            includeSuperseded: z
              .enum(['true', 'false'])
              .optional()
              .describe('Also list versions no longer in force'),
            priceYear: FinancialYear.optional().describe(
              "Also restate each entry in this financial year's prices (GDP deflator), as `uprated`",
            ),
          }),
          response: { 200: z.object({ unitCosts: z.array(UnitCostListView) }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerFromBooks(deps, request.query, reply, ['unitCostCatalogue'], (books) => {
          const entries = listUnitCosts(books.unitCostCatalogue, {
            includeSuperseded: request.query.includeSuperseded === 'true',
          });
          const { priceYear } = request.query;
          if (priceYear !== undefined && deflators.index[priceYear] === undefined) {
            throw httpProblem(
              'VALIDATION_FAILED',
              `the deflator series has no index for ${priceYear} (it covers ${covered}), so nothing can be uprated to it`,
            );
          }
          const view = unpottedView(actorOf(request));
          return {
            unitCosts: entries.map((entry) =>
              unitCostFor(
                view,
                priceYear === undefined
                  ? entry
                  : { ...entry, ...upratedUnitCost(entry, priceYear, deflators) },
              ),
            ),
          };
        }),
    );

    app.get(
      '/v1/unit-costs/:code',
      {
        config: { access: 'any' },
        schema: {
          tags: ['unit costs'],
          summary: "One code's history: every version, oldest first; the last is in force",
          description: UNIT_COST_READ_NOTE,
          params: CodeParams,
          querystring: ReadQuery,
          response: {
            200: z.object({ code: z.string(), versions: z.array(UnitCostView) }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerFromBooks(deps, request.query, reply, ['unitCostCatalogue'], (books) => {
          const versions = unitCostHistory(books.unitCostCatalogue, request.params.code);
          if (versions === null)
            throw httpProblem('NOT_FOUND', `no unit cost with code ${request.params.code}`);
          const view = unpottedView(actorOf(request));
          return {
            code: request.params.code,
            versions: versions.map((entry) => unitCostFor(view, entry)),
          };
        }),
    );
  };

function written(data: UnitCostAdded): { code: string; version: number } {
  return { code: data.code, version: data.version };
}
