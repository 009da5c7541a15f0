import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { loadBusinessClock } from '../../../activities/business-clock';
import type { Db } from '../../../activities/db';
import type { AddressValidator } from '../../../domain/carrier';
import { simulatedAddressValidator } from '../../../scripts/carrier-simulator/address-rules';
import { PlanningFacts } from '../../../activities/planning-facts';
import type { ApiConfig } from '../../config';
import { OrderStarter } from '../../services/order-starter';
import { PromiseService } from '../../services/promise';

/**
 * The API's collaborators, decorated once so routes reach them as `app.db`, `app.temporal`,
 * `app.config`, `app.orderStarter`, which starts the workflows of accepted orders and sweeps
 * for any left unstarted from the moment the app is ready until it closes, and `app.promises`, which
 * answers intake with a delivery promise on the deployment's business clock.
 */

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    temporal: Client;
    config: ApiConfig;
    orderStarter: OrderStarter;
    /** Checks delivery addresses before stock is reserved and on an address change (the carrier port). */
    addressValidator: AddressValidator;
    promises: PromiseService;
  }
}

export interface ServicesOptions {
  db: Db;
  temporal: Client;
  config: ApiConfig;
  /** The simulated carriers' rules unless the entry point configured ShipEngine (carriers/wiring.ts buildAddressValidator). */
  addressValidator?: AddressValidator;
}

export default fp<ServicesOptions>(
  async function services(app: FastifyInstance, options: ServicesOptions) {
    app.decorate('db', options.db);
    app.decorate('temporal', options.temporal);
    app.decorate('config', options.config);
    app.decorate('addressValidator', options.addressValidator ?? simulatedAddressValidator);
    const starter = new OrderStarter({
      db: options.db,
      client: options.temporal,
      log: app.log.child({ component: 'order-starter' }),
      maxStartsPerSecond: options.config.intakeMaxStartsPerSecond,
      ...(options.config.intakeAdaptiveStarts ? { adaptive: {} } : {}),
    });
    app.decorate('orderStarter', starter);
    const clock = await loadBusinessClock(options.db, options.config.timeScale);
    const promises = new PromiseService(
      new PlanningFacts(options.db, options.config.sellingCarriers ? { sellingCarriers: options.config.sellingCarriers } : {}),
      clock,
      options.config.decisions,
      app.log.child({ component: 'promise' }),
    );
    app.decorate('promises', promises);
    app.addHook('onClose', async () => promises.close());
    app.addHook('onReady', async () => starter.startSweeping());
    app.addHook('onClose', async () => starter.close());
  },
  { name: 'colis-services' },
);
