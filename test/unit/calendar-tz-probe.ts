import { pathToFileURL } from 'node:url';
import { publicHolidays } from '../../domain/calendar';
import { computePromise } from '../../domain/promise-engine';
import { network, SERVICES, situation, stock, WAREHOUSES } from './network-fixture';

/**
 * Dates the calendar gives, as one text: holidays of a few places and promises for orders around clock changes and year
 * ends. test/unit/calendar-properties.test.ts runs it under other TZ settings of the machine and wants the same text.
 */
export function calendarDigest(): string {
  const lines: string[] = [];
  const places = [
    { countryCode: 'FR' },
    { countryCode: 'RO' },
    { countryCode: 'US', region: 'HI' },
    { countryCode: 'FR', postalCode: '98714' },
  ];
  for (const place of places) for (const year of [2026, 2027]) lines.push([...publicHolidays(place, year)].join(','));
  const services = SERVICES.map((s) => ({ ...s, destinationCountries: ['FR', 'US', 'ES'] }));
  const destinations = [
    { countryCode: 'FR', postalCode: '69002' },
    { countryCode: 'US', postalCode: '96813', region: 'HI' },
    { countryCode: 'FR', postalCode: '98800' },
    { countryCode: 'ES', postalCode: '38001' },
  ];
  const starts = ['2026-03-27T00:00:00Z', '2026-10-23T00:00:00Z', '2026-12-30T00:00:00Z'].map(Date.parse);
  for (const start of starts)
    for (let hour = 0; hour < 96; hour += 5)
      for (const destination of destinations) {
        const nowMs = start + hour * 3_600_000;
        const promise = computePromise(
          situation({ nowMs, destination, stock: stock({ PAR1: { MUG: 9 } }) }),
          network({ warehouses: WAREHOUSES, services }),
        );
        lines.push(`${nowMs} ${new Date(promise.deliverByMs).toISOString()} ${new Date(promise.shipByMs).toISOString()}`);
      }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(calendarDigest());
