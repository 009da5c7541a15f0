import { randomUUID } from 'node:crypto';
import { loadConfigOrExit } from '../config/process';
import type { OrderRequest } from '../domain/order';

/**
 * `npm run demo`: places a batch of orders through the HTTP API of a running `npm start`, so the
 * Web UI fills with journeys at every stage: one-parcel and split orders, a backorder, express and
 * economy, and parcels the carrier simulator is told (by a tag in the recipient's name) to stall,
 * lose, return or deliver late, which escalate to ops.
 * Configured by COLIS_API_URL, COLIS_INTAKE_KEY and DEMO_ORDERS (config/variables.ts).
 */

// The demo is configured by variables only: `npm run demo -- --orders=5` placed 24 orders, the argument unread.
const demoArguments = process.argv.slice(2);
if (demoArguments.length > 0) {
  console.error(
    `demo: takes no arguments (got ${JSON.stringify(demoArguments[0]?.slice(0, 80))}); set DEMO_ORDERS, COLIS_API_URL or COLIS_INTAKE_KEY instead, e.g. DEMO_ORDERS=5 npm run demo`,
  );
  process.exit(2);
}
const config = loadConfigOrExit(process.env, 'demo');
const apiUrl = config.COLIS_API_URL;
const intakeKey = config.COLIS_INTAKE_KEY;
const count = config.DEMO_ORDERS;

const CITIES = [
  { city: 'Lyon', postalCode: '69002', countryCode: 'FR', line1: '12 rue de la République' },
  { city: 'Bordeaux', postalCode: '33000', countryCode: 'FR', line1: '4 cours de l’Intendance' },
  { city: 'Lille', postalCode: '59000', countryCode: 'FR', line1: '18 rue Faidherbe' },
  { city: 'Berlin', postalCode: '10115', countryCode: 'DE', line1: 'Invalidenstraße 43' },
  { city: 'Madrid', postalCode: '28013', countryCode: 'ES', line1: 'Calle Mayor 5' },
  { city: 'Nantes', postalCode: '44000', countryCode: 'FR', line1: '2 quai de la Fosse' },
];
/** Each demo customer lives at one place, so their mails are all in one language (French in France, English elsewhere). */
const CUSTOMERS = [
  { name: 'Camille Martin', home: 0 },
  { name: 'Lucas Bernard', home: 1 },
  { name: 'Emma Schmidt', home: 3 },
  { name: 'Hugo Dubois', home: 2 },
  { name: 'Lucía García', home: 4 },
  { name: 'Léa Laurent', home: 5 },
  { name: 'Noah Weber', home: 3 },
];

type Recipe = {
  lines: OrderRequest['lines'];
  serviceLevel?: OrderRequest['serviceLevel'];
  scenario?: string;
  backorderPolicy?: OrderRequest['backorderPolicy'];
};

const RECIPES: Recipe[] = [
  { lines: [{ sku: 'MUG-CER-350', quantity: 2 }] },
  {
    lines: [
      { sku: 'TSHIRT-ORG-M', quantity: 1 },
      { sku: 'SOCKS-WOOL-3P', quantity: 2 },
    ],
    serviceLevel: 'express',
  },
  {
    lines: [
      { sku: 'BOOK-COOK-XL', quantity: 1 },
      { sku: 'TEA-GREEN-100G', quantity: 3 },
    ],
  }, // two warehouses
  { lines: [{ sku: 'RUG-ROLL-120X170', quantity: 1 }], serviceLevel: 'economy' }, // ships in its own packaging
  { lines: [{ sku: 'BOOK-PB-POCKET', quantity: 3 }], scenario: 'stall' },
  { lines: [{ sku: 'CANDLE-SOY-200', quantity: 2 }], scenario: 'exception_then_delivered' },
  { lines: [{ sku: 'GAME-BOARD-FAMILY', quantity: 1 }], scenario: 'lost' },
  { lines: [{ sku: 'LAMP-DESK-LED', quantity: 1 }], scenario: 'return_to_sender' },
  { lines: [{ sku: 'HEADPHONES-BT-ANC', quantity: 1 }], backorderPolicy: 'backorder' }, // sold out: backorder
  {
    lines: [
      { sku: 'COFFEE-BEANS-1KG', quantity: 2 },
      { sku: 'PAN-STEEL-28', quantity: 1 },
    ],
    scenario: 'duplicate_events',
  },
  { lines: [{ sku: 'PHONE-CASE-P14', quantity: 1 }], serviceLevel: 'express', scenario: 'late' },
  {
    lines: [
      { sku: 'KETTLE-17L', quantity: 1 },
      { sku: 'MUG-CER-350', quantity: 4 },
    ],
    scenario: 'out_of_order',
  },
];

/** Places demo order `i`; true when the API accepted it. */
async function placeOrder(i: number): Promise<boolean> {
  const recipe = RECIPES[i % RECIPES.length]!;
  const who = i % CUSTOMERS.length;
  const { name, home } = CUSTOMERS[who]!;
  const place = CITIES[home]!;
  const body = {
    customer: {
      id: `CUST-${1000 + who}`,
      name,
      email: `${name
        .split(' ')[0]!
        .normalize('NFD')
        .replace(/[^A-Za-z]/g, '')
        .toLowerCase()}@example.com`,
    },
    shipTo: { name: recipe.scenario ? `${name} [scenario:${recipe.scenario}]` : name, ...place },
    lines: recipe.lines,
    serviceLevel: recipe.serviceLevel ?? 'standard',
    backorderPolicy: recipe.backorderPolicy ?? 'ship_available',
    source: 'demo',
  };
  const response = await fetch(`${apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': intakeKey, 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as {
    orderId?: string;
    webUiUrl?: string;
    trackingUrl?: string;
    error?: { message: string; details?: { path: string; message: string }[] };
  };
  // The key itself refused: every other order would be too, so the demo stops at the first, saying what to fix.
  if (response.status === 401 || response.status === 403) {
    console.error(
      `the API at ${apiUrl} refused the intake key (HTTP ${response.status}: ${answer.error?.message ?? ''}); ` +
        'set COLIS_INTAKE_KEY to an intake key of this API (`npm start` prints them)',
    );
    process.exit(1);
  }
  if (!response.ok) {
    const details = answer.error?.details?.map((d) => `${d.path}: ${d.message}`).join('; ') ?? '';
    console.log(`order ${i + 1}: HTTP ${response.status} ${answer.error?.message ?? ''} ${details}`);
    return false;
  }
  const tag = recipe.scenario ? ` [${recipe.scenario}]` : recipe.backorderPolicy === 'backorder' ? ' [backorder]' : '';
  console.log(
    `order ${i + 1}: ${answer.orderId}${tag} → ${answer.webUiUrl ?? ''}\n  customer's tracking page (returns): ${answer.trackingUrl ? new URL(answer.trackingUrl, apiUrl).href : ''}`,
  );
  return true;
}

async function main(): Promise<void> {
  const health = await fetch(`${apiUrl}/healthz`).catch(() => undefined);
  if (!health?.ok) {
    console.error(`no Colis API at ${apiUrl}: start it first with \`npm start\``);
    process.exit(1);
  }
  await nameTheDemoShop();
  let placed = 0;
  for (let i = 0; i < count; i += 1) if (await placeOrder(i)) placed += 1;
  console.log(
    `\n${placed} of ${count} demo orders placed. Watch them in the Temporal Web UI; escalations: GET ${apiUrl}/escalations (ops key); ` +
      "customers' mails (French to France, English elsewhere) in the mail inbox `npm start` printed.",
  );
}

/** The name customers read on their mails: the demo's intake key (the dev key, `dev-intake`) names its own shop. */
async function nameTheDemoShop(): Promise<void> {
  const keyName = 'dev-intake';
  const response = await fetch(`${apiUrl}/shops/${keyName}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-api-key': intakeKey },
    body: JSON.stringify({ displayName: 'Maison Colis (démo)' }),
  });
  if (!response.ok) console.log(`the demo shop keeps its key's name (PATCH /shops/${keyName} answered ${response.status})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
