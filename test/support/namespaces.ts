/** The dev-server namespace where end-to-end tests run real workers, apart from `default`. */
export const JOURNEY_NAMESPACE = 'journey';
