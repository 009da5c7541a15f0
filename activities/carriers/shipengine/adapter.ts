import {
  type BuyLabelRequest,
  BuyLabelRequestSchema,
  type CarrierApi,
  type CarrierCode,
  type CarrierTrackingEvent,
  type CarrierTrackingMode,
  type LabelDocument,
  type LabelFormat,
  type PurchasedLabel,
  type RateQuote,
  type RateRequest,
  RateRequestSchema,
  type ReturnLabelRequest,
} from '../../../domain/carrier';
import { CarrierApiError, CarrierRejected, failedAfterSale } from '../errors';
import { errorsInAnswer, type ShipEngineHttp } from './http';
import {
  externalShipmentId,
  type ShipEngineAccount,
  type ShipFrom,
  shipment,
  toPurchasedLabel,
  toQuote,
  toTrackingEvents,
  unusableLabel,
} from './requests';
import {
  CreateShipmentsAnswerSchema,
  type Label,
  LabelSchema,
  RatesAnswerSchema,
  ShipmentSchema,
  TrackingAnswerSchema,
  VoidAnswerSchema,
  WarehouseSchema,
} from './schemas';
import { z } from 'zod';

/**
 * One Colis carrier code served by one ShipEngine carrier account: the carrier port on ShipEngine's
 * v1 API. ShipEngine takes no idempotency header, so a purchase is made idempotent by hand: the
 * Colis idempotency key is the shipment's `external_shipment_id`, and every purchase first asks
 * ShipEngine for a label already bought under it, so a retried activity never buys twice.
 */

export interface ShipEngineCarrierOptions {
  http: ShipEngineHttp;
  account: ShipEngineAccount;
  /** Colis warehouse code → ShipEngine warehouse id (the ship-from address). */
  warehouses: Readonly<Record<string, string>>;
  /** ShipEngine pushes scans (its `track` webhook); polls still come every this fraction of a stall window. */
  pollStallFraction?: number;
  now?: () => number;
}

/** The format labels are bought in; ShipEngine links the other formats of the same label. */
const PURCHASE_FORMAT = 'pdf';

function looksLike(format: LabelFormat, content: Buffer): boolean {
  return format === 'pdf' ? content.subarray(0, 5).toString('latin1') === '%PDF-' : content.includes('^XA') && content.includes('^XZ');
}

const LabelListSchema = z.looseObject({ labels: z.array(LabelSchema) });

export class ShipEngineCarrier implements CarrierApi {
  readonly code: CarrierCode;
  readonly tracking: CarrierTrackingMode;
  private readonly http: ShipEngineHttp;
  private readonly now: () => number;

  constructor(private readonly options: ShipEngineCarrierOptions) {
    this.code = options.account.carrierCode;
    this.tracking = { pushesScans: true, pollStallFraction: options.pollStallFraction ?? 0.5 };
    this.http = options.http;
    this.now = options.now ?? Date.now;
  }

  async quote(request: RateRequest): Promise<RateQuote[]> {
    const parsed = this.accept(RateRequestSchema, request);
    const answer = await this.http.call(this.code, {
      operation: 'rates',
      method: 'POST',
      path: '/v1/rates',
      body: {
        shipment: shipment(this.options.account, await this.shipFrom(parsed.from.warehouseCode), parsed),
        rate_options: { carrier_ids: [this.options.account.carrierId] },
      },
      answer: RatesAnswerSchema,
    });
    const quotes = (answer.rate_response.rates ?? [])
      .filter((rate) => !rate.carrier_id || rate.carrier_id === this.options.account.carrierId)
      .flatMap((rate) => toQuote(this.options.account, parsed, rate) ?? []);
    // No rate, and ShipEngine says why (an address the carrier refuses, the carrier down): the rate shop reports it.
    const errors = answer.rate_response.errors ?? [];
    if (quotes.length === 0 && errors.length > 0) throw errorsInAnswer(this.code, 'rates: no rate', { errors });
    return quotes;
  }

  async buyLabel(request: BuyLabelRequest): Promise<PurchasedLabel> {
    const parsed = this.accept(BuyLabelRequestSchema, request);
    const externalId = externalShipmentId(parsed.idempotencyKey);
    const bought = await this.http
      .find(this.code, {
        operation: 'label lookup',
        method: 'GET',
        path: `/v1/labels/external_shipment_id/${encodeURIComponent(externalId)}`,
        answer: LabelSchema,
      })
      .catch((error: unknown) => {
        // Refused, the lookup leaves unknown whether an earlier attempt bought under the key: a refusal would send the
        // booking to another carrier (a second label), so it is retried, never taken for "none".
        if (error instanceof CarrierRejected) throw new CarrierApiError(this.code, 400, `${error.message}; the purchase is retried`);
        throw error;
      });
    if (bought) return this.afterSale(bought.label_id, async () => this.tracked(await this.alreadyBought(bought, parsed)));

    const shipmentId = await this.shipmentFor(parsed, externalId);
    const { rate, quote } = await this.rateFor(shipmentId, parsed);
    const label = await this.http.call(this.code, {
      operation: 'label purchase',
      method: 'POST',
      path: `/v1/labels/rates/${encodeURIComponent(rate.rate_id)}`,
      body: { label_format: PURCHASE_FORMAT, label_layout: '4x6', label_download_type: 'url' },
      answer: LabelSchema,
    });
    return this.afterSale(label.label_id, async () => {
      await this.refuseUnusable(label, parsed.idempotencyKey);
      return this.tracked(toPurchasedLabel(this.options.account, label, quote, this.now));
    });
  }

  /**
   * What a purchase asks once its label is bought (or found bought): a 429 or 503 there refuses that request, not the
   * purchase. Said so (`afterSale`), so the purchase is retried under its key, which finds the label, instead of
   * taken for "turned away, nothing bought" and booked with another carrier: a second label, the first never voided.
   */
  private async afterSale<T>(carrierLabelId: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw failedAfterSale(error, carrierLabelId);
    }
  }

  /**
   * A label Colis cannot use (`unusableLabel`) is voided and refused: retrying the purchase would only find it
   * again, for ever, while a refusal lets the booking go to another carrier or to ops (a return: called off, saying why). A void that fails for
   * now is retried with the purchase, which finds the label again; one ShipEngine refuses is said in the refusal.
   */
  private async refuseUnusable(label: Label, idempotencyKey: string): Promise<void> {
    const why = unusableLabel(label);
    if (!why) return;
    let outcome = 'voided';
    try {
      await this.voidLabel(label.label_id);
    } catch (error) {
      if (!(error instanceof CarrierRejected)) throw error;
      outcome = 'ShipEngine refused to void it';
    }
    throw new CarrierRejected(
      this.code,
      'invalid_request',
      `ShipEngine label ${label.label_id} under key ${idempotencyKey} ${why}: ${outcome}`,
    );
  }

  /**
   * Registers the parcel for ShipEngine's `track` webhook (`POST /v1/tracking/start`; ShipEngine
   * answers 204 and repeating it is harmless, so a retried purchase registers again). A refusal leaves
   * the label bought — failing here would make the workflow book a second one — and the parcel is then
   * learnt by polling; a transient failure is retried with the purchase, which finds its label first.
   */
  private async tracked(label: PurchasedLabel): Promise<PurchasedLabel> {
    try {
      await this.http.call(this.code, {
        operation: 'tracking start',
        method: 'POST',
        path: '/v1/tracking/start',
        query: { carrier_code: await this.carrierCodeOnShipEngine(), tracking_number: label.trackingNumber },
        answer: z.unknown(),
      });
    } catch (error) {
      if (!(error instanceof CarrierRejected)) throw error;
    }
    return label;
  }

  /** Void first, look second: a refusal is accepted when the label turns out to be void already (void is idempotent). */
  async voidLabel(carrierLabelId: string): Promise<{ voided: true }> {
    const answer = await this.http.call(this.code, {
      operation: 'void',
      method: 'PUT',
      path: `/v1/labels/${encodeURIComponent(carrierLabelId)}/void`,
      answer: VoidAnswerSchema,
      notFound: 'unknown_label',
    });
    if (answer.approved) return { voided: true };
    const label = await this.label(carrierLabelId);
    if (label.voided || label.status === 'voided') return { voided: true };
    // ShipEngine refuses to void a label the carrier has already scanned: retrying cannot change that.
    throw new CarrierRejected(this.code, 'invalid_request', `ShipEngine did not approve voiding label ${carrierLabelId}`);
  }

  /** Polling: ShipEngine's tracking of the parcel, by carrier and tracking number. */
  async track(trackingNumber: string): Promise<CarrierTrackingEvent[]> {
    const carrier = await this.carrierCodeOnShipEngine();
    const answer = await this.http.call(this.code, {
      operation: 'tracking',
      method: 'GET',
      path: '/v1/tracking',
      query: { carrier_code: carrier, tracking_number: trackingNumber },
      answer: TrackingAnswerSchema,
      notFound: 'unknown_tracking_number',
    });
    return toTrackingEvents(this.code, { ...answer, tracking_number: trackingNumber });
  }

  async labelDocument(carrierLabelId: string, format: LabelFormat): Promise<LabelDocument | undefined> {
    const label = await this.label(carrierLabelId);
    const link = label.label_download?.[format] ?? (format === PURCHASE_FORMAT ? label.label_download?.href : undefined);
    if (!link) return undefined;
    const content = await this.http.download(this.code, link);
    // A link that answers something else (an error page, JSON) is no label to print.
    return looksLike(format, content) ? { format, content } : undefined;
  }

  /**
   * ShipEngine's return label for an outbound label. It takes no idempotency key either: the labels
   * of the outbound shipment are searched for a return label of this outbound label first.
   */
  async returnLabel(request: ReturnLabelRequest): Promise<PurchasedLabel> {
    const outbound = await this.label(request.carrierLabelId);
    if (outbound.shipment_id) {
      const existing = await this.http.call(this.code, {
        operation: 'return label lookup',
        method: 'GET',
        path: '/v1/labels',
        query: { shipment_id: outbound.shipment_id },
        answer: LabelListSchema,
      });
      const previous = existing.labels.find(
        (label) => label.is_return_label && label.outbound_label_id === request.carrierLabelId && !label.voided,
      );
      if (previous) {
        await this.refuseUnusable(previous, request.idempotencyKey);
        return this.tracked(toPurchasedLabel(this.options.account, previous, this.estimateNow(), this.now));
      }
    }
    const label = await this.http.call(this.code, {
      operation: 'return label',
      method: 'POST',
      path: `/v1/labels/${encodeURIComponent(request.carrierLabelId)}/return`,
      body: { label_format: PURCHASE_FORMAT, label_layout: '4x6', label_download_type: 'url' },
      answer: LabelSchema,
      notFound: 'unknown_label',
    });
    await this.refuseUnusable(label, request.idempotencyKey);
    return this.tracked(toPurchasedLabel(this.options.account, label, this.estimateNow(), this.now));
  }

  private estimateNow() {
    return { estimatedDeliveryAt: new Date(this.now()).toISOString() };
  }

  private label(carrierLabelId: string): Promise<Label> {
    return this.http.call(this.code, {
      operation: 'label',
      method: 'GET',
      path: `/v1/labels/${encodeURIComponent(carrierLabelId)}`,
      answer: LabelSchema,
      notFound: 'unknown_label',
    });
  }

  /** Today's rate of `serviceCode` for the ShipEngine shipment: what a label is bought from. */
  private async rateFor(shipmentId: string, request: BuyLabelRequest) {
    const rates = await this.http.call(this.code, {
      operation: 'rates',
      method: 'POST',
      path: '/v1/rates',
      body: {
        shipment_id: shipmentId,
        rate_options: { carrier_ids: [this.options.account.carrierId], service_codes: [request.serviceCode] },
      },
      answer: RatesAnswerSchema,
    });
    const rate = (rates.rate_response.rates ?? []).find((r) => r.service_code === request.serviceCode);
    const quote = rate ? toQuote(this.options.account, request, rate) : undefined;
    if (!rate || !quote) {
      throw new CarrierRejected(
        this.code,
        'unknown_service',
        `ShipEngine offers no ${request.serviceCode} rate for this shipment any more`,
      );
    }
    return { rate, quote };
  }

  /**
   * A label found under our key (bought, then the answer or our record of it was lost) must be the
   * one we asked for: same carrier account and service. Its delivery estimate is asked again.
   */
  private async alreadyBought(label: Label, request: BuyLabelRequest): Promise<PurchasedLabel> {
    if (label.voided || label.status === 'voided') {
      // Only ops void a label behind Colis's back (Colis voids what it recorded): a person must look.
      throw new CarrierRejected(this.code, 'idempotency_conflict', `the ShipEngine label under key ${request.idempotencyKey} was voided`);
    }
    const sameCarrier = !label.carrier_id || label.carrier_id === this.options.account.carrierId;
    const sameService = !label.service_code || label.service_code === request.serviceCode;
    if (!sameCarrier || !sameService) {
      throw new CarrierRejected(
        this.code,
        'idempotency_conflict',
        `a ShipEngine label already exists under key ${request.idempotencyKey} for another carrier or service`,
      );
    }
    await this.refuseUnusable(label, request.idempotencyKey);
    // The estimate is asked again; a service ShipEngine no longer rates still leaves the label bought.
    const estimate = label.shipment_id
      ? (
          await this.rateFor(label.shipment_id, request).catch((error: unknown) => {
            if (error instanceof CarrierRejected) return undefined;
            throw error;
          })
        )?.quote
      : undefined;
    return toPurchasedLabel(this.options.account, label, estimate ?? { estimatedDeliveryAt: request.shipAt }, this.now);
  }

  /** The ShipEngine shipment under our key, created once: a retry after a lost answer finds it. */
  private async shipmentFor(request: BuyLabelRequest, externalId: string): Promise<string> {
    const existing = await this.http.find(this.code, {
      operation: 'shipment lookup',
      method: 'GET',
      path: `/v1/shipments/external_shipment_id/${encodeURIComponent(externalId)}`,
      answer: ShipmentSchema,
    });
    if (existing) return existing.shipment_id;
    const created = await this.http.call(this.code, {
      operation: 'shipment',
      method: 'POST',
      path: '/v1/shipments',
      body: {
        shipments: [
          shipment(this.options.account, await this.shipFrom(request.from.warehouseCode), request, {
            serviceCode: request.serviceCode,
            externalShipmentId: externalId,
          }),
        ],
      },
      answer: CreateShipmentsAnswerSchema,
    });
    const first = created.shipments[0];
    if (!first || created.has_errors) {
      throw new CarrierRejected(this.code, 'invalid_request', 'ShipEngine refused the shipment');
    }
    return first.shipment_id;
  }

  private carrierCodeCache: string | undefined;

  /** ShipEngine's tracking endpoint names the carrier by its code (ups, usps…), not by account id. */
  private async carrierCodeOnShipEngine(): Promise<string> {
    if (this.carrierCodeCache) return this.carrierCodeCache;
    const carrier = await this.http.call(this.code, {
      operation: 'carrier',
      method: 'GET',
      path: `/v1/carriers/${encodeURIComponent(this.options.account.carrierId)}`,
      answer: z.looseObject({ carrier_code: z.string().min(1) }),
    });
    this.carrierCodeCache = carrier.carrier_code;
    return carrier.carrier_code;
  }

  private readonly origins = new Map<string, ShipFrom>();

  /**
   * The ship-from of a Colis warehouse: its ShipEngine warehouse's origin address (ShipEngine's
   * definition requires `ship_from` even beside a `warehouse_id`), asked once per process.
   */
  private async shipFrom(warehouseCode: string): Promise<ShipFrom> {
    const warehouseId = this.options.warehouses[warehouseCode];
    if (!warehouseId)
      throw new CarrierRejected(this.code, 'unsupported_destination', `warehouse ${warehouseCode} has no ShipEngine warehouse`);
    const known = this.origins.get(warehouseId);
    if (known) return known;
    const warehouse = await this.http.call(this.code, {
      operation: 'warehouse',
      method: 'GET',
      path: `/v1/warehouses/${encodeURIComponent(warehouseId)}`,
      answer: WarehouseSchema,
      notFound: 'invalid_request',
    });
    const origin = { warehouseId, address: warehouse.origin_address };
    this.origins.set(warehouseId, origin);
    return origin;
  }

  private accept<T>(schema: z.ZodType<T>, request: unknown): T {
    const parsed = schema.safeParse(request);
    if (!parsed.success)
      throw new CarrierRejected(this.code, 'invalid_request', `${this.code} request: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }
}
