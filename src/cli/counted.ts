/**
 * "1 exception", "2 exceptions", "0 exceptions": a count and its noun, for what the CLI and the
 * demo print. English has two plural forms (Intl.PluralRules: "one" and "other").
 */
const ENGLISH_PLURALS = new Intl.PluralRules('en-GB');

export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${ENGLISH_PLURALS.select(count) === 'one' ? singular : plural}`;
}
