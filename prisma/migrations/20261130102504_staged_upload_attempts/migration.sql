-- AlterTable
ALTER TABLE "import_runs" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ALTER COLUMN "body_bytes" SET DATA TYPE BIGINT;
