import type { WarehouseCode } from './warehouses';

/**
 * Opening stock per warehouse and SKU, chosen so that the journey's harder paths happen with the
 * seed alone:
 * - most SKUs sit in one to three warehouses, so allocation has to prefer one warehouse or split;
 * - `KETTLE-17L` is 0 at PAR1 and 4 at LYS1, `POT-CASTIRON-6L` 3 at LYS1 only, `WATCH-STEEL-40` 1 at
 *   PAR1 only, `BIKE-CITY-28` 2 at HAM1 only: a few orders exhaust them (backorder, ship available);
 * - `HEADPHONES-BT-ANC` has rows at 0 in PAR1 and HAM1 (sold out) and `SPEAKER-BT-MINI` has no row
 *   anywhere (not yet received): orders for either can only backorder.
 * A warehouse missing from a row holds no InventoryLevel for that SKU.
 */

export interface StockSeed {
  warehouseCode: WarehouseCode;
  skuCode: string;
  onHand: number;
}

const STOCK: Readonly<Record<string, Partial<Record<WarehouseCode, number>>>> = {
  'GIFT-CARD-50': { PAR1: 500, LYS1: 200, HAM1: 200, MAD1: 150 },
  'PHONE-CASE-P14': { PAR1: 320, HAM1: 140 },
  'USB-C-CABLE-2M': { PAR1: 600, LYS1: 180, MAD1: 90 },
  'TSHIRT-ORG-S': { PAR1: 140, LYS1: 60 },
  'TSHIRT-ORG-M': { PAR1: 220, LYS1: 90, HAM1: 80 },
  'TSHIRT-ORG-L': { PAR1: 160, HAM1: 12 },
  'SOCKS-WOOL-3P': { HAM1: 240, PAR1: 75 },
  'BOOK-PB-POCKET': { PAR1: 800, LYS1: 300 },
  'BOOK-HB-NOVEL': { PAR1: 260, LYS1: 40, MAD1: 25 },
  'BOOK-COOK-XL': { LYS1: 35 },
  'TEA-GREEN-100G': { HAM1: 180, MAD1: 30 },
  'WATCH-STEEL-40': { PAR1: 1 },
  'POSTER-A2-ROLLED': { PAR1: 45, MAD1: 8 },
  'MUG-CER-350': { PAR1: 420, LYS1: 150, HAM1: 200 },
  'MUG-TRAVEL-450': { HAM1: 95, MAD1: 40 },
  'CANDLE-SOY-200': { PAR1: 130, LYS1: 70 },
  'HEADPHONES-BT-ANC': { PAR1: 0, HAM1: 0 },
  'HOODIE-MERINO-M': { HAM1: 55, PAR1: 6 },
  'SNEAKER-RUN-42': { PAR1: 48, MAD1: 20 },
  'KNIFE-CHEF-20': { LYS1: 26, HAM1: 14 },
  'TOY-PLUSH-BEAR': { PAR1: 180, LYS1: 60, MAD1: 60 },
  'COFFEE-BEANS-1KG': { LYS1: 210, HAM1: 160, MAD1: 120 },
  'FRAME-OAK-30X40': { PAR1: 38 },
  'VASE-GLASS-30': { PAR1: 22, LYS1: 9 },
  'KETTLE-17L': { PAR1: 0, LYS1: 4 },
  'PAN-STEEL-28': { LYS1: 64, HAM1: 30 },
  'LAMP-DESK-LED': { PAR1: 41, HAM1: 17 },
  'GAME-BOARD-FAMILY': { PAR1: 75, MAD1: 35 },
  'BACKPACK-25L': { HAM1: 48, LYS1: 15 },
  'CUTTING-BOARD-OAK': { LYS1: 33 },
  'PLANT-POT-CER-20': { PAR1: 27, MAD1: 0 },
  'DUMBBELL-5KG': { HAM1: 60, MAD1: 24 },
  'POT-CASTIRON-6L': { LYS1: 3 },
  'RUG-ROLL-120X170': { PAR1: 12 },
  'LAMP-FLOOR-190': { PAR1: 7, HAM1: 5 },
  'BIKE-CITY-28': { HAM1: 2 },
};

export const STOCK_LEVELS: readonly StockSeed[] = Object.entries(STOCK).flatMap(([skuCode, perWarehouse]) =>
  (Object.entries(perWarehouse) as [WarehouseCode, number][]).map(([warehouseCode, onHand]) => ({ warehouseCode, skuCode, onHand })),
);

/** The ledger entry that accounts for a seeded stock level; the key makes it idempotent. */
export function receiptIdempotencyKey(level: { warehouseCode: string; skuCode: string }): string {
  return `seed:receipt:${level.warehouseCode}:${level.skuCode}`;
}

export interface InboundSeed {
  reference: string;
  warehouseCode: WarehouseCode;
  skuCode: string;
  quantity: number;
  /** Days after the first seed the goods are expected (business days of a demo pass in minutes). */
  expectedInDays: number;
}

/** `SPEAKER-BT-MINI` has no stock anywhere but a delivery on its way to HAM1: a backorder with a date. */
export const INBOUND_STOCK: readonly InboundSeed[] = [
  { reference: 'seed:asn:HAM1:SPEAKER-BT-MINI', warehouseCode: 'HAM1', skuCode: 'SPEAKER-BT-MINI', quantity: 40, expectedInDays: 3 },
];
