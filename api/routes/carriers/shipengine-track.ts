import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  SHIPENGINE_KEY_ID_HEADER,
  SHIPENGINE_SIGNATURE_HEADER,
  SHIPENGINE_TIMESTAMP_HEADER,
  verifyShipEngineSignature,
} from '../../../activities/carriers/shipengine/webhook-signature';
import { scansOfTrackWebhook, ShipEngineTrackWebhookSchema } from '../../../activities/carriers/shipengine/track-webhook';
import { WebhookAckSchema, type WebhookAck } from '../../../domain/api';
import { ApiError, notFound, unavailable } from '../../errors';
import { takePushedScans } from '../../services/carrier-scans';
import { errorResponses } from '../responses';

export const SHIPENGINE_TRACK_PATH = '/carriers/shipengine/track';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

const REFUSALS = {
  missing: `missing ${SHIPENGINE_KEY_ID_HEADER}, ${SHIPENGINE_SIGNATURE_HEADER} or ${SHIPENGINE_TIMESTAMP_HEADER} header`,
  malformed: `malformed ${SHIPENGINE_SIGNATURE_HEADER} or ${SHIPENGINE_TIMESTAMP_HEADER} header`,
  unknown_key: `ShipEngine publishes no key with this ${SHIPENGINE_KEY_ID_HEADER}`,
  mismatch: 'the signature does not match the body',
  expired: `${SHIPENGINE_TIMESTAMP_HEADER} is outside the tolerance (replayed request?)`,
} as const;

/**
 * ShipEngine's `track` webhook, on the carriers plugin (which keeps the raw body the signature covers).
 * The signature is checked before anything else, then the payload's tracking number names the Colis
 * carrier (one ShipEngine account serves several carrier codes; its `carrier_code` is ShipEngine's, not
 * ours), and the scan is taken like every pushed scan (services/carrier-scans.ts).
 */
export function shipEngineTrackRoute(app: FastifyInstance): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    SHIPENGINE_TRACK_PATH,
    {
      config: { access: { roles: ['ops'], signatureMayAuthenticate: true }, webhookSender: 'shipengine' },
      schema: {
        tags: ['carriers'],
        summary: "ShipEngine's track webhook",
        description:
          "Subscribe this URL to ShipEngine's `track` event. Signed by ShipEngine: RSA-SHA256 over `<x-shipengine-timestamp>.<raw body>`, " +
          `the signature in \`${SHIPENGINE_SIGNATURE_HEADER}\`, the key named by \`${SHIPENGINE_KEY_ID_HEADER}\` and published at ShipEngine's JWKS ` +
          '(COLIS_SHIPENGINE_JWKS_URL). A missing or bad signature is a 401 and changes nothing; a scan already known is acknowledged and ignored; ' +
          'a tracking number of no ShipEngine label answers 404. 404 too while no carrier is booked through ShipEngine; 503 while its keys cannot be fetched.',
        security: [{ shipEngineSignature: [] }],
        body: ShipEngineTrackWebhookSchema,
        response: { 200: WebhookAckSchema, ...errorResponses({ key: true, body: true, notFound: true, unavailable: true }) },
      },
      preValidation: async (request) => {
        const tracking = app.config.shipEngineTracking;
        if (tracking === undefined) throw notFound('ShipEngine tracking (no carrier is booked through ShipEngine)');
        const check = await verifyShipEngineSignature(
          {
            rawBody: request.rawBody ?? Buffer.alloc(0),
            keyId: header(request, SHIPENGINE_KEY_ID_HEADER),
            signature: header(request, SHIPENGINE_SIGNATURE_HEADER),
            timestamp: header(request, SHIPENGINE_TIMESTAMP_HEADER),
          },
          tracking.keySet,
          Date.now(),
          tracking.toleranceSeconds,
        );
        if (check.ok) return;
        if (check.reason === 'keys_unavailable') {
          throw unavailable("ShipEngine's signing keys cannot be fetched now; retry later", 30);
        }
        app.failedAuthentication(request);
        throw new ApiError(401, 'invalid_signature', REFUSALS[check.reason]);
      },
    },
    async (request): Promise<WebhookAck> => {
      const carrierCodes = app.config.shipEngineTracking?.carrierCodes ?? [];
      const trackingNumber = request.body.data.tracking_number;
      const [labels, returns] = await Promise.all([
        app.db.label.findMany({ where: { carrierCode: { in: carrierCodes }, trackingNumber }, select: { carrierCode: true } }),
        app.db.return.findMany({ where: { carrierCode: { in: carrierCodes }, trackingNumber }, select: { carrierCode: true } }),
      ]);
      const carriers = [...new Set([...labels, ...returns].flatMap((row) => (row.carrierCode ? [row.carrierCode] : [])))];
      if (carriers.length === 0) {
        throw new ApiError(404, 'not_found', 'no ShipEngine label has this tracking number', [
          { path: 'body.data.tracking_number', message: 'no label has this tracking number' },
        ]);
      }
      let ack: WebhookAck = { received: 0, accepted: 0, duplicates: 0, duplicate: false, shipments: [], unmapped: 0, redated: 0 };
      for (const carrier of carriers) {
        const taken = await takePushedScans(app, request.log, {
          carrier,
          events: scansOfTrackWebhook(carrier, request.body),
          trackingNumberPath: () => 'body.data.tracking_number',
        });
        ack = {
          received: ack.received + taken.received,
          accepted: ack.accepted + taken.accepted,
          duplicates: ack.duplicates + taken.duplicates,
          duplicate: false,
          shipments: [...ack.shipments, ...taken.shipments],
          unmapped: ack.unmapped + taken.unmapped,
          redated: ack.redated + taken.redated,
        };
      }
      return { ...ack, duplicate: ack.received > 0 && ack.duplicates === ack.received };
    },
  );
}
