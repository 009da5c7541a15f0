import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../../activities/db';
import type { AddressCorrection } from '../../domain/api';
import type { AddressField } from '../../domain/carrier';
import type { Address } from '../../domain/order';
import { ApiError } from '../errors';

/**
 * The carrier's word on a delivery address, before anything is reserved (intake) or re-booked (an
 * address change): undeliverable is a 400 naming the field; a correction is accepted, the order
 * ships to the corrected address and the correction is recorded for the order view. Logs name the
 * verdict only, never the address.
 */

export interface CheckedAddress {
  address: Address;
  correction?: { fields: AddressField[]; original: Address; corrected: Address; validator: string };
}

export async function checkDeliveryAddress(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  address: Address,
  at: string,
): Promise<CheckedAddress> {
  const verdict = await app.addressValidator.validate(address);
  log.info({ validator: app.addressValidator.name, verdict: verdict.kind }, 'address check');
  switch (verdict.kind) {
    case 'undeliverable':
      throw new ApiError(400, 'validation_failed', `the carrier cannot deliver to this address: ${verdict.reason}`, [
        { path: `${at}.${verdict.field}`, message: verdict.reason },
      ]);
    case 'corrected':
      return {
        address: verdict.address,
        correction: { fields: verdict.fields, original: address, corrected: verdict.address, validator: app.addressValidator.name },
      };
    default:
      return { address };
  }
}

/** Idempotent by id: a retried request records its correction once. */
export async function recordCorrection(
  db: Db,
  orderId: string,
  id: string,
  occasion: AddressCorrection['occasion'],
  correction: NonNullable<CheckedAddress['correction']>,
): Promise<void> {
  await db.addressCorrection.createMany({
    data: [
      {
        id,
        orderId,
        occasion,
        validator: correction.validator,
        fields: correction.fields,
        original: correction.original as unknown as Prisma.InputJsonValue,
        corrected: correction.corrected as unknown as Prisma.InputJsonValue,
      },
    ],
    skipDuplicates: true,
  });
}

export async function correctionsOf(db: Db, orderId: string): Promise<AddressCorrection[]> {
  const rows = await db.addressCorrection.findMany({ where: { orderId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({
    at: row.createdAt.toISOString(),
    occasion: row.occasion as AddressCorrection['occasion'],
    validator: row.validator,
    fields: row.fields as AddressField[],
    original: row.original as unknown as Address,
    corrected: row.corrected as unknown as Address,
  }));
}
