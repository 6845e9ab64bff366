-- AlterTable
ALTER TABLE "cabinet_settings" ADD COLUMN     "activations_reported_at" TIMESTAMPTZ(3),
ADD COLUMN     "notify_activations" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "invitations" ADD COLUMN     "batch_id" UUID,
ADD COLUMN     "failed_at" TIMESTAMPTZ(3),
ADD COLUMN     "failure" TEXT,
ADD COLUMN     "revoked_at" TIMESTAMPTZ(3),
ADD COLUMN     "send_requested_at" TIMESTAMPTZ(3),
ALTER COLUMN "token_hash" DROP NOT NULL;

-- CreateTable
CREATE TABLE "invitation_batches" (
    "id" UUID NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "total" INTEGER NOT NULL,
    "sent" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped_recent" INTEGER NOT NULL DEFAULT 0,
    "unreachable" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "progress_chat_id" BIGINT,
    "progress_message_id" INTEGER,
    "progress_language" TEXT,
    "progress_at" TIMESTAMPTZ(3),

    CONSTRAINT "invitation_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invitation_batches_created_at_idx" ON "invitation_batches"("created_at");

-- CreateIndex
CREATE INDEX "employees_last_name_first_name_id_idx" ON "employees"("last_name", "first_name", "id");

-- CreateIndex
CREATE INDEX "invitations_batch_id_idx" ON "invitations"("batch_id");

-- CreateIndex
CREATE INDEX "invitations_sent_at_idx" ON "invitations"("sent_at");

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "invitation_batches"("id") ON DELETE SET NULL ON UPDATE CASCADE;
