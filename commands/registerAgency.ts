import { z } from 'zod';
import { AgencyId, AgencyKind, MAX_NAME_CHARS, text } from '../events/primitives.ts';
import type { AgencyEvent } from '../events/agency.ts';
import { refused, type Decision } from './decision.ts';

export const RegisterAgencyBody = z.strictObject({
  agencyId: AgencyId,
  name: text(MAX_NAME_CHARS),
  kind: AgencyKind,
});
export type RegisterAgency = z.infer<typeof RegisterAgencyBody>;

export interface AgencyState {
  readonly registered: boolean;
}

export const initialAgencyState = (): AgencyState => ({ registered: false });

export function evolveAgency(_state: AgencyState, event: AgencyEvent): AgencyState {
  switch (event.type) {
    case 'AgencyRegistered':
      return { registered: true };
  }
}

/** An agency is registered once; its id is the admin's choice and never reused. */
export function decideRegisterAgency(
  state: AgencyState,
  command: RegisterAgency,
): Decision<AgencyEvent> {
  if (state.registered)
    return refused('ALREADY_EXISTS', `agency ${command.agencyId} is already registered`);
  return [
    {
      type: 'AgencyRegistered',
      data: { agencyId: command.agencyId, name: command.name, kind: command.kind },
    },
  ];
}
