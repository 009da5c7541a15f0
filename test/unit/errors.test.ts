import { describe, expect, it } from 'vitest';
import {
  DOMAIN_ERROR_TYPES,
  DomainError,
  NON_RETRYABLE_ERROR_TYPES,
  domainError,
  isDomainError,
  isDomainErrorType,
  type DomainErrorValue,
} from '../../domain/errors';

describe('domain errors', () => {
  it('a thrown DomainError carries its type and details and round-trips to a value', () => {
    const value = domainError('OutOfStock', 'MUG is short by 2', { shortages: [{ lineId: 'l1', skuCode: 'MUG', missing: 2 }] });
    const error = DomainError.fromValue(value);

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('OutOfStock');
    expect(error.type).toBe('OutOfStock');
    expect(error.details.shortages[0]?.missing).toBe(2);
    expect(error.toValue()).toEqual(value);
    expect(isDomainError(error)).toBe(true);
    expect(isDomainError(new Error('boom'))).toBe(false);
  });

  it('the union narrows details by type', () => {
    const describe = (error: DomainErrorValue): string => {
      switch (error.type) {
        case 'OutOfStock':
          return error.details.shortages.map((s) => s.skuCode).join(',');
        case 'UnknownSku':
          return error.details.skuCodes.join(',');
        case 'InvalidAddress':
          return error.details.reason;
        case 'NoServiceAvailable':
          return error.details.carriersAsked?.join(',') ?? '';
        case 'OrderStateConflict':
          return `${error.details.state}->${error.details.attempted}`;
        case 'EscalationNotOpen':
          return `${error.details.escalationId}@${error.details.owner}`;
        case 'NoPickSlot':
          return `${error.details.warehouseCode}+${error.details.horizonDays}d`;
        case 'WarehouseDown':
          return `${error.details.warehouseCode}->${error.details.movedTo ?? '?'}`;
      }
    };
    expect(describe(domainError('UnknownSku', 'unknown SKUs', { skuCodes: ['NOPE'] }))).toBe('NOPE');
    expect(describe(domainError('OrderStateConflict', 'too late', { orderId: 'o1', state: 'completed', attempted: 'cancel' }))).toBe(
      'completed->cancel',
    );
  });

  it('every domain error type is non-retryable and recognised by name', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).toEqual(DOMAIN_ERROR_TYPES);
    expect(DOMAIN_ERROR_TYPES.every(isDomainErrorType)).toBe(true);
    expect(isDomainErrorType('TimeoutFailure')).toBe(false);
  });
});
