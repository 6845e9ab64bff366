-- AlterEnum
ALTER TYPE "ImportStatus" ADD VALUE 'QUEUED';

-- AlterTable
ALTER TABLE "import_runs" ADD COLUMN     "body_bytes" INTEGER,
ADD COLUMN     "body_format" TEXT,
ADD COLUMN     "claim_token" TEXT,
ADD COLUMN     "lease_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "import_upload_chunks" (
    "import_run_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_upload_chunks_pkey" PRIMARY KEY ("import_run_id","seq")
);

-- CreateIndex
CREATE INDEX "import_upload_chunks_created_at_idx" ON "import_upload_chunks"("created_at");

-- CreateIndex
CREATE INDEX "import_runs_status_idx" ON "import_runs"("status");
