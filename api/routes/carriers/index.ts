import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifySignature } from '../../../activities/carriers/signature';
import {
  CarrierParamsSchema,
  NoQuerySchema,
  ScanAfterEndListSchema,
  UnmappedStatusListSchema,
  WebhookAckSchema,
} from '../../../domain/api';
import { errorResponses } from '../responses';
import { TrackingWebhookSchema } from '../../../domain/carrier';
import { ApiError, forbidden, notFound } from '../../errors';
import { parseJsonInput } from '../../services/json-input';
import { jsonBodyText } from '../../plugins/app/errors';
import { shipEngineTrackRoute } from './shipengine-track';
import { takePushedScans } from '../../services/carrier-scans';
import { scansAfterEnd } from '../../services/scans-after-end';
import { unmappedStatuses } from '../../services/unmapped-statuses';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as it arrived: what the carrier signed. Set only on webhook routes. */
    rawBody?: Buffer;
  }
}

const SIGNATURE_HEADER_LC = SIGNATURE_HEADER.toLowerCase();

/**
 * Carrier tracking webhooks: the simulated carriers' (HMAC, below) and ShipEngine's (RSA, in
 * shipengine-track.ts). Both signatures cover the raw bytes, so this plugin (encapsulated: its
 * parser applies to its routes only) keeps the body as a Buffer and parses the JSON itself.
 * Checks run cheapest-to-trust first: signature (401), shape (400), every tracking number known
 * (404, nothing signalled), then events already recorded are acknowledged and dropped, and the rest
 * go to each shipment's workflow, which deduplicates again by event id and owns the recording.
 */
const carriers: FastifyPluginAsyncZod = async (app) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    const text = jsonBodyText(request, body);
    if (!text.ok) return done(text.error, undefined);
    const parsed = parseJsonInput(text.text);
    if (parsed.ok) done(null, parsed.value);
    else done(new ApiError(400, parsed.code, parsed.message, parsed.details), undefined);
  });

  const tolerance = app.config.webhookToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

  app.post(
    '/carriers/:carrier/webhooks',
    {
      config: { access: { roles: ['carrier', 'ops'], signatureMayAuthenticate: true }, webhookCarrierParam: 'carrier' },
      schema: {
        tags: ['carriers'],
        summary: 'Tracking webhook',
        description:
          `Signed with the carrier's secret: header \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\`. ` +
          'Replays of known event ids are acknowledged and ignored; unknown tracking numbers answer 404 and change nothing.',
        security: [{ webhookSignature: [] }],
        params: CarrierParamsSchema,
        body: TrackingWebhookSchema,
        response: { 200: WebhookAckSchema, ...errorResponses({ key: true, body: true, notFound: true, unavailable: true }) },
      },
      preValidation: async (request) => {
        const { carrier } = request.params as { carrier: string };
        const secret = app.config.webhookSecretFor(carrier);
        if (secret === undefined) throw notFound(`carrier ${carrier}`);
        const principal = request.principal;
        if (principal?.role === 'carrier' && principal.carrierCode !== carrier) {
          throw forbidden(`the key of carrier ${principal.carrierCode ?? '?'} may not post ${carrier}'s webhooks`);
        }
        const header = request.headers[SIGNATURE_HEADER_LC];
        const check = verifySignature(
          request.rawBody ?? Buffer.alloc(0),
          typeof header === 'string' ? header : undefined,
          secret,
          Date.now(),
          tolerance,
        );
        if (!check.ok) {
          app.failedAuthentication(request);
          // A timestamp ahead of our clock is no replay: a sender whose clock runs fast is told so, not "too old".
          const ahead = check.reason === 'expired' && check.timestamp * 1000 > Date.now();
          const why = {
            malformed: `missing or malformed ${SIGNATURE_HEADER} header`,
            mismatch: 'the signature does not match the body',
            expired: ahead
              ? `the signature's timestamp is more than ${tolerance} s ahead of our clock (check the sender's clock)`
              : 'the signature is too old (replayed request?)',
          };
          const message = why[check.reason];
          throw new ApiError(401, 'invalid_signature', message, [{ path: `headers.${SIGNATURE_HEADER_LC}`, message }]);
        }
      },
    },
    async (request) => {
      const { carrier } = request.params;
      const foreign = request.body.events.flatMap((event, i) =>
        event.carrierCode === carrier ? [] : [{ path: `body.events.${i}.carrierCode`, message: `this is ${carrier}'s webhook` }],
      );
      if (foreign.length > 0) throw new ApiError(400, 'validation_failed', `events of another carrier in ${carrier}'s webhook`, foreign);
      return takePushedScans(app, request.log, {
        carrier,
        events: request.body.events,
        trackingNumberPath: (i) => `body.events.${i}.trackingNumber`,
      });
    },
  );
  shipEngineTrackRoute(app);
  app.get(
    '/carriers/unmapped-statuses',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['carriers'],
        summary: 'Carrier status codes Colis cannot read yet',
        description:
          "Scans whose status code is in no mapping (domain/tracking-codes.ts) are stored, shown in their order's timeline and listed here by carrier and code, so the mapping can be extended. They do not change a shipment's status.",
        querystring: NoQuerySchema,
        response: { 200: UnmappedStatusListSchema, ...errorResponses({ key: true }) },
      },
    },
    async () => ({ items: await unmappedStatuses(app.db) }),
  );
  app.get(
    '/carriers/scans-after-end',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['carriers'],
        summary: "Carrier scans that came after their shipment's journey ended",
        description:
          "A scan of a shipment's parcel that no workflow heard, its journey having ended (an exception after the delivery, a scan on a " +
          "cancelled shipment's label, a given-up parcel delivered after all), is stored once, shown in its order's timeline and " +
          'listed here, the newest 200 first, with how the shipment had ended. It changes no status; the webhook that brought it was answered 2xx.',
        querystring: NoQuerySchema,
        response: { 200: ScanAfterEndListSchema, ...errorResponses({ key: true }) },
      },
    },
    async () => ({ items: await scansAfterEnd(app.db) }),
  );
};

export default carriers;
