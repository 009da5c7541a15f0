/** The dev-server namespace where end-to-end tests run real workers, apart from `default`. */
export const JOURNEY_NAMESPACE = 'journey';
/** The dev-server namespace of the connection-settings test (API and worker processes behind a TLS-only front). */
export const CONNECTION_NAMESPACE = 'connection';
