/** Command-line options the read-only commands share, checked with the API's own schemas. */
import { InvalidArgumentError, Option } from 'commander';
import { FinancialYear, Ulid } from '../../events/primitives.ts';

export const parsedWith =
  (schema: typeof Ulid | typeof FinancialYear, what: string) =>
  (value: string): string => {
    if (!schema.safeParse(value).success) throw new InvalidArgumentError(`not a valid ${what}`);
    return value;
  };

export const financialYearOption = (flags: string, description: string): Option =>
  new Option(flags, description).argParser(
    parsedWith(FinancialYear, 'financial year, e.g. 2025-26'),
  );

export const potOption = (): Option =>
  new Option('--pot <potId>', 'the pot')
    .argParser(parsedWith(Ulid, 'pot id (a ULID)'))
    .makeOptionMandatory();
