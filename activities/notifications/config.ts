import { DEV_TRACKING_SECRET } from '../../api/config';
import { returnLabelPath, trackingPath, trackingToken } from '../../api/routes/pages/tracking-token';
import type { Config } from '../../config';
import type { MailSettings } from './mail-relay';
import type { WebhookSettings } from './webhook-relay';

/**
 * The notify side's settings, from the parsed configuration (config/variables.ts): COLIS_SMTP_URL,
 * COLIS_MAIL_FROM, COLIS_PUBLIC_URL (links in mails; default the local API), COLIS_TRACKING_SECRET,
 * COLIS_SHOP_WEBHOOK_URL + COLIS_SHOP_WEBHOOK_SECRET, COLIS_WEBHOOK_TIMEOUT_MS.
 */

export interface NotifyConfig {
  mail: MailSettings;
  webhooks: WebhookSettings;
  /** The COLIS_SHOP_WEBHOOK_* subscription, when configured. */
  envSubscription?: { url: string; secret: string };
}

type NotifyVariables = Pick<
  Config,
  | 'NODE_ENV'
  | 'COLIS_SMTP_URL'
  | 'COLIS_MAIL_FROM'
  | 'COLIS_PUBLIC_URL'
  | 'COLIS_API_PORT'
  | 'COLIS_TRACKING_SECRET'
  | 'COLIS_SHOP_WEBHOOK_URL'
  | 'COLIS_SHOP_WEBHOOK_SECRET'
  | 'COLIS_WEBHOOK_TIMEOUT_MS'
>;

export function notifyConfigFrom(config: NotifyVariables): NotifyConfig {
  const publicUrl = config.COLIS_PUBLIC_URL ?? `http://127.0.0.1:${config.COLIS_API_PORT || 3000}`;
  const secret = config.COLIS_TRACKING_SECRET ?? DEV_TRACKING_SECRET;
  const url = config.COLIS_SHOP_WEBHOOK_URL;
  const webhookSecret = config.COLIS_SHOP_WEBHOOK_SECRET;
  return {
    mail: {
      smtpUrl: config.COLIS_SMTP_URL,
      fromAddress: config.COLIS_MAIL_FROM,
      publicUrl,
      trackingUrl: (orderId) => `${publicUrl}${trackingPath(orderId, secret)}`,
      returnLabelUrl: (orderId, returnId) => `${publicUrl}${returnLabelPath(orderId, returnId, trackingToken(orderId, secret))}`,
    },
    webhooks: { allowPrivateUrls: config.NODE_ENV !== 'production', timeoutMs: config.COLIS_WEBHOOK_TIMEOUT_MS },
    ...(url && webhookSecret ? { envSubscription: { url, secret: webhookSecret } } : {}),
  };
}
