-- AlterEnum: a claim whose parcel came back is withdrawn, not filed.
ALTER TYPE "CarrierClaimStatus" ADD VALUE 'withdrawn';
