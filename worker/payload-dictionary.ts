import { createHash } from 'node:crypto';

/**
 * The preset dictionary of `binary/encrypted-z1` payloads (worker/payload-codec.ts): raw deflate starts
 * from these bytes, so the field names and words every Colis payload repeats cost a back-reference even
 * in a payload of 80 bytes, where plain deflate has nothing earlier to point to (measured on a single-item
 * order's 96 payloads: 16.5 kB of plaintext, 11.8 kB deflated, 6.6 kB deflated with a dictionary like this).
 *
 * Made once, on 2026-11-30, from the field names of a v3 order's payloads (the workflows' types,
 * rarest first, because deflate reaches the end of a dictionary with the shortest distances), the
 * lifecycle's words, the SDK's local-activity marker and the protobuf header of a `json/plain` payload.
 * Vocabulary only: no values, no names, no ids.
 *
 * FROZEN. Every payload sealed with it must open with the same bytes for as long as its history is kept;
 * `test/unit/payload-codec.test.ts` pins its hash. A better dictionary is a new one beside it, with an
 * encoding of its own (`binary/encrypted-z2`), and this one stays for reading.
 */
const WORDS = [
  '"planned""waiting_for_pick_slot""picking""packing""rating""booking""label_created""in_transit"',
  '"out_for_delivery""delivered""available_for_pickup""delivery_failed""exception"',
  '"returned_to_sender""lost""cancelled""refunded""received""reserving""backordered""fulfilling"',
  '"completed""failed""booked""dispatched""ended""late_scan""webhook""poll""standard""express"',
  '"economy""in_stock""backorder""promise""baseline"',
];

const FIELD_NAMES = [
  '"alreadyRecorded":"backorderPolicy":"backorderWaitHours":"basis":"businessClock":',
  '"businessOriginMs":"businessTime":"computedAt":"confidence":"customer":"held":"id":',
  '"idempotencyKey":"realOriginMs":"receivedAt":"requestHash":"scale":"billableWeightGrams":',
  '"boxCode":"boxCostCents":"boxId":"carrierLabelId":"carriers":"contents":"day":',
  '"fallbackAfterRefusals":"fastestAmountCents":"fastestCostCents":"labelUrl":"origin":"packages":',
  '"pickedAt":"purchasedAt":"quote":"quotes":"rules":"serveWithinMs":"startsAtMs":"unanswered":',
  '"workflowId":"deliverBy":"shipments":"shortages":"reservationId":"estimatedCostCents":',
  '"orderMoved":"previousPromisedBy":"reason":"wording":"customerId":"from":"orderReceivedAt":',
  '"riskPremiumCents":"shipAt":"to":"shipBy":"request":"shipTo":"changed":"sku":"code":"kind":',
  '"onTimeProbability":"parcels":"reliability":"supportsWebhooks":"timeScale":"promise":',
  '"shippingCostCents":"stage":"heightMm":"lengthMm":"savingCents":"weightGrams":"widthMm":"orderId":',
  '"city":"line1":"packagingCostCents":"promiseMiss":"lines":"name":"promisedBy":"detail":"eventId":',
  '"events":"location":"occurredAt":"statusCode":"stored":"source":"orderLineId":"countryCode":',
  '"postalCode":"deliveryDays":"guaranteed":"skuCode":"amountCents":"estimatedDeliveryAt":',
  '"trackingNumber":"warehouseCode":"currency":"serviceLevel":"serviceCode":"quantity":"shipmentId":',
  '"backoff":"seq":"attempt":"carrierCode":"nanos":"seconds":',
];

/** The SDK's local-activity marker (one per local activity): its fields, and the names of the bookkeeping it runs. */
const LOCAL_ACTIVITY_MARKER = [
  '"recordOrder""planShipments""bookPickSlot""changeShippingAddress""recordOrderStage""recordShipmentStage"',
  '"recordTrackingEvents""storeScans""consumeReservations""openEscalation""raiseEscalationSeverity"',
  '"closeEscalation""chooseCarrierQuote""repromiseShipment""announcePromiseChange"',
  '{"seq":,"attempt":1,"activity_id":"","activity_type":"","complete_time":{"seconds":,"nanos":},"backoff":null,',
  '"original_schedule_time":{"seconds":',
];

/** Protobuf of a payload up to its data: metadata `encoding: json/plain`, then the data field's tag. */
const JSON_PAYLOAD_HEADER = '\n\u0016\n\u0008encoding\u0012\njson/plain\u0012';

export const PAYLOAD_DICTIONARY_1: Buffer = Buffer.from(
  [...WORDS, ...FIELD_NAMES, ...LOCAL_ACTIVITY_MARKER, JSON_PAYLOAD_HEADER].join(''),
  'latin1',
);

/** What the tests pin: the dictionary's SHA-256. */
export const dictionaryHash = (dictionary: Uint8Array): string => createHash('sha256').update(dictionary).digest('hex');
