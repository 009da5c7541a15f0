import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ApiError, notFound } from '../../errors';

/**
 * A customer reaches their tracking page with a token instead of a key: the HMAC of the order id
 * under a server secret (COLIS_TRACKING_SECRET, ApiConfig.trackingSecret), so it cannot be guessed
 * for another order and needs no storage. A secret is rotated without breaking the links in mails
 * already sent: the former one moves to COLIS_TRACKING_SECRETS_RETIRED, whose tokens still open the
 * pages while every new link is signed with the current secret.
 */

export function trackingToken(orderId: string, secret: string): string {
  return createHmac('sha256', secret).update(`track:${orderId}`, 'utf8').digest('base64url').slice(0, 32);
}

/** The secrets whose tokens open a page: the current one, then the retired ones. */
export interface TrackingSecrets {
  trackingSecret: string;
  retiredTrackingSecrets: readonly string[];
}

export function validTrackingToken(orderId: string, token: string | undefined, secrets: TrackingSecrets): boolean {
  if (!token) return false;
  const given = Buffer.from(token);
  return [secrets.trackingSecret, ...secrets.retiredTrackingSecrets].some((secret) => {
    const expected = Buffer.from(trackingToken(orderId, secret));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export const trackingPath = (orderId: string, secret: string) =>
  `/track/${encodeURIComponent(orderId)}?t=${trackingToken(orderId, secret)}`;

/** The customer's return label (routes/pages/return-label.ts), linked from the tracking page and the return mail. */
export const returnLabelPath = (orderId: string, returnId: string, token: string) =>
  `/track/${encodeURIComponent(orderId)}/returns/${encodeURIComponent(returnId)}/label?t=${encodeURIComponent(token)}`;

/**
 * The answer to a wrong or missing token: the 404 an unknown order gets, counted as a failed authentication against the
 * client's address (COLIS_AUTH_FAILURES_PER_MINUTE), as a wrong key is, so a client guessing tokens is turned away with
 * 429 once its allowance is spent instead of guessing at the rate of public pages.
 */
export function wrongToken(app: FastifyInstance, request: FastifyRequest, what: string): ApiError {
  app.failedAuthentication(request);
  return notFound(what);
}
