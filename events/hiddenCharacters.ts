/**
 * Characters that change how text looks without showing themselves: the bidirectional controls
 * (U+202E RIGHT-TO-LEFT OVERRIDE makes "PO-1\u202Egnp.exe" read "PO-1exe.png") and the
 * invisible format characters (zero-width spaces and joiners, the byte order mark, the soft
 * hyphen, tag characters). In an audit trail they let one entry pass for another, so:
 * - new text is refused at the door (commands, token subjects: `text` in primitives.ts);
 * - text that older events already hold is shown with each such character as a visible
 *   marker, `<U+202E>`, wherever a person reads it (audit trail, CSV, the dashboard), and
 *   written as a JSON escape (`\u202e`, the same data) wherever a program reads it.
 * One definition, used by all of those. Dependency-free, so the dashboard bundles it too.
 */

/**
 * Unicode general category Cf (format: every bidi control, U+200B–U+200F, U+2060–U+2064, U+FEFF,
 * U+00AD, U+061C, U+180E, the tag characters…), named again for the bidi controls so the rule
 * does not hang on one Unicode version, plus the Hangul fillers, letters that render as nothing.
 */
const HIDDEN_CHARACTER_CLASS =
  '[\\p{Cf}\\u061C\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF\\u00AD\\u115F\\u1160\\u3164\\uFFA0]';
const HIDDEN_CHARACTER = new RegExp(HIDDEN_CHARACTER_CLASS, 'u');
const HIDDEN_CHARACTERS = new RegExp(HIDDEN_CHARACTER_CLASS, 'gu');

const NAMES: Readonly<Record<number, string>> = {
  0x00ad: 'SOFT HYPHEN',
  0x061c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};

/** "U+202E" for a one-character (one code point) string. */
export function codePointLabel(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first hidden character in `text`, as "U+202E (RIGHT-TO-LEFT OVERRIDE)"; undefined when there is none. */
export function firstHiddenCharacter(text: string): string | undefined {
  const match = HIDDEN_CHARACTER.exec(text);
  if (match === null) return undefined;
  const name = NAMES[match[0].codePointAt(0)!];
  return name === undefined ? codePointLabel(match[0]) : `${codePointLabel(match[0])} (${name})`;
}

export function hasHiddenCharacter(text: string): boolean {
  return HIDDEN_CHARACTER.test(text);
}

/** For a person: each hidden character becomes a visible `<U+202E>`; text without one is returned as it is. */
export function revealHiddenCharacters(text: string): string {
  return HIDDEN_CHARACTER.test(text)
    ? text.replace(HIDDEN_CHARACTERS, (c) => `<${codePointLabel(c)}>`)
    : text;
}

/**
 * For a program: JSON text with each hidden character written as a \\u escape. The value it
 * parses to is unchanged (hashes still verify); only the bytes no longer carry the character.
 * Hidden characters can only occur inside JSON strings, where an escape is always valid.
 */
export function escapeHiddenCharactersInJson(json: string): string {
  if (!HIDDEN_CHARACTER.test(json)) return json;
  return json.replace(HIDDEN_CHARACTERS, (c) =>
    Array.from(
      { length: c.length },
      (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`,
    ).join(''),
  );
}
