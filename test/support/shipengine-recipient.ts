/**
 * The recipient every ShipEngine contract test ships to: an address with what ShipEngine's definition
 * requires of one (a region and a phone), so Prism's request validation sees a complete address.
 */
export const SHIPENGINE_RECIPIENT = {
  name: 'Camille Martin',
  line1: '12 rue de la République',
  city: 'Lyon',
  region: 'Auvergne-Rhône-Alpes',
  postalCode: '69002',
  countryCode: 'FR',
  phone: '+33 4 72 00 00 00',
};
