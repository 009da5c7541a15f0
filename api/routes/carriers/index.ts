import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifySignature } from '../../../activities/carriers/signature';
import { CarrierParamsSchema, UnmappedStatusListSchema, WebhookAckSchema } from '../../../domain/api';
import { errorResponses } from '../responses';
import { TrackingWebhookSchema, type CarrierTrackingEvent } from '../../../domain/carrier';
import { ids } from '../../../domain/ids';
import { returnIds } from '../../../domain/return-policy';
import { trackingEventsSignal } from '../../../workflows/definitions';
import { returnScansSignal } from '../../../workflows/returns/definitions';
import { screenScans } from '../../../domain/scan-screening';
import { type ParcelOwner, storeUnmappedScans } from '../../../activities/unmapped-scans';
import { ApiError, forbidden, notFound } from '../../errors';
import { parseJsonInput } from '../../services/json-input';
import { unmappedStatuses } from '../../services/unmapped-statuses';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as it arrived: what the carrier signed. Set only on webhook routes. */
    rawBody?: Buffer;
  }
}

const SIGNATURE_HEADER_LC = SIGNATURE_HEADER.toLowerCase();

/**
 * Carrier tracking webhooks. The HMAC covers the raw bytes, so this plugin (encapsulated: its
 * parser applies to its routes only) keeps the body as a Buffer and parses the JSON itself.
 * Checks run cheapest-to-trust first: signature (401), shape (400), every tracking number known
 * (404, nothing signalled), then events already recorded are acknowledged and dropped, and the rest
 * go to each shipment's workflow, which deduplicates again by event id and owns the recording.
 */
const carriers: FastifyPluginAsyncZod = async (app) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    const parsed = parseJsonInput(body.toString('utf8'));
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
          const why = {
            malformed: `missing or malformed ${SIGNATURE_HEADER} header`,
            mismatch: 'the signature does not match the body',
            expired: 'the signature is too old (replayed request?)',
          };
          throw new ApiError(401, 'invalid_signature', why[check.reason]);
        }
      },
    },
    async (request) => {
      const { carrier } = request.params;
      // Dated on receipt when the carrier's clock runs ahead; codes no mapping reads are kept apart for ops.
      const { events, redated, unmapped: unmappedScans } = screenScans(request.body.events, Date.now());
      const unmappedSet = new Set(unmappedScans);
      const foreign = events.flatMap((event, i) =>
        event.carrierCode === carrier ? [] : [{ path: `body.events.${i}.carrierCode`, message: `this is ${carrier}'s webhook` }],
      );
      if (foreign.length > 0) throw new ApiError(400, 'validation_failed', `events of another carrier in ${carrier}'s webhook`, foreign);

      const trackingNumbers = [...new Set(events.map((event) => event.trackingNumber))];
      const labels = await app.db.label.findMany({
        where: { carrierCode: carrier, trackingNumber: { in: trackingNumbers } },
        select: { trackingNumber: true, shipmentId: true },
      });
      const shipmentOf = new Map(labels.map((label) => [label.trackingNumber, label.shipmentId]));
      // A return parcel's scans go to its return's workflow.
      const returnLabels = await app.db.return.findMany({
        where: { carrierCode: carrier, trackingNumber: { in: trackingNumbers.filter((n) => !shipmentOf.has(n)) } },
        select: { trackingNumber: true, id: true },
      });
      const returnOf = new Map(returnLabels.map((r) => [r.trackingNumber ?? '', r.id]));
      const unknown = trackingNumbers.filter((number) => !shipmentOf.has(number) && !returnOf.has(number));
      if (unknown.length > 0) {
        throw new ApiError(
          404,
          'not_found',
          `unknown tracking number(s) for ${carrier}: ${unknown.join(', ')}`,
          events.flatMap((event, i) =>
            shipmentOf.has(event.trackingNumber) || returnOf.has(event.trackingNumber)
              ? []
              : [{ path: `body.events.${i}.trackingNumber`, message: 'no label has this tracking number' }],
          ),
        );
      }

      const known = { carrierCode: carrier, carrierEventId: { in: events.map((event) => event.eventId) } };
      const [recorded, recordedUnmapped, recordedReturnScans] = await Promise.all([
        app.db.trackingEvent.findMany({ where: known, select: { carrierEventId: true } }),
        app.db.unmappedTrackingEvent.findMany({ where: known, select: { carrierEventId: true } }),
        app.db.returnScan.findMany({ where: known, select: { carrierEventId: true } }),
      ]);
      const seen = new Set([...recorded, ...recordedUnmapped, ...recordedReturnScans].map((row) => row.carrierEventId));
      const fresh = new Map<string, CarrierTrackingEvent[]>();
      const freshReturns = new Map<string, CarrierTrackingEvent[]>();
      const unmappedFresh: CarrierTrackingEvent[] = [];
      for (const event of events) {
        if (seen.has(event.eventId)) continue;
        seen.add(event.eventId);
        // The workflow could not read it: stored here and listed for ops, not signalled.
        if (unmappedSet.has(event)) {
          unmappedFresh.push(event);
          continue;
        }
        const returnId = returnOf.get(event.trackingNumber);
        if (returnId !== undefined) {
          freshReturns.set(returnId, [...(freshReturns.get(returnId) ?? []), event]);
          continue;
        }
        const shipmentId = shipmentOf.get(event.trackingNumber) ?? '';
        fresh.set(shipmentId, [...(fresh.get(shipmentId) ?? []), event]);
      }
      for (const [returnId, batch] of freshReturns) {
        try {
          await app.temporal.workflow
            .getHandle(returnIds.workflowId(returnId))
            .signal(returnScansSignal, { source: 'webhook', events: batch });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          request.log.info({ returnId, events: batch.length }, 'late scans for a finished return ignored');
        }
      }

      const parcelOf = new Map<string, ParcelOwner>([
        ...[...shipmentOf].map(([number, shipmentId]): [string, ParcelOwner] => [number, { shipmentId }]),
        ...[...returnOf].map(([number, returnId]): [string, ParcelOwner] => [number, { returnId }]),
      ]);
      const unmapped = await storeUnmappedScans(app.db, { source: 'webhook', events: unmappedFresh, parcelOf });
      for (const event of unmappedFresh) {
        request.log.warn(
          { carrier, statusCode: event.statusCode, ...parcelOf.get(event.trackingNumber) },
          'carrier status code not understood; stored for ops',
        );
      }

      const shipments: string[] = [];
      let accepted = 0;
      for (const [shipmentId, batch] of fresh) {
        try {
          await app.temporal.workflow
            .getHandle(ids.shipmentWorkflowId(shipmentId))
            .signal(trackingEventsSignal, { source: 'webhook', events: batch });
          shipments.push(shipmentId);
          accepted += batch.length;
        } catch (error) {
          // A shipment whose journey ended has nothing left to learn from a late scan.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          request.log.info({ shipmentId, events: batch.length }, 'late scans for a finished shipment ignored');
        }
      }
      const acceptedReturns = [...freshReturns.values()].reduce((n, batch) => n + batch.length, 0);
      accepted += acceptedReturns;
      const signalled = [...fresh.values()].reduce((n, batch) => n + batch.length, 0) + acceptedReturns;
      const duplicates = events.length - signalled - unmappedFresh.length;
      request.log.info({ carrier, received: events.length, accepted, duplicates, unmapped, redated }, 'tracking webhook');
      return { received: events.length, accepted, duplicates, duplicate: duplicates === events.length, shipments, unmapped, redated };
    },
  );
  app.get(
    '/carriers/unmapped-statuses',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['carriers'],
        summary: 'Carrier status codes Colis cannot read yet',
        description:
          "Scans whose status code is in no mapping (domain/tracking-codes.ts) are stored, shown in their order's timeline and listed here by carrier and code, so the mapping can be extended. They do not change a shipment's status.",
        response: { 200: UnmappedStatusListSchema, ...errorResponses({ key: true }) },
      },
    },
    async () => ({ items: await unmappedStatuses(app.db) }),
  );
};

export default carriers;
