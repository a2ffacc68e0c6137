/**
 * Checks most pot commands share: the pot exists and is open, and a finance officer acts only
 * on pots their agency is a partner of.
 */
import type { CommandContext } from './context.ts';
import { refused } from './decision.ts';
import type { DomainError } from './domainError.ts';
import { isPartner, type PotState } from './potState.ts';

export function potRefusal(state: PotState, potId: string, context: CommandContext): DomainError | null {
  if (!state.opened) return refused('NOT_FOUND', `pot ${potId} does not exist`);
  if (state.status === 'closed') return refused('POT_CLOSED', `pot ${potId} is closed`);
  const { actor } = context;
  if (actor.role === 'finance-officer' && (actor.agencyId === undefined || !isPartner(state, actor.agencyId))) {
    return refused('FORBIDDEN', `finance officers of ${actor.agencyId ?? 'no agency'} may not act on pot ${potId}: not a partner`);
  }
  return null;
}

export function unregisteredAgencies(agencyIds: Iterable<string>, context: CommandContext): string[] {
  return [...new Set(agencyIds)].filter((id) => !context.registeredAgencies.has(id));
}

export function unregisteredRefusal(agencyIds: Iterable<string>, context: CommandContext): DomainError | null {
  const missing = unregisteredAgencies(agencyIds, context);
  if (missing.length === 0) return null;
  return refused('NOT_FOUND', `agency not registered: ${missing.join(', ')}`, { agencyIds: missing });
}
