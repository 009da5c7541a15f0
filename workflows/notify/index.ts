// The notify queue's own workflow bundle, served only while a relay started there by a release before is
// still running (worker/legacy-relays.ts); relays run on the orders queue's bundle (workflows/index.ts).
export { notificationRelayWorkflow } from './relay';
