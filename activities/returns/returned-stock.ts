import type { Tx } from '../inventory';
import type { ReturnRow } from './return-rows';

/**
 * Every returned unit is counted in at the warehouse (`return_receipt`); the damaged ones are then
 * written off (`write_off`), so the ledger shows both what came back and what was lost. Keys per
 * return and line make a retry add nothing.
 */
export async function moveReturnedStock(
  tx: Tx,
  row: ReturnRow,
  outcome: readonly { line: { lineNo: number; skuCode: string; quantity: number }; restocked: number; writtenOff: number }[],
): Promise<void> {
  const sorted = [...outcome].sort((a, b) => (a.line.skuCode < b.line.skuCode ? -1 : a.line.skuCode > b.line.skuCode ? 1 : 0));
  for (const { line, restocked, writtenOff } of sorted) {
    const received = restocked + writtenOff;
    if (received === 0) continue;
    const key = `return:${row.id}:${line.lineNo}`;
    const { count } = await tx.inventoryMovement.createMany({
      data: [
        {
          warehouseCode: row.warehouseCode,
          skuCode: line.skuCode,
          kind: 'return_receipt',
          onHandDelta: received,
          reservedDelta: 0,
          orderId: row.orderId,
          idempotencyKey: `${key}:receipt`,
          note: `return ${row.id}`,
        },
        ...(writtenOff > 0
          ? [
              {
                warehouseCode: row.warehouseCode,
                skuCode: line.skuCode,
                kind: 'write_off' as const,
                onHandDelta: -writtenOff,
                reservedDelta: 0,
                orderId: row.orderId,
                idempotencyKey: `${key}:write_off`,
                note: `return ${row.id}: damaged`,
              },
            ]
          : []),
      ],
      skipDuplicates: true,
    });
    if (count === 0 || restocked === 0) continue;
    await tx.$executeRaw`
      INSERT INTO "InventoryLevel" ("warehouseCode", "skuCode", "onHand", "reserved", "updatedAt")
      VALUES (${row.warehouseCode}, ${line.skuCode}, ${restocked}, 0, now())
      ON CONFLICT ("warehouseCode", "skuCode")
      DO UPDATE SET "onHand" = "InventoryLevel"."onHand" + EXCLUDED."onHand", "updatedAt" = now()`;
  }
}
