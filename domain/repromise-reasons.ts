/**
 * Why a promise moved, as codes and as the customer reads them in each language the mails speak. Pure and
 * tiny: the workflows, the activities and the mail templates share it.
 */

export const REPROMISE_REASONS = [
  'missed_pick_slot',
  'late_scan',
  'not_out_for_delivery',
  'stall',
  'reship',
  'warehouse_down',
  'restock',
  'backordered',
] as const;
export type RepromiseReason = (typeof REPROMISE_REASONS)[number];

export const isRepromiseReason = (value: unknown): value is RepromiseReason =>
  typeof value === 'string' && (REPROMISE_REASONS as readonly string[]).includes(value);

/** Words for the customer's mail and the timeline. */
export const REPROMISE_WORDING: Readonly<Record<RepromiseReason, string>> = {
  missed_pick_slot: 'the warehouse could not prepare the parcel on the planned day',
  late_scan: 'the carrier is behind its schedule',
  not_out_for_delivery: "the parcel did not go out on the carrier's delivery round today",
  stall: 'the carrier has not reported the parcel for a while',
  reship: 'the parcel is being sent again',
  warehouse_down: 'the parcel now leaves from another warehouse',
  restock: 'an item arrives later than planned',
  backordered: 'an item sold out before your order could be prepared and ships when the next delivery arrives',
};

/** The same, for customers who read French. */
export const REPROMISE_WORDING_FR: Readonly<Record<RepromiseReason, string>> = {
  missed_pick_slot: "l'entrepôt n'a pas pu préparer le colis le jour prévu",
  late_scan: 'le transporteur a pris du retard sur son planning',
  not_out_for_delivery: "le colis n'est pas parti en tournée de livraison aujourd'hui",
  stall: "le transporteur n'a pas signalé le colis depuis un moment",
  reship: 'le colis est réexpédié',
  warehouse_down: 'le colis part désormais d’un autre entrepôt',
  restock: 'un article arrive plus tard que prévu',
  backordered: "un article a été épuisé avant la préparation de votre commande et part dès l'arrivée du prochain réassort",
};
