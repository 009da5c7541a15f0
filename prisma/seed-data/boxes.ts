import type { WarehouseCode } from './warehouses';

/**
 * Each warehouse's box catalogue: inner dimensions in millimetres, the most a box may carry, its
 * own weight and what it costs. Warehouses buy from different suppliers, so their catalogues
 * differ a little in sizes, prices and range. The largest box anywhere is 600×400×400 inner.
 *
 * BoxType.id is `${warehouseCode}-${code}` (e.g. `PAR1-BOX-M`): stable across seeds, so packages
 * that point at a box type keep pointing at it.
 */

export interface BoxTypeSeed {
  id: string;
  warehouseCode: WarehouseCode;
  code: string;
  innerLengthMm: number;
  innerWidthMm: number;
  innerHeightMm: number;
  maxWeightGrams: number;
  tareWeightGrams: number;
  costCents: number;
}

type Row = [
  code: string,
  innerLengthMm: number,
  innerWidthMm: number,
  innerHeightMm: number,
  maxWeightGrams: number,
  tareWeightGrams: number,
  costCents: number,
];

const CATALOGUES: Record<WarehouseCode, readonly Row[]> = {
  PAR1: [
    ['ENV-PAD-S', 220, 160, 20, 500, 15, 35],
    ['ENV-PAD-L', 340, 240, 40, 1000, 30, 55],
    ['MAILER-BOOK', 310, 220, 80, 2000, 120, 60],
    ['TUBE-700', 700, 80, 80, 1000, 110, 90],
    ['BOX-S', 250, 200, 150, 5000, 180, 75],
    ['BOX-CUBE', 300, 300, 300, 15000, 350, 120],
    ['BOX-M', 350, 250, 200, 10000, 300, 110],
    ['BOX-FLAT', 500, 400, 100, 8000, 300, 130],
    ['BOX-L', 450, 350, 300, 20000, 520, 165],
    ['BOX-XL', 600, 400, 400, 30000, 850, 240],
  ],
  LYS1: [
    ['ENV-PAD-L', 340, 240, 40, 1000, 30, 58],
    ['MAILER-BOOK', 310, 220, 80, 2000, 120, 62],
    ['TUBE-700', 700, 80, 80, 1000, 110, 95],
    ['BOX-S', 250, 200, 150, 5000, 180, 79],
    ['BOX-M', 350, 250, 200, 10000, 300, 115],
    ['BOX-L', 450, 350, 300, 20000, 520, 172],
    ['BOX-XL', 600, 400, 400, 30000, 850, 250],
    ['BOX-FLAT', 500, 400, 100, 8000, 300, 135],
  ],
  HAM1: [
    ['ENV-PAD-S', 230, 165, 20, 500, 16, 32],
    ['ENV-PAD-L', 350, 250, 40, 1000, 32, 52],
    ['MAILER-BOOK', 320, 230, 70, 2000, 115, 58],
    ['TUBE-700', 700, 90, 90, 1200, 130, 88],
    ['BOX-S', 260, 210, 140, 5000, 175, 70],
    ['BOX-M', 360, 260, 210, 12000, 310, 105],
    ['BOX-L', 460, 360, 300, 20000, 540, 158],
    ['BOX-XL', 600, 400, 400, 31500, 870, 230],
    ['BOX-FLAT', 520, 400, 100, 8000, 310, 128],
  ],
  MAD1: [
    ['ENV-PAD-S', 220, 160, 20, 500, 15, 30],
    ['ENV-PAD-L', 340, 240, 40, 1000, 30, 50],
    ['MAILER-BOOK', 310, 220, 80, 2000, 120, 55],
    ['TUBE-650', 650, 90, 90, 1000, 120, 85],
    ['BOX-S', 250, 200, 150, 5000, 180, 68],
    ['BOX-M', 350, 250, 200, 10000, 300, 100],
    ['BOX-CUBE', 300, 300, 300, 15000, 350, 110],
    ['BOX-L', 450, 350, 300, 20000, 520, 150],
    ['BOX-XL', 600, 400, 400, 30000, 850, 225],
  ],
};

export const BOX_TYPES: readonly BoxTypeSeed[] = (Object.entries(CATALOGUES) as [WarehouseCode, readonly Row[]][]).flatMap(
  ([warehouseCode, rows]) =>
    rows.map(([code, innerLengthMm, innerWidthMm, innerHeightMm, maxWeightGrams, tareWeightGrams, costCents]) => ({
      id: `${warehouseCode}-${code}`,
      warehouseCode,
      code,
      innerLengthMm,
      innerWidthMm,
      innerHeightMm,
      maxWeightGrams,
      tareWeightGrams,
      costCents,
    })),
);
