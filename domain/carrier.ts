import { z } from 'zod';
import { isStorableInstant } from './clock';
import { TRACKING_STATUSES } from './lifecycle';
import { CARRIER_CODE_PATTERN, TRACKING_VOCABULARIES } from './message-shapes';
import { type Address, AddressSchema, ServiceLevelSchema } from './order';

/**
 * The carrier contract, shaped like the multi-carrier APIs (EasyPost, Shippo, ShipEngine):
 * quote rates, buy a label with an idempotency key, void it, track it. Every carrier backend
 * implements `CarrierApi`; activities only ever see this interface.
 */

export const TrackingStatusSchema = z.enum(TRACKING_STATUSES);
export type { TrackingStatus } from './lifecycle';

export const CarrierCodeSchema = z.string().regex(CARRIER_CODE_PATTERN);
export type CarrierCode = z.infer<typeof CarrierCodeSchema>;

export const ParcelSchema = z.object({
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  weightGrams: z.number().int().positive(),
});
export type Parcel = z.infer<typeof ParcelSchema>;

export const OriginSchema = z.object({
  warehouseCode: z.string(),
  postalCode: z.string(),
  countryCode: z.string().length(2),
});

export const RateRequestSchema = z.object({
  shipmentId: z.string(),
  from: OriginSchema,
  to: AddressSchema,
  parcels: z.array(ParcelSchema).min(1),
  /** When the parcels are handed to the carrier (after pick and pack). */
  shipAt: z.iso.datetime({ offset: true }),
});
export type RateRequest = z.infer<typeof RateRequestSchema>;

export const RateQuoteSchema = z.object({
  carrierCode: CarrierCodeSchema,
  serviceCode: z.string(),
  serviceLevel: ServiceLevelSchema,
  amountCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
  deliveryDays: z.number().int().positive(),
  estimatedDeliveryAt: z.iso.datetime({ offset: true }),
  guaranteed: z.boolean(),
  /** What the carrier quoted when it quoted in another currency than the order's (`amountCents` is then converted: domain/money.ts). */
  quoted: z.object({ amountCents: z.number().int().nonnegative(), currency: z.string().length(3) }).optional(),
});
export type RateQuote = z.infer<typeof RateQuoteSchema>;

export const BuyLabelRequestSchema = RateRequestSchema.extend({
  serviceCode: z.string(),
  /** A retried purchase with the same key returns the same label and charges once. */
  idempotencyKey: z.string().min(1),
});
export type BuyLabelRequest = z.infer<typeof BuyLabelRequestSchema>;

export const PurchasedLabelSchema = z.object({
  carrierCode: CarrierCodeSchema,
  serviceCode: z.string(),
  carrierLabelId: z.string(),
  trackingNumber: z.string(),
  amountCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
  labelUrl: z.string(),
  estimatedDeliveryAt: z.iso.datetime({ offset: true }),
  purchasedAt: z.iso.datetime({ offset: true }),
});
export type PurchasedLabel = z.infer<typeof PurchasedLabelSchema>;

/**
 * Whose status codes an event carries: the carrier's own (absent), or those of a multi-carrier API
 * through which Colis reaches the carrier (ShipEngine normalises every carrier's codes to its own).
 */
export const TrackingVocabularySchema = z.enum(TRACKING_VOCABULARIES);
export type TrackingVocabulary = z.infer<typeof TrackingVocabularySchema>;

/** A scan as the carrier reports it, in the carrier's own status vocabulary. */
export const CarrierTrackingEventSchema = z.object({
  carrierCode: CarrierCodeSchema,
  vocabulary: TrackingVocabularySchema.optional(),
  /** Unique per carrier: the key that absorbs duplicate deliveries. */
  eventId: z.string().min(1).max(128),
  trackingNumber: z.string().min(1).max(64),
  statusCode: z.string().min(1).max(64),
  detail: z.string().max(500).optional(),
  location: z.string().max(200).optional(),
  /** An instant PostgreSQL stores: a scan dated in year 0 would reach the database as a 500 (the webhook) or fail its write for ever (a signal). */
  occurredAt: z.iso
    .datetime({ offset: true })
    // Only a date and time is judged: a malformed one is named once, by the format above.
    .refine((iso) => Number.isNaN(Date.parse(iso)) || isStorableInstant(Date.parse(iso)), {
      message: 'is outside the years 0001 to 9999 (UTC)',
    }),
});
export type CarrierTrackingEvent = z.infer<typeof CarrierTrackingEventSchema>;

/** Body of a carrier's tracking webhook. */
export const TrackingWebhookSchema = z.object({
  events: z.array(CarrierTrackingEventSchema).min(1).max(100),
});
export type TrackingWebhook = z.infer<typeof TrackingWebhookSchema>;

/** What a warehouse printer takes: PDF for office printers, ZPL for thermal (Zebra) printers. */
export const LABEL_FORMATS = ['pdf', 'zpl'] as const;
export const LabelFormatSchema = z.enum(LABEL_FORMATS);
export type LabelFormat = z.infer<typeof LabelFormatSchema>;

export const LABEL_CONTENT_TYPES: Readonly<Record<LabelFormat, string>> = {
  pdf: 'application/pdf',
  zpl: 'application/zpl',
};

export interface LabelDocument {
  format: LabelFormat;
  content: Buffer;
}

export const ReturnLabelRequestSchema = z.object({
  /** The outbound label the parcel travels back on. */
  carrierLabelId: z.string().min(1),
  /** A retried request with the same key returns the same return label. */
  idempotencyKey: z.string().min(1),
});
export type ReturnLabelRequest = z.infer<typeof ReturnLabelRequestSchema>;

/** How a carrier backend reports scans, when it knows better than the carrier catalogue (ShipEngine pushes `track` webhooks). */
export interface CarrierTrackingMode {
  pushesScans: boolean;
  /** Poll anyway once this fraction of the stall window passes without a scan: a parcel whose webhooks stop is still asked before it is called stuck. */
  pollStallFraction?: number;
}

export interface CarrierApi {
  readonly code: CarrierCode;
  readonly tracking?: CarrierTrackingMode;
  quote(request: RateRequest): Promise<RateQuote[]>;
  buyLabel(request: BuyLabelRequest): Promise<PurchasedLabel>;
  /** Voiding an already-voided label succeeds: void is idempotent. */
  voidLabel(carrierLabelId: string): Promise<{ voided: true }>;
  track(trackingNumber: string): Promise<CarrierTrackingEvent[]>;
  /**
   * The printable label in `format`, or undefined when this carrier does not produce that format.
   * Optional: a backend without documents has only `labelUrl`.
   */
  labelDocument?(carrierLabelId: string, format: LabelFormat): Promise<LabelDocument | undefined>;
  /** A prepaid return label for a parcel already shipped; optional: not every backend sells them. */
  returnLabel?(request: ReturnLabelRequest): Promise<PurchasedLabel>;
}

/** The address fields a carrier can refuse or correct, named as in `AddressSchema`. */
export const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'region', 'postalCode', 'countryCode'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];

/**
 * A carrier's word on a delivery address: deliverable as given; deliverable once corrected (the
 * corrected address replaces the given one, and the correction is recorded); undeliverable, naming
 * the field at fault; or unverified when the carrier could not say (the address is taken as given:
 * an outage of a validation service must not stop intake).
 */
export type AddressVerdict =
  | { kind: 'deliverable' }
  | { kind: 'corrected'; address: Address; fields: AddressField[] }
  | { kind: 'undeliverable'; field: AddressField | 'phone'; reason: string }
  | { kind: 'unverified'; reason: string };

/** The part of the carrier port the API uses before stock is reserved and on an address change. */
export interface AddressValidator {
  /** Who answers, for the record ("simulator", "shipengine"). */
  readonly name: string;
  validate(address: Address): Promise<AddressVerdict>;
}

/** The fields where two addresses differ (trimmed; absent and empty are the same). */
export function changedFields(given: Address, corrected: Address): AddressField[] {
  const norm = (value: string | undefined) => (value ?? '').trim();
  return ADDRESS_FIELDS.filter((field) => norm(given[field]) !== norm(corrected[field]));
}
