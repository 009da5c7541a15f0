import { ErrorResponseSchema } from '../../domain/api';

/**
 * The error answers a route can give, for its OpenAPI `responses`, from what it does: every route
 * may answer 400 (a control character in its URL) and 429; a route behind a key 401 and 403; one
 * that reads a body 413 and 415; one that asks a workflow 503 when no worker answers in time.
 * test/api/openapi.test.ts checks that every status the API answers in the tests is documented.
 */
export interface RouteErrors {
  key?: boolean;
  body?: boolean;
  notFound?: boolean;
  conflict?: boolean;
  unavailable?: boolean;
}

export function errorResponses(route: RouteErrors) {
  const statuses = [
    400,
    429,
    ...(route.key ? [401, 403] : []),
    ...(route.notFound ? [404] : []),
    ...(route.conflict ? [409] : []),
    ...(route.body ? [413, 415] : []),
    ...(route.unavailable ? [503] : []),
  ];
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponseSchema])) as Record<number, typeof ErrorResponseSchema>;
}
