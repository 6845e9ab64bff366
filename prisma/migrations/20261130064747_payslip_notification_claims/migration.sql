-- AlterTable
ALTER TABLE "payslip_notifications" ADD COLUMN     "claim_token" TEXT,
ADD COLUMN     "claimed_until" TIMESTAMPTZ(3);
