import type { Address } from './order';

/**
 * Two addresses that print the same label: every field alike, an empty optional field as good as none. A change of
 * address to the one a parcel already has would void its label and buy another for nothing (the API answers it as is; the
 * order's update validator refuses it from the CLI or the Web UI).
 */
export function sameAddress(a: Address | undefined, b: Address): boolean {
  // A view without an address (an order of an older release) is never "the same": the update decides, as before.
  if (a === undefined || a === null) return false;
  const fields = ['name', 'line1', 'line2', 'city', 'region', 'postalCode', 'countryCode', 'phone'] as const;
  return fields.every((field) => (a[field] ?? '') === (b[field] ?? ''));
}
