/**
 * The dev-server namespaces where end-to-end tests run real workers, apart from `default`: one per test
 * file, because every journey's workers poll the product's own task queue names (`colis-orders`, …) and
 * two files running at once in one namespace would take each other's workflows.
 */
export const JOURNEY_NAMESPACE = 'journey';
export const RESET_NAMESPACE = 'journey-reset';
export const RESET_RETURN_NAMESPACE = 'journey-reset-return';
export const OPS_CLI_NAMESPACE = 'journey-ops-cli';
export const ADDRESS_STORM_NAMESPACE = 'journey-address-storm';
export const HAND_START_NAMESPACE = 'journey-hand-start';
export const DEV_JOURNEY_NAMESPACES = [
  JOURNEY_NAMESPACE,
  RESET_NAMESPACE,
  RESET_RETURN_NAMESPACE,
  OPS_CLI_NAMESPACE,
  ADDRESS_STORM_NAMESPACE,
  HAND_START_NAMESPACE,
] as const;
/** The dev-server namespace of the connection-settings test (API and worker processes behind a TLS-only front). */
export const CONNECTION_NAMESPACE = 'connection';
