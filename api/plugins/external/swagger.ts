import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI 3 document, generated from the routes' zod schemas, and Swagger UI at /docs. */
export default fp(
  async function openApi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Colis API',
          version: '0.1.0',
          description:
            'Order intake, live order and shipment state, ops actions and carrier webhooks. ' +
            'Every error has the shape { error: { code, message, details? }, requestId }. ' +
            'A JSON body with a field the operation does not declare, or with a field given twice in one object, is a 400 ' +
            '`validation_failed` naming the field (details[].path), and changes nothing (carrier webhooks and the codec excepted). ' +
            'A request line and headers over 16 KiB are a 431 in the same shape.',
        },
        tags: [
          { name: 'orders', description: 'Intake and the order journey' },
          { name: 'shipments', description: 'Shipments of an order' },
          { name: 'escalations', description: 'Problems waiting for an ops decision' },
          { name: 'returns', description: 'Returns (RMA): label, inbound parcel, inspection, refund due' },
          { name: 'claims', description: 'Carrier claims for parcels lost or damaged in transit and re-shipped' },
          { name: 'inventory', description: 'Stock per warehouse and SKU' },
          { name: 'warehouses', description: 'Warehouse outages: declared down or up by ops' },
          { name: 'carriers', description: 'Carrier tracking webhooks' },
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'codec', description: 'Temporal remote codec: decrypt payloads for the Web UI and the temporal CLI (ops)' },
        ],
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'The same API key as a bearer token; sent beside a different X-Api-Key, the request is a 401',
            },
            webhookSignature: { type: 'apiKey', in: 'header', name: 'Colis-Signature' },
            shipEngineSignature: { type: 'apiKey', in: 'header', name: 'x-shipengine-rsa-sha256-signature' },
            codecSession: { type: 'apiKey', in: 'cookie', name: 'colis_codec_session' },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () => app.swagger());
  },
  { name: 'colis-swagger' },
);
