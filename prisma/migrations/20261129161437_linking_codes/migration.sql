-- AlterTable
ALTER TABLE "one_time_codes" ADD COLUMN     "chat_id" BIGINT NOT NULL,
ADD COLUMN     "invitation_id" UUID,
ADD COLUMN     "sent_at" TIMESTAMPTZ(3),
ALTER COLUMN "employee_id" DROP NOT NULL,
ALTER COLUMN "channel" DROP NOT NULL,
ALTER COLUMN "code_hash" DROP NOT NULL;

-- AddForeignKey
ALTER TABLE "one_time_codes" ADD CONSTRAINT "one_time_codes_invitation_id_fkey" FOREIGN KEY ("invitation_id") REFERENCES "invitations"("id") ON DELETE SET NULL ON UPDATE CASCADE;
