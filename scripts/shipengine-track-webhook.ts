import { ShipEngineHttp } from '../activities/carriers/shipengine/http';
import { subscribeTrackWebhook } from '../activities/carriers/shipengine/track-subscription';
import { loadConfig } from '../config';

/**
 * `npm run shipengine:track-webhook -- https://colis.example.com`: points the ShipEngine account's
 * `track` webhook at this Colis API's `/carriers/shipengine/track` (kept if it already does).
 */

const base = process.argv[2];
const config = loadConfig(process.env);
if (!base || !/^https?:\/\//.test(base) || !config.COLIS_SHIPENGINE_API_KEY) {
  process.stderr.write('usage: COLIS_SHIPENGINE_API_KEY=… npm run shipengine:track-webhook -- <public URL of the Colis API>\n');
  process.exit(2);
}
const http = new ShipEngineHttp({
  apiUrl: config.COLIS_SHIPENGINE_API_URL,
  apiKey: config.COLIS_SHIPENGINE_API_KEY,
  timeoutMs: config.COLIS_SHIPENGINE_TIMEOUT_MS,
});
const url = `${base.replace(/\/+$/, '')}/carriers/shipengine/track`;
const result = await subscribeTrackWebhook(http, url);
process.stdout.write(`ShipEngine track webhook ${result.action} (${result.webhookId}): ${url}\n`);
