/**
 * The product catalogue. Dimensions are the item as it leaves the shelf (retail packaging
 * included), in millimetres; weights in grams; prices in euro cents.
 */

export interface SkuSeed {
  code: string;
  name: string;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  unitPriceCents: number;
  currency: 'EUR';
}

type Row = [code: string, name: string, weightGrams: number, lengthMm: number, widthMm: number, heightMm: number, unitPriceCents: number];

const ROWS: readonly Row[] = [
  // Small and light: envelopes and mailers.
  ['GIFT-CARD-50', 'Gift card €50 in sleeve', 20, 150, 100, 5, 5000],
  ['PHONE-CASE-P14', 'Recycled phone case, 6.1"', 60, 180, 100, 20, 1990],
  ['USB-C-CABLE-2M', 'Braided USB-C cable 2 m', 90, 160, 90, 25, 1490],
  ['TSHIRT-ORG-S', 'Organic cotton T-shirt, S', 160, 280, 200, 20, 1990],
  ['TSHIRT-ORG-M', 'Organic cotton T-shirt, M', 175, 290, 210, 20, 1990],
  ['TSHIRT-ORG-L', 'Organic cotton T-shirt, L', 195, 300, 220, 25, 1990],
  ['SOCKS-WOOL-3P', 'Merino socks, 3 pairs', 180, 200, 120, 40, 1590],
  ['BOOK-PB-POCKET', 'Paperback, pocket format', 180, 178, 110, 20, 890],
  ['BOOK-HB-NOVEL', 'Hardback novel', 620, 240, 160, 35, 2290],
  ['BOOK-COOK-XL', 'Large-format cookbook', 1650, 290, 250, 40, 3990],
  ['TEA-GREEN-100G', 'Sencha green tea, 100 g tin', 130, 120, 80, 80, 990],
  ['WATCH-STEEL-40', 'Steel automatic watch, 40 mm', 240, 100, 100, 80, 24900],
  ['POSTER-A2-ROLLED', 'Art print A2, rolled in a tube', 180, 620, 70, 70, 2490],
  // Boxed goods, a few hundred grams to a few kilograms.
  ['MUG-CER-350', 'Ceramic mug 350 ml', 380, 120, 90, 100, 1290],
  ['MUG-TRAVEL-450', 'Insulated travel mug 450 ml', 320, 210, 85, 85, 2490],
  ['CANDLE-SOY-200', 'Soy candle 200 g', 420, 90, 90, 110, 1890],
  ['SPEAKER-BT-MINI', 'Mini Bluetooth speaker', 550, 180, 80, 80, 7990],
  ['HEADPHONES-BT-ANC', 'Noise-cancelling headphones', 640, 230, 200, 95, 19900],
  ['HOODIE-MERINO-M', 'Merino hoodie, M', 520, 340, 280, 60, 8900],
  ['SNEAKER-RUN-42', 'Running shoes, EU 42', 850, 330, 210, 120, 11900],
  ['KNIFE-CHEF-20', 'Chef knife 20 cm, gift box', 260, 350, 80, 30, 7900],
  ['TOY-PLUSH-BEAR', 'Plush bear 30 cm', 350, 300, 200, 150, 2490],
  ['COFFEE-BEANS-1KG', 'Espresso beans 1 kg', 1020, 260, 140, 80, 2490],
  ['FRAME-OAK-30X40', 'Oak picture frame 30×40', 1100, 420, 320, 30, 3490],
  ['VASE-GLASS-30', 'Mouth-blown glass vase 30 cm', 1200, 320, 150, 150, 3990],
  ['KETTLE-17L', 'Electric kettle 1.7 l', 1350, 270, 250, 190, 4990],
  ['PAN-STEEL-28', 'Stainless frying pan 28 cm', 1450, 520, 300, 70, 5490],
  ['LAMP-DESK-LED', 'LED desk lamp', 1600, 450, 180, 140, 5990],
  ['GAME-BOARD-FAMILY', 'Family board game', 1800, 400, 270, 80, 3990],
  ['BACKPACK-25L', 'Daypack 25 l', 900, 480, 300, 120, 7990],
  ['CUTTING-BOARD-OAK', 'Oak cutting board 45 cm', 2100, 450, 300, 30, 5990],
  ['PLANT-POT-CER-20', 'Ceramic plant pot 20 cm', 2300, 220, 220, 200, 2990],
  // Heavy.
  ['DUMBBELL-5KG', 'Neoprene dumbbell 5 kg', 5000, 260, 110, 110, 2990],
  ['POT-CASTIRON-6L', 'Cast-iron casserole 6 l', 12000, 380, 310, 210, 18900],
  // Too large for any box: they ship in their own packaging.
  ['RUG-ROLL-120X170', 'Wool rug 120×170, rolled', 5200, 1250, 220, 220, 12900],
  ['LAMP-FLOOR-190', 'Floor lamp 1.9 m, flat-packed', 7800, 1300, 260, 180, 14900],
  ['BIKE-CITY-28', 'City bicycle 28", in its box', 17500, 1450, 780, 220, 59900],
];

export const SKUS: readonly SkuSeed[] = ROWS.map(([code, name, weightGrams, lengthMm, widthMm, heightMm, unitPriceCents]) => ({
  code,
  name,
  weightGrams,
  lengthMm,
  widthMm,
  heightMm,
  unitPriceCents,
  currency: 'EUR',
}));

/**
 * The SKUs that fit no box of any warehouse (test/integration/seed.test.ts proves it against
 * boxes.ts): cartonization must ship them as they are (Package.boxTypeId null). All stay within
 * every carrier's 30 kg / 1.5 m parcel limit.
 */
export const OVERSIZE_SKU_CODES: readonly string[] = ['RUG-ROLL-120X170', 'LAMP-FLOOR-190', 'BIKE-CITY-28'];
