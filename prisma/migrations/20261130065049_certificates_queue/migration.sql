-- CreateEnum
CREATE TYPE "CertificateResolution" AS ENUM ('DOCUMENT', 'PICKUP');

-- DropIndex
DROP INDEX "certificate_requests_status_idx";

-- AlterTable
ALTER TABLE "certificate_requests" ADD COLUMN     "answers" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "assignee_token_id" UUID,
ADD COLUMN     "deadline_on" DATE NOT NULL,
ADD COLUMN     "document_sent_at" TIMESTAMPTZ(3),
ADD COLUMN     "document_size" INTEGER,
ADD COLUMN     "employee_claim_until" TIMESTAMPTZ(3),
ADD COLUMN     "employee_notified_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "hr_chat_id" BIGINT,
ADD COLUMN     "hr_claim_until" TIMESTAMPTZ(3),
ADD COLUMN     "hr_message_id" INTEGER,
ADD COLUMN     "hr_posted_at" TIMESTAMPTZ(3),
ADD COLUMN     "hr_synced_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "issued_at" TIMESTAMPTZ(3),
ADD COLUMN     "needs_hr" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "paper_copies" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reminder_sent_on" DATE,
ADD COLUMN     "resolution" "CertificateResolution",
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "certificate_types" ADD COLUMN     "instant" TEXT,
ADD COLUMN     "leave" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "hr_chats" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "chat_id" BIGINT NOT NULL,
    "title" TEXT,
    "language" TEXT NOT NULL DEFAULT 'ru',
    "bound_by_id" UUID,
    "bound_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hr_chats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate_digests" (
    "day" DATE NOT NULL,
    "employee_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_digests_pkey" PRIMARY KEY ("day","employee_id")
);

-- CreateTable
CREATE TABLE "production_calendar_years" (
    "year" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "provisional" BOOLEAN NOT NULL DEFAULT false,
    "days" JSONB NOT NULL,
    "uploaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "production_calendar_years_pkey" PRIMARY KEY ("year")
);

-- CreateIndex
CREATE INDEX "certificate_requests_status_deadline_on_idx" ON "certificate_requests"("status", "deadline_on");

-- CreateIndex
CREATE INDEX "certificate_requests_type_id_idx" ON "certificate_requests"("type_id");

-- CreateIndex
CREATE INDEX "certificate_types_active_position_idx" ON "certificate_types"("active", "position");
