/**
 * Hidden characters (events/hiddenCharacters.ts) at the HTTP door, both ways:
 * - in: any string anywhere in a request body (every text field of every write route, nested
 *   lines and keys included, whatever the route's schema says) with a bidirectional control or
 *   an invisible format character is refused, 400 VALIDATION_FAILED naming the field and the
 *   code point. The command schemas refuse them too (`text`); this guard also covers fields and
 *   routes that do not use `text`, and routes added later.
 * - out: every JSON answer is written with such characters as \u escapes. The data a client
 *   parses is exactly what is stored (old events may hold them), but the bytes a terminal, a log
 *   viewer or a proxy shows cannot be reordered or hidden by them.
 */
import type { FastifyInstance } from 'fastify';
import {
  escapeHiddenCharactersInJson,
  firstHiddenCharacter,
} from '../../../events/hiddenCharacters.ts';
import { httpProblem } from './errors.ts';

/** The first string in `body` (a key or a value) holding a hidden character: its path and the character. */
export function hiddenCharacterInBody(
  body: unknown,
): { path: string; character: string } | undefined {
  // Iterative: a body may legally nest deeply, and a recursive walk would overflow the stack.
  const stack: { value: unknown; path: string }[] = [{ value: body, path: 'body' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const character = firstHiddenCharacter(value);
      if (character !== undefined) return { path, character };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: `${path}.${i}` });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const character = firstHiddenCharacter(key);
        if (character !== undefined) return { path: `${path} (a key)`, character };
        stack.push({ value: child, path: `${path}.${key}` });
      }
    }
  }
  return undefined;
}

export function installHiddenCharacterGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found = hiddenCharacterInBody(request.body);
    if (found === undefined) return;
    const message = `must not contain ${found.character}: invisible and text-direction characters can disguise what an audit entry says`;
    throw httpProblem('VALIDATION_FAILED', `${found.path}: ${message}`, {
      errors: [{ path: found.path, message }],
    });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (typeof payload !== 'string') return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    return /^application\/(?:[\w.+-]+\+)?json\b/.test(type)
      ? escapeHiddenCharactersInJson(payload)
      : payload;
  });
}
