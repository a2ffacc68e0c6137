/**
 * Validates values against schemas of the OpenAPI 3.1 document (JSON Schema 2020-12) with Ajv,
 * `#/components/schemas/…` references included. Formats are not checked (the document's `ulid`
 * and `date` strings carry patterns that say the same); everything else is.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

type Json = Record<string, any>;

const DOCUMENT_ID = 'urn:potledger:openapi';

export function openApiValidator(document: Json): (schema: unknown, value: unknown) => string[] {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const relocate = (schema: unknown): Json =>
    JSON.parse(
      JSON.stringify(schema ?? {}).replaceAll('"#/components/schemas/', `"${DOCUMENT_ID}#/$defs/`),
    );
  ajv.addSchema({ $id: DOCUMENT_ID, $defs: relocate(document.components?.schemas ?? {}) });
  return (schema, value) => {
    const validate = ajv.compile(relocate(schema));
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
  };
}

export interface DocumentedExample {
  /** Where the example sits in the document, as a JSON pointer. */
  readonly at: string;
  readonly schema: unknown;
  readonly value: unknown;
}

/**
 * Every example in the document with the schema it must satisfy: a schema's own `example` and
 * `examples[]`, and a media type's or parameter's `example` and `examples{…}.value`.
 */
export function documentedExamples(document: Json): DocumentedExample[] {
  const found: DocumentedExample[] = [];
  const walk = (node: unknown, at: string, parentKey: string | undefined): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${at}/${i}`, undefined));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Json;
    // Under `properties` (or a map of names), keys are names, not keywords.
    const isNameMap = parentKey === 'properties' || parentKey === 'patternProperties';
    if (!isNameMap) {
      const isMediaOrParameter = 'schema' in object && typeof object.schema === 'object';
      const { example, examples, ...schemaOnly } = object;
      const schema = isMediaOrParameter ? object.schema : schemaOnly;
      if (example !== undefined) found.push({ at: `${at}/example`, schema, value: example });
      if (Array.isArray(examples) && !isMediaOrParameter)
        examples.forEach((value, i) => found.push({ at: `${at}/examples/${i}`, schema, value }));
      if (isMediaOrParameter && typeof examples === 'object' && examples !== null)
        for (const [name, entry] of Object.entries(examples as Json))
          found.push({ at: `${at}/examples/${name}`, schema, value: (entry as Json).value });
    }
    for (const [key, value] of Object.entries(object)) {
      if (!isNameMap && (key === 'example' || key === 'examples')) continue;
      walk(value, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, key);
    }
  };
  walk(document, '#', undefined);
  return found;
}
