/** Events of the agency aggregate (stream `agency-<agencyId>`). */
import { z } from 'zod';
import { AgencyId, AgencyKind, MAX_NAME_CHARS, storedText } from './primitives.ts';

export { agencyStreamId } from './streams.ts';

export const AgencyRegisteredV1 = z.strictObject({
  agencyId: AgencyId,
  name: storedText(MAX_NAME_CHARS),
  kind: AgencyKind,
});
export type AgencyRegistered = z.infer<typeof AgencyRegisteredV1>;

export type AgencyEvent = { type: 'AgencyRegistered'; data: AgencyRegistered };

export const agencyEventSchemas = {
  AgencyRegistered: AgencyRegisteredV1,
} as const;
