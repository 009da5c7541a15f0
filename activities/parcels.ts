import type { Parcel } from '../domain/carrier';
import type { PlannedPackage } from '../domain/cartonization/shapes';

/** A package as the carriers rate and label it (a package never weighs less than a gram to them). */
export function toParcel(p: Pick<PlannedPackage, 'lengthMm' | 'widthMm' | 'heightMm' | 'weightGrams'>): Parcel {
  return { lengthMm: p.lengthMm, widthMm: p.widthMm, heightMm: p.heightMm, weightGrams: Math.max(1, p.weightGrams) };
}
