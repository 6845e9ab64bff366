-- AlterTable
ALTER TABLE "employees" ADD COLUMN     "pdf_password" TEXT;

-- AlterTable
ALTER TABLE "telegram_accounts" ADD COLUMN     "notified_at" TIMESTAMPTZ(3),
ADD COLUMN     "pending_input" TEXT,
ADD COLUMN     "pending_input_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "payslip_notifications" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "period" CHAR(7) NOT NULL,
    "payslip_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "skipped" TEXT,

    CONSTRAINT "payslip_notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payslip_notifications_period_idx" ON "payslip_notifications"("period");

-- CreateIndex
CREATE UNIQUE INDEX "payslip_notifications_employee_id_period_key" ON "payslip_notifications"("employee_id", "period");

-- AddForeignKey
ALTER TABLE "payslip_notifications" ADD CONSTRAINT "payslip_notifications_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;
