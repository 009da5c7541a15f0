-- AlterTable: each order keeps the customer's name and e-mail it was placed with; its mails go there. They were read from
-- the Customer row, keyed by the shop's own customer id and rewritten by every order under that id: a later order (another
-- shop's "CUST-1", or one without an e-mail) sent the earlier order's mails, tracking link and token included, to its
-- own address, or none. Orders placed before keep what their customer row holds now; a null name marks an order written
-- by a release before this one, whose mails still read the Customer row.
ALTER TABLE "Order" ADD COLUMN "customerName" TEXT, ADD COLUMN "customerEmail" TEXT;
UPDATE "Order" o SET "customerName" = c."name", "customerEmail" = c."email" FROM "Customer" c WHERE c."id" = o."customerId";
