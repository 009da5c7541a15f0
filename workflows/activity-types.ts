/**
 * The activities' interfaces as the workflows see them: types only (erased from the bundle), so workflow
 * code never imports an activity module itself. This is the one place that reaches into activities/.
 */
// biome-ignore lint/style/noRestrictedImports: type-only import of the activity interfaces for proxyActivities; erased at bundling
import type { CarrierQueueActivities, NotifyQueueActivities, OrderQueueActivities, WarehouseQueueActivities } from '../activities';

export type { CarrierQueueActivities, NotifyQueueActivities, OrderQueueActivities, WarehouseQueueActivities };

type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type StageRecord = Parameters<OrderQueueActivities['recordStages']>[0]['stages'][number];
export type BookedLabel = Result<CarrierQueueActivities['purchaseLabel']>;
export type PackedShipment = Result<WarehouseQueueActivities['packParcels']>;
export type RateShop = Result<CarrierQueueActivities['quoteAllCarriers']>;
export type PlannedShipment = Result<OrderQueueActivities['planShipments']>[number];
export type PlannedPickSlot = NonNullable<PlannedShipment['pickSlot']>;
export type ReplacementPlan = Result<OrderQueueActivities['reserveReplacement']>;
export type StoreScansRequest = Parameters<OrderQueueActivities['storeScans']>[0];
export type StoredScans = Result<OrderQueueActivities['storeScans']>;
export type RepromiseAnswer = Result<OrderQueueActivities['repromiseShipment']>;
export type RepromiseRequest = Parameters<OrderQueueActivities['repromiseShipment']>[0];
export type BackorderPromise = Result<OrderQueueActivities['repromiseBackorder']>;
/** A journey's first step answering for a shipment that has ended already (a reset run): activities/ended-shipment.ts. */
export type AlreadyEnded = Extract<Result<OrderQueueActivities['bookPickSlot']>, { alreadyEnded: unknown }>;
export type EndedShipment = AlreadyEnded['alreadyEnded'];
/** A journey's first step answering for a shipment labelled before this run (a reset run): activities/labelled-shipment.ts. */
export type AlreadyLabelled = Extract<Result<OrderQueueActivities['bookPickSlot']>, { alreadyLabelled: unknown }>;
export type LabelledShipment = AlreadyLabelled['alreadyLabelled'];
export type LabelTracking = Result<CarrierQueueActivities['labelTracking']>;
