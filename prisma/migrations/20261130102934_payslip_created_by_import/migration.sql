-- AlterTable
ALTER TABLE "payslips" ADD COLUMN     "created_by_import_id" UUID;

-- CreateIndex
CREATE INDEX "payslips_created_by_import_id_idx" ON "payslips"("created_by_import_id");
