-- One lifecycle vocabulary (domain/lifecycle.ts): a shipment's database status is its stage.
-- "booked" was never written by any code; the stage it stood for is "booking".
ALTER TYPE "ShipmentStatus" RENAME VALUE 'booked' TO 'booking';
ALTER TYPE "ShipmentStatus" ADD VALUE 'waiting_for_pick_slot' AFTER 'planned';

-- A warehouse with no pick capacity within the booking horizon escalates instead of retrying forever.
ALTER TYPE "EscalationReason" ADD VALUE 'no_pick_slot';
