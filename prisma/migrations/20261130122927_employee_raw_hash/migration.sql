-- AlterTable
ALTER TABLE "employees" ADD COLUMN     "raw_hash" TEXT,
ADD COLUMN     "raw_warnings" JSONB;

-- CreateIndex
CREATE INDEX "employees_raw_hash_idx" ON "employees"("raw_hash");
