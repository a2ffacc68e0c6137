/**
 * Changing the sign-in mapping (events/signInMapping.ts): which group or claim value makes a
 * person an admin, a finance officer of which agency, an auditor or a reporter. Only an admin
 * may change it, with a reason; each change is a new version naming the version in force it
 * replaces (SIGN_IN_MAPPING_VERSION_CONFLICT otherwise), so two admins editing at once cannot
 * silently overwrite each other.
 */
import { z } from 'zod';
import {
  SignInRules,
  type SignInMappingChanged,
  type SignInMappingEvent,
} from '../events/signInMapping.ts';
import { text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';

export const MAX_SIGN_IN_REASON_CHARS = 500;

export const ChangeSignInMappingBody = z.strictObject({
  rules: SignInRules,
  reason: text(MAX_SIGN_IN_REASON_CHARS),
  /** From version 2: the version in force that this one replaces. */
  replaces: z.number().int().min(1).optional(),
});
export type ChangeSignInMapping = z.infer<typeof ChangeSignInMappingBody>;

export interface SignInMappingState {
  /** Versions in order: versions[i].version === i + 1. */
  readonly versions: SignInMappingChanged[];
}

export const initialSignInMappingState = (): SignInMappingState => ({ versions: [] });

export function evolveSignInMapping(
  state: SignInMappingState,
  event: SignInMappingEvent,
): SignInMappingState {
  switch (event.type) {
    case 'SignInMappingChanged': {
      if (event.data.version !== state.versions.length + 1)
        throw new Error(
          `invariant: sign-in mapping version ${event.data.version} follows ${state.versions.length}`,
        );
      state.versions.push(event.data);
      return state;
    }
  }
}

export function decideChangeSignInMapping(
  state: SignInMappingState,
  command: ChangeSignInMapping,
  context: CommandContext,
): Decision<SignInMappingEvent> {
  if (context.actor.role !== 'admin')
    return refused('FORBIDDEN', 'only an admin may change the sign-in mapping');
  const current = state.versions.at(-1);
  if (current === undefined && command.replaces !== undefined)
    return refused(
      'SIGN_IN_MAPPING_VERSION_CONFLICT',
      `no sign-in mapping has been recorded yet, so there is no version ${command.replaces} to replace: leave replaces out`,
      { version: null },
    );
  if (current !== undefined && command.replaces !== current.version)
    return refused(
      'SIGN_IN_MAPPING_VERSION_CONFLICT',
      `the sign-in mapping in force is version ${current.version}${command.replaces === undefined ? '' : `, not ${command.replaces}`}: name it ("replaces": ${current.version})`,
      { version: current.version },
    );
  return [
    {
      type: 'SignInMappingChanged',
      data: {
        version: current === undefined ? 1 : current.version + 1,
        ...(current === undefined ? {} : { replaces: current.version }),
        rules: command.rules,
        reason: command.reason,
      },
    },
  ];
}
