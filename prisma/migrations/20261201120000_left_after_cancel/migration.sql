-- AlterEnum: a parcel cancelled before its pickup scan that the carrier scans after all (api/services/left-after-cancel.ts).
ALTER TYPE "EscalationReason" ADD VALUE 'left_after_cancel';
