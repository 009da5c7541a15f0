import { z } from 'zod';
import { CarrierCodeSchema } from '../domain/carrier';
import { listEntries } from './forms';

/** ShipEngine's ids: "se-" then lower-case letters and digits in dash-separated groups (se-28529731). */
const SE_ID = /^se(-[a-z0-9]+)+$/;
const WAREHOUSE_CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

function pairs(raw: string): string[][] {
  return listEntries(raw).map((entry) => entry.split('=').map((part) => part.trim()));
}

/**
 * `se-123456=swiftpost,se-654321=ecoroute`: which ShipEngine carrier account (its carrier id) serves
 * which Colis carrier code. A Colis code listed here is served by ShipEngine instead of the simulator.
 */
export const shipEngineCarriersForm = z.string().transform((raw, ctx): Record<string, string> => {
  const byCode: Record<string, string> = {};
  for (const [i, entry] of pairs(raw).entries()) {
    const [carrierId, code, ...rest] = entry;
    const problem =
      rest.length > 0 || !carrierId || !code
        ? `entry ${i + 1} is not <ShipEngine carrier id>=<carrier code>`
        : !SE_ID.test(carrierId)
          ? `"${carrierId}" is not a ShipEngine carrier id such as se-123456`
          : !CarrierCodeSchema.safeParse(code).success
            ? `"${code}" is not a carrier code (lower-case letters, digits, "_")`
            : Object.hasOwn(byCode, code)
              ? `carrier code "${code}" is mapped twice`
              : undefined;
    if (problem !== undefined || !carrierId || !code) {
      ctx.addIssue({ code: 'custom', message: problem ?? `entry ${i + 1} is invalid` });
      return z.NEVER;
    }
    byCode[code] = carrierId;
  }
  if (Object.keys(byCode).length === 0) {
    ctx.addIssue({ code: 'custom', message: 'no carrier in it' });
    return z.NEVER;
  }
  return byCode;
});

/** `PAR1=se-4567,LYO1=se-4568`: the ShipEngine warehouse (ship-from address) of each Colis warehouse. */
export const shipEngineWarehousesForm = z.string().transform((raw, ctx): Record<string, string> => {
  const byWarehouse: Record<string, string> = {};
  for (const [i, entry] of pairs(raw).entries()) {
    const [warehouseCode, warehouseId, ...rest] = entry;
    const problem =
      rest.length > 0 || !warehouseCode || !warehouseId
        ? `entry ${i + 1} is not <warehouse code>=<ShipEngine warehouse id>`
        : !WAREHOUSE_CODE.test(warehouseCode)
          ? `"${warehouseCode}" is not a warehouse code`
          : !SE_ID.test(warehouseId)
            ? `"${warehouseId}" is not a ShipEngine warehouse id such as se-4567`
            : Object.hasOwn(byWarehouse, warehouseCode)
              ? `warehouse "${warehouseCode}" is mapped twice`
              : undefined;
    if (problem !== undefined || !warehouseCode || !warehouseId) {
      ctx.addIssue({ code: 'custom', message: problem ?? `entry ${i + 1} is invalid` });
      return z.NEVER;
    }
    byWarehouse[warehouseCode] = warehouseId;
  }
  return byWarehouse;
});

/** ShipEngine API keys are printable and long; a shorter value is a paste error. */
export const shipEngineApiKeyForm = z
  .string()
  .min(16, 'shorter than 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'not printable ASCII without spaces');

/** A share of a stall window: above 0 (a poll every instant is no schedule), at most 1 (later than the stall is too late). */
export const stallFraction = z
  .string()
  .regex(/^(0?\.\d+|1(\.0+)?)$/, 'not a number above 0 and at most 1')
  .transform(Number)
  .refine((value) => value > 0 && value <= 1, 'not above 0');
