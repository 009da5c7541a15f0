import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DEFAULT_RETURN_WINDOW_DAYS } from '../../../domain/return-policy';
import { ShopParamsSchema, ShopSchema, UpdateShopSchema } from '../../../domain/webhooks-api';
import { notFound } from '../../errors';
import { isKnownShop } from '../../services/known-shops';
import { principalOf } from '../../plugins/app/auth';
import { errorResponses } from '../responses';
import { customerErasureRoute } from './customer-erasure';

/** A shop's settings as customers see them: the name on its mails, its return window. A shop's key reads and sets its own. */
const shops: FastifyPluginAsyncZod = async (app) => {
  const errors = errorResponses({ key: true, body: true, notFound: true });
  const mayTouch = (principalName: string, role: string, shopId: string) => role === 'ops' || principalName === shopId;

  app.get(
    '/shops/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: { tags: ['shops'], summary: 'A shop', params: ShopParamsSchema, response: { 200: ShopSchema, ...errors } },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!mayTouch(principal.name, principal.role, request.params.id)) throw notFound(`shop ${request.params.id}`);
      const id = request.params.id;
      const shop = await app.db.shop.findUnique({ where: { id } });
      if (shop) return { id: shop.id, displayName: shop.displayName, returnWindowDays: shop.returnWindowDays };
      // A configured intake key whose first order is not recorded yet has no row: its settings are the defaults, which a
      // PATCH or its first order would store (activities/orders.ts), not a 404 its own key cannot explain.
      if (!(await isKnownShop(app.db, app.config.apiKeys, id))) throw notFound(`shop ${id}`);
      return { id, displayName: id, returnWindowDays: DEFAULT_RETURN_WINDOW_DAYS };
    },
  );

  app.patch(
    '/shops/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['shops'],
        summary: "Set a shop's display name or return window",
        description: 'The display name signs customer mails; the return window (days after delivery, default 30) bounds returns.',
        params: ShopParamsSchema,
        body: UpdateShopSchema,
        response: { 200: ShopSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const id = request.params.id;
      if (!mayTouch(principal.name, principal.role, id)) throw notFound(`shop ${id}`);
      if (!(await isKnownShop(app.db, app.config.apiKeys, id))) throw notFound(`shop ${id}`);
      const data = {
        ...(request.body.displayName !== undefined ? { displayName: request.body.displayName } : {}),
        ...(request.body.returnWindowDays !== undefined ? { returnWindowDays: request.body.returnWindowDays } : {}),
      };
      const shop = await app.db.shop.upsert({
        where: { id },
        create: { id, displayName: request.body.displayName ?? id, ...data },
        update: data,
      });
      return { id: shop.id, displayName: shop.displayName, returnWindowDays: shop.returnWindowDays };
    },
  );

  customerErasureRoute(app);
};

export default shops;
