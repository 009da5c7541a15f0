import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** The app a route module registers its routes on: the API's Fastify instance, typed by its zod schemas. */
export type RoutesApp = Parameters<FastifyPluginAsyncZod>[0];
