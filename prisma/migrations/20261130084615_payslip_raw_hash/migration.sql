-- AlterTable
ALTER TABLE "payslips" ADD COLUMN     "raw_hash" TEXT,
ADD COLUMN     "raw_warnings" JSONB;

-- CreateIndex
CREATE INDEX "payslips_raw_hash_idx" ON "payslips"("raw_hash");
