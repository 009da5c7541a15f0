import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../../activities/db';
import type { ApiConfig } from '../../config';

/** The API's collaborators, decorated once so routes reach them as `app.db`, `app.temporal`, `app.config`. */

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    temporal: Client;
    config: ApiConfig;
  }
}

export interface ServicesOptions {
  db: Db;
  temporal: Client;
  config: ApiConfig;
}

export default fp<ServicesOptions>(
  async function services(app: FastifyInstance, options: ServicesOptions) {
    app.decorate('db', options.db);
    app.decorate('temporal', options.temporal);
    app.decorate('config', options.config);
  },
  { name: 'colis-services' },
);
