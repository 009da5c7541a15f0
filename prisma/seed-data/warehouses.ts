/**
 * The fulfilment network. Cut-off is local wall-clock time in the warehouse's own time zone: work
 * picked after it ships the next working day. Capacity is shipments given a pick slot per day.
 */

export const WAREHOUSE_CODES = ['PAR1', 'LYS1', 'HAM1', 'MAD1'] as const;
export type WarehouseCode = (typeof WAREHOUSE_CODES)[number];

export interface WarehouseSeed {
  code: WarehouseCode;
  name: string;
  region: string;
  city: string;
  postalCode: string;
  countryCode: string;
  timeZone: string;
  cutoffLocalTime: string;
  dailyCapacityShipments: number;
  /** Pick and pack time before the carrier collects. */
  packingMinutes: number;
  /** date-holidays subdivision where public holidays differ by region. */
  holidayRegion: string | null;
}

export const WAREHOUSES: readonly WarehouseSeed[] = [
  {
    code: 'PAR1',
    name: 'Paris-Gonesse',
    region: 'Île-de-France',
    city: 'Gonesse',
    postalCode: '95500',
    countryCode: 'FR',
    timeZone: 'Europe/Paris',
    cutoffLocalTime: '15:00',
    dailyCapacityShipments: 400,
    packingMinutes: 120,
    holidayRegion: null,
  },
  {
    code: 'LYS1',
    name: 'Lyon-Saint-Exupéry',
    region: 'Auvergne-Rhône-Alpes',
    city: 'Colombier-Saugnieu',
    postalCode: '69124',
    countryCode: 'FR',
    timeZone: 'Europe/Paris',
    cutoffLocalTime: '14:00',
    dailyCapacityShipments: 250,
    packingMinutes: 120,
    holidayRegion: null,
  },
  {
    code: 'HAM1',
    name: 'Hamburg-Altenwerder',
    region: 'Hamburg',
    city: 'Hamburg',
    postalCode: '21129',
    countryCode: 'DE',
    timeZone: 'Europe/Berlin',
    cutoffLocalTime: '16:00',
    dailyCapacityShipments: 300,
    packingMinutes: 120,
    holidayRegion: 'HH',
  },
  {
    code: 'MAD1',
    name: 'Madrid-Getafe',
    region: 'Comunidad de Madrid',
    city: 'Getafe',
    postalCode: '28906',
    countryCode: 'ES',
    timeZone: 'Europe/Madrid',
    cutoffLocalTime: '13:30',
    dailyCapacityShipments: 180,
    packingMinutes: 120,
    holidayRegion: 'MD',
  },
];
