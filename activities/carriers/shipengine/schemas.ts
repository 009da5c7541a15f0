import { z } from 'zod';

/**
 * The parts of ShipEngine's v1 answers Colis reads (shipengine-openapi), each loose: ShipEngine adds
 * fields over time, and an unknown field must never fail a purchase. Requests are built as plain
 * objects in `requests.ts`; the contract tests check them against ShipEngine's own definition.
 */

export const MoneySchema = z.looseObject({ currency: z.string().min(3).max(3), amount: z.number().nonnegative() });
export type Money = z.infer<typeof MoneySchema>;

const nullableMoney = MoneySchema.nullish();

export const RateSchema = z.looseObject({
  rate_id: z.string(),
  carrier_id: z.string().nullish(),
  service_code: z.string().nullish(),
  shipping_amount: MoneySchema,
  insurance_amount: nullableMoney,
  confirmation_amount: nullableMoney,
  other_amount: nullableMoney,
  delivery_days: z.number().int().nullish(),
  estimated_delivery_date: z.string().nullish(),
  guaranteed_service: z.boolean().nullish(),
  validation_status: z.string().nullish(),
  error_messages: z.array(z.string()).nullish(),
});
export type Rate = z.infer<typeof RateSchema>;

export const ErrorBodySchema = z.looseObject({
  request_id: z.string().nullish(),
  errors: z
    .array(z.looseObject({ error_source: z.string().nullish(), error_type: z.string().nullish(), error_code: z.string().nullish() }))
    .nullish(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** `errors`: why there are no rates (or not all), in the error shape of a refused request. */
export const RatesAnswerSchema = z.looseObject({
  shipment_id: z.string().nullish(),
  rate_response: z.looseObject({
    rates: z.array(RateSchema).nullish(),
    status: z.string().nullish(),
    errors: ErrorBodySchema.shape.errors,
  }),
});

export const ShipmentSchema = z.looseObject({ shipment_id: z.string(), external_shipment_id: z.string().nullish() });
export const CreateShipmentsAnswerSchema = z.looseObject({
  has_errors: z.boolean().nullish(),
  shipments: z.array(ShipmentSchema),
});

export const LabelDownloadSchema = z.looseObject({
  href: z.string().nullish(),
  pdf: z.string().nullish(),
  png: z.string().nullish(),
  zpl: z.string().nullish(),
});

export const LabelSchema = z.looseObject({
  label_id: z.string(),
  status: z.string().nullish(),
  shipment_id: z.string().nullish(),
  carrier_id: z.string().nullish(),
  service_code: z.string().nullish(),
  tracking_number: z.string().nullish(),
  shipment_cost: MoneySchema,
  insurance_cost: nullableMoney,
  created_at: z.string().nullish(),
  voided: z.boolean().nullish(),
  is_return_label: z.boolean().nullish(),
  outbound_label_id: z.string().nullish(),
  label_download: LabelDownloadSchema.nullish(),
});
export type Label = z.infer<typeof LabelSchema>;

export const VoidAnswerSchema = z.looseObject({ approved: z.boolean(), message: z.string().nullish() });

/** Carriers are not consistent about types here: the definition's own example sends numbers for strings. */
const textish = z.union([z.string(), z.number()]).transform(String);

export const TrackEventSchema = z.looseObject({
  occurred_at: z.string(),
  description: textish.nullish(),
  city_locality: textish.nullish(),
  country_code: textish.nullish(),
  event_code: textish.nullish(),
});

export const TrackingAnswerSchema = z.looseObject({
  tracking_number: textish,
  status_code: z.string(),
  status_description: textish.nullish(),
  actual_delivery_date: z.string().nullish(),
  events: z.array(TrackEventSchema).nullish(),
});
export type TrackingAnswer = z.infer<typeof TrackingAnswerSchema>;

const AddressAnswerSchema = z.looseObject({
  address_line1: textish.nullish(),
  address_line2: textish.nullish(),
  city_locality: textish.nullish(),
  state_province: textish.nullish(),
  postal_code: textish.nullish(),
  country_code: textish.nullish(),
});
export type AddressAnswer = z.infer<typeof AddressAnswerSchema>;

export const AddressValidationSchema = z.looseObject({
  status: z.string(),
  original_address: AddressAnswerSchema.nullish(),
  matched_address: AddressAnswerSchema.nullish(),
  messages: z.array(z.looseObject({ code: textish.nullish(), message: textish.nullish(), type: textish.nullish() })).nullish(),
});
export const AddressValidationAnswerSchema = z.array(AddressValidationSchema);
export type AddressValidation = z.infer<typeof AddressValidationSchema>;

/** A ShipEngine warehouse: its origin address is where parcels are collected (passed through as ShipEngine gave it). */
export const WarehouseSchema = z.looseObject({
  warehouse_id: z.string().nullish(),
  origin_address: z.record(z.string(), z.unknown()),
});
