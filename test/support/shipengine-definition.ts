import { createRequire } from 'node:module';

/**
 * ShipEngine's own OpenAPI definition (the `shipengine-openapi` package), served by the contract
 * tests' validating mock, with the errata below and nothing else. Each erratum is a place where the
 * definition rejects every request its own prose and ShipEngine's documented examples send; the
 * contract test "every erratum is needed" fails the day a release of the package fixes one.
 */

const require = createRequire(import.meta.url);
export const DEFINITION_PATH = require.resolve('shipengine-openapi/openapi.json');

type Json = Record<string, unknown>;

export interface Erratum {
  id: string;
  /** What the published definition gets wrong, and what ShipEngine documents instead. */
  why: string;
  apply(definition: Json): void;
}

const at = (node: unknown, ...path: (string | number)[]): Json => {
  let current: unknown = node;
  for (const step of path) {
    if (current === null || typeof current !== 'object') throw new Error(`erratum target missing at ${path.join('.')}`);
    current = (current as Record<string | number, unknown>)[step];
  }
  if (current === null || typeof current !== 'object') throw new Error(`erratum target missing at ${path.join('.')}`);
  return current as Json;
};

const ratesBody = (definition: Json) =>
  at(definition, 'paths', '/v1/rates', 'post', 'requestBody', 'content', 'application/json', 'schema');

export const ERRATA: readonly Erratum[] = [
  {
    id: 'calculate-rates-body',
    why:
      'POST /v1/rates: the body requires both shipment_id and shipment, which its own oneOf makes exclusive, and forbids ' +
      'additional properties while declaring none at its level, so no body can pass. Fixed as documented: either ' +
      'shipment_id or shipment, with rate_options.',
    apply(definition) {
      const body = ratesBody(definition);
      const [byId, byShipment] = body.oneOf as Json[];
      if (!byId || !byShipment) throw new Error('erratum target missing: /v1/rates oneOf');
      const options = at(body, 'allOf', 0, 'properties');
      body.properties = { ...at(byId, 'properties'), ...at(byShipment, 'properties'), ...options };
      delete body.required;
      byId.required = ['shipment_id'];
      byShipment.required = ['shipment'];
    },
  },
  {
    id: 'rate-shopping-shipment',
    why:
      'POST /v1/rates with a shipment: the shipment requires a service_code, yet rating a shipment across services ' +
      '(rate_options.service_codes, or none for all) is what the endpoint is for; and it requires shipment_id, a ' +
      'readOnly property ShipEngine assigns. Both are optional there.',
    apply(definition) {
      const shipment = at(ratesBody(definition), 'oneOf', 1, 'properties', 'shipment', 'allOf', 0);
      shipment.required = (shipment.required as string[]).filter((name) => name !== 'service_code' && name !== 'shipment_id');
    },
  },
];

/** The definition as published, parsed afresh (callers mutate it). */
export async function publishedDefinition(): Promise<Json> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(DEFINITION_PATH, 'utf8')) as Json;
}

export async function correctedDefinition(): Promise<Json> {
  const definition = await publishedDefinition();
  for (const erratum of ERRATA) erratum.apply(definition);
  return definition;
}

/**
 * The corrected definition for Prism's dynamic mode (`Prefer: dynamic=true`: answers generated at random, valid per
 * the definition). Prism's generator crashes on a `date-time` string that its own pattern lets be a date alone (the
 * answer is then Prism's 500, not ShipEngine's), so its dates and times are generated from their patterns instead of
 * their formats: values as odd as the patterns allow (a month 87), which the adapter must survive too.
 */
export async function dynamicDefinition(): Promise<Json> {
  const definition = await correctedDefinition();
  const ISO_INSTANT = '^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T[01][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z$';
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const schema = node as Json;
    if (schema.format === 'date-time' || schema.format === 'date') {
      delete schema.format;
      delete schema.minLength;
      if (typeof schema.pattern !== 'string' && schema.allOf === undefined) schema.pattern = ISO_INSTANT;
    }
    for (const child of Object.values(schema)) visit(child);
  };
  visit(definition);
  return definition;
}
