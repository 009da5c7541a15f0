import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ErrorDetail } from '../../../domain/api';
import { textProblem } from '../../services/json-input';

/** The checks of a request's query before its schema: a parameter given twice, or one the route does not read. */

/**
 * A query parameter given twice (`?limit=1&limit=2`): no endpoint of ours takes a list in its query, and which of the two
 * a proxy, a cache or a log reads is anyone's guess, so neither is believed (as a JSON key given twice is not).
 */
export function repeatedQueryParameters(request: FastifyRequest): ErrorDetail[] {
  const query = request.query;
  const schema = request.routeOptions.schema;
  // A route that reads no query (health, docs) ignores it, repeated or not.
  if (!schema?.querystring || query === null || typeof query !== 'object') return [];
  // Pages people reach by links (the tracking page) ignore what they do not read, as unknownQueryParameters does: a mail
  // tool that appends its `utm_source` to a link that had one made the customer's page a JSON 400.
  const read = schema.hide ? declaredQueryParameters(schema.querystring) : undefined;
  return Object.entries(query)
    .filter(([key, value]) => Array.isArray(value) && textProblem(key, 'url') === undefined && (!read || read.has(key)))
    .slice(0, 20)
    .map(([key]) => ({ path: `query.${key.slice(0, 40)}`, message: 'is given more than once; give each query parameter once' }));
}

/** The parameters a route's query schema declares; undefined when it takes any (a loose object: the codec's). */
function declaredQueryParameters(schema: unknown): ReadonlySet<string> | undefined {
  if (!(schema instanceof z.ZodObject) || schema.def.catchall !== undefined) return undefined;
  return new Set(Object.keys(schema.shape));
}

/** A method that changes something: a query it does not read may be an option it would run without (`?dryRun=true`). */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The query parameters a route reads: its query schema's; none for an API route that changes something and declares no
 * query (`PATCH /shops/{id}?dryRun=true` renamed the shop, the parameter ignored); undefined when any goes (a
 * loose schema, a page people reach by links, a GET that reads none, a carrier's webhook, whose URL the carrier may decorate).
 */
function readParameters(request: FastifyRequest): ReadonlySet<string> | undefined {
  const { schema, config } = request.routeOptions;
  if (!schema || schema.hide) return undefined;
  if (schema.querystring) return declaredQueryParameters(schema.querystring);
  const webhook = config?.webhookCarrierParam !== undefined || config?.webhookSender !== undefined;
  return MUTATING.has(request.method) && !webhook ? new Set() : undefined;
}

/**
 * A query parameter the route does not read (`/inventory?sku=…` for `skuCode`): refused as a body's unknown field is, since
 * the filter it was meant to be would be dropped in silence and the answer would list everything. Pages people reach by
 * links (the tracking page, hidden from the API's documentation) keep what mail tools append (`utm_source`).
 */
export function unknownQueryParameters(request: FastifyRequest): ErrorDetail[] {
  const declared = readParameters(request);
  const query = request.query;
  if (!declared || query === null || typeof query !== 'object') return [];
  return Object.keys(query)
    .filter((key) => !declared.has(key))
    .slice(0, 20)
    .map((key) => ({ path: `query.${key.slice(0, 40)}`, message: 'is not a query parameter of this endpoint' }));
}
