-- AlterTable
ALTER TABLE "import_runs" ADD COLUMN     "estimated_total" INTEGER,
ALTER COLUMN "total" DROP NOT NULL;
