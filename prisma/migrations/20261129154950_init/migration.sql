-- CreateEnum
CREATE TYPE "CabinetState" AS ENUM ('NOT_PUBLISHED', 'PUBLISHED', 'INVITED', 'ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "CabinetScopeKind" AS ENUM ('ALL', 'ORGANIZATIONS', 'DEPARTMENTS');

-- CreateEnum
CREATE TYPE "PayslipKind" AS ENUM ('ADVANCE', 'FINAL');

-- CreateEnum
CREATE TYPE "PayslipSection" AS ENUM ('ACCRUED', 'WITHHELD', 'PAID', 'OTHER');

-- CreateEnum
CREATE TYPE "CertificateStatus" AS ENUM ('NEW', 'IN_PROGRESS', 'DONE', 'REJECTED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ContactChannel" AS ENUM ('SMS', 'EMAIL');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'HR');

-- CreateEnum
CREATE TYPE "ApiScope" AS ENUM ('IMPORT', 'ADMIN', 'HR');

-- CreateEnum
CREATE TYPE "ImportKind" AS ENUM ('ORGANIZATIONS', 'DEPARTMENTS', 'EMPLOYEES', 'PAYSLIPS', 'VACATIONS');

-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('SYSTEM', 'API_TOKEN', 'EMPLOYEE');

-- CreateTable
CREATE TABLE "organizations" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "inn" TEXT,
    "kpp" TEXT,
    "address" TEXT,
    "source_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "departments" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "organization_id" UUID NOT NULL,
    "parent_id" UUID,
    "name" TEXT NOT NULL,
    "source_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "departments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "employees" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "personnel_number" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "middle_name" TEXT,
    "position" TEXT,
    "organization_id" UUID NOT NULL,
    "department_id" UUID,
    "phone" TEXT,
    "email" TEXT,
    "hired_at" DATE,
    "dismissed_at" DATE,
    "cabinet_state" "CabinetState" NOT NULL DEFAULT 'NOT_PUBLISHED',
    "published_at" TIMESTAMPTZ(3),
    "activated_at" TIMESTAMPTZ(3),
    "link_failures" INTEGER NOT NULL DEFAULT 0,
    "locked_at" TIMESTAMPTZ(3),
    "source_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "employees_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cabinet_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "address" TEXT NOT NULL,
    "responsible_employee_id" UUID,
    "scope_kind" "CabinetScopeKind" NOT NULL DEFAULT 'ALL',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cabinet_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cabinet_scope_organizations" (
    "settings_id" INTEGER NOT NULL,
    "organization_id" UUID NOT NULL,

    CONSTRAINT "cabinet_scope_organizations_pkey" PRIMARY KEY ("settings_id","organization_id")
);

-- CreateTable
CREATE TABLE "cabinet_scope_departments" (
    "settings_id" INTEGER NOT NULL,
    "department_id" UUID NOT NULL,

    CONSTRAINT "cabinet_scope_departments_pkey" PRIMARY KEY ("settings_id","department_id")
);

-- CreateTable
CREATE TABLE "payslips" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "period" CHAR(7) NOT NULL,
    "kind" "PayslipKind" NOT NULL,
    "department_name" TEXT,
    "position" TEXT,
    "debt_start" BIGINT NOT NULL DEFAULT 0,
    "debt_end" BIGINT NOT NULL DEFAULT 0,
    "total_accrued" BIGINT NOT NULL,
    "total_withheld" BIGINT NOT NULL,
    "total_paid" BIGINT NOT NULL,
    "source_hash" TEXT NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payslips_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payslip_lines" (
    "payslip_id" UUID NOT NULL,
    "line_no" INTEGER NOT NULL,
    "section" "PayslipSection" NOT NULL,
    "code" TEXT,
    "name" TEXT NOT NULL,
    "note" TEXT,
    "days" DECIMAL(7,2),
    "hours" DECIMAL(8,2),
    "amount" BIGINT NOT NULL,

    CONSTRAINT "payslip_lines_pkey" PRIMARY KEY ("payslip_id","line_no")
);

-- CreateTable
CREATE TABLE "payslip_acknowledgements" (
    "id" UUID NOT NULL,
    "payslip_id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payslip_acknowledgements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vacation_balances" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "type_code" TEXT NOT NULL,
    "type_name" TEXT NOT NULL,
    "as_of" DATE NOT NULL,
    "entitled_days" DECIMAL(7,2) NOT NULL,
    "used_days" DECIMAL(7,2) NOT NULL,
    "remaining_days" DECIMAL(7,2) NOT NULL,

    CONSTRAINT "vacation_balances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "planned_vacations" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "type_code" TEXT NOT NULL,
    "type_name" TEXT NOT NULL,
    "starts_on" DATE NOT NULL,
    "ends_on" DATE NOT NULL,
    "days" DECIMAL(7,2) NOT NULL,

    CONSTRAINT "planned_vacations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vacation_snapshots" (
    "employee_id" UUID NOT NULL,
    "source_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vacation_snapshots_pkey" PRIMARY KEY ("employee_id")
);

-- CreateTable
CREATE TABLE "certificate_types" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name_ru" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "fields" JSONB NOT NULL DEFAULT '[]',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_types_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate_requests" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "employee_id" UUID NOT NULL,
    "type_id" UUID NOT NULL,
    "fields" JSONB NOT NULL DEFAULT '{}',
    "status" "CertificateStatus" NOT NULL DEFAULT 'NEW',
    "assignee_id" UUID,
    "rejection_reason" TEXT,
    "document_name" TEXT,
    "document_mime" TEXT,
    "document" BYTEA,
    "telegram_file_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "taken_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "certificate_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "telegram_accounts" (
    "id" UUID NOT NULL,
    "telegram_user_id" BIGINT NOT NULL,
    "chat_id" BIGINT NOT NULL,
    "language" TEXT,
    "employee_id" UUID,
    "linked_at" TIMESTAMPTZ(3),
    "blocked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "telegram_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "one_time_codes" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "telegram_user_id" BIGINT NOT NULL,
    "channel" "ContactChannel" NOT NULL,
    "code_hash" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "one_time_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitations" (
    "id" UUID NOT NULL,
    "employee_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "channel" "ContactChannel",
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "opened_at" TIMESTAMPTZ(3),
    "used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_assignments" (
    "employee_id" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_assignments_pkey" PRIMARY KEY ("employee_id","role")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "scopes" "ApiScope"[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "id" UUID NOT NULL,
    "api_token_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER,
    "response_body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_runs" (
    "id" UUID NOT NULL,
    "kind" "ImportKind" NOT NULL,
    "status" "ImportStatus" NOT NULL DEFAULT 'RUNNING',
    "api_token_id" UUID,
    "total" INTEGER NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "no_contacts" JSONB NOT NULL DEFAULT '[]',
    "failure" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "import_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "action" TEXT NOT NULL,
    "entity_type" TEXT,
    "entity_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "organizations_external_id_key" ON "organizations"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "departments_external_id_key" ON "departments"("external_id");

-- CreateIndex
CREATE INDEX "departments_organization_id_idx" ON "departments"("organization_id");

-- CreateIndex
CREATE INDEX "departments_parent_id_idx" ON "departments"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "employees_external_id_key" ON "employees"("external_id");

-- CreateIndex
CREATE INDEX "employees_organization_id_idx" ON "employees"("organization_id");

-- CreateIndex
CREATE INDEX "employees_department_id_idx" ON "employees"("department_id");

-- CreateIndex
CREATE INDEX "employees_cabinet_state_idx" ON "employees"("cabinet_state");

-- CreateIndex
CREATE INDEX "employees_phone_idx" ON "employees"("phone");

-- CreateIndex
CREATE INDEX "employees_email_idx" ON "employees"("email");

-- CreateIndex
CREATE UNIQUE INDEX "cabinet_settings_responsible_employee_id_key" ON "cabinet_settings"("responsible_employee_id");

-- CreateIndex
CREATE INDEX "cabinet_scope_organizations_organization_id_idx" ON "cabinet_scope_organizations"("organization_id");

-- CreateIndex
CREATE INDEX "cabinet_scope_departments_department_id_idx" ON "cabinet_scope_departments"("department_id");

-- CreateIndex
CREATE INDEX "payslips_period_idx" ON "payslips"("period");

-- CreateIndex
CREATE INDEX "payslips_organization_id_idx" ON "payslips"("organization_id");

-- CreateIndex
CREATE UNIQUE INDEX "payslips_employee_id_period_kind_key" ON "payslips"("employee_id", "period", "kind");

-- CreateIndex
CREATE INDEX "payslip_acknowledgements_employee_id_idx" ON "payslip_acknowledgements"("employee_id");

-- CreateIndex
CREATE UNIQUE INDEX "payslip_acknowledgements_payslip_id_employee_id_key" ON "payslip_acknowledgements"("payslip_id", "employee_id");

-- CreateIndex
CREATE UNIQUE INDEX "vacation_balances_employee_id_type_code_key" ON "vacation_balances"("employee_id", "type_code");

-- CreateIndex
CREATE INDEX "planned_vacations_employee_id_starts_on_idx" ON "planned_vacations"("employee_id", "starts_on");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_types_code_key" ON "certificate_types"("code");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_requests_number_key" ON "certificate_requests"("number");

-- CreateIndex
CREATE INDEX "certificate_requests_employee_id_idx" ON "certificate_requests"("employee_id");

-- CreateIndex
CREATE INDEX "certificate_requests_status_idx" ON "certificate_requests"("status");

-- CreateIndex
CREATE INDEX "certificate_requests_assignee_id_idx" ON "certificate_requests"("assignee_id");

-- CreateIndex
CREATE UNIQUE INDEX "telegram_accounts_telegram_user_id_key" ON "telegram_accounts"("telegram_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "telegram_accounts_employee_id_key" ON "telegram_accounts"("employee_id");

-- CreateIndex
CREATE INDEX "one_time_codes_employee_id_created_at_idx" ON "one_time_codes"("employee_id", "created_at");

-- CreateIndex
CREATE INDEX "one_time_codes_telegram_user_id_created_at_idx" ON "one_time_codes"("telegram_user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations"("token_hash");

-- CreateIndex
CREATE INDEX "invitations_employee_id_idx" ON "invitations"("employee_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_records_api_token_id_key_key" ON "idempotency_records"("api_token_id", "key");

-- CreateIndex
CREATE INDEX "import_runs_started_at_idx" ON "import_runs"("started_at");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE INDEX "audit_log_entity_type_entity_id_idx" ON "audit_log"("entity_type", "entity_id");

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "employees" ADD CONSTRAINT "employees_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "employees" ADD CONSTRAINT "employees_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cabinet_settings" ADD CONSTRAINT "cabinet_settings_responsible_employee_id_fkey" FOREIGN KEY ("responsible_employee_id") REFERENCES "employees"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cabinet_scope_organizations" ADD CONSTRAINT "cabinet_scope_organizations_settings_id_fkey" FOREIGN KEY ("settings_id") REFERENCES "cabinet_settings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cabinet_scope_organizations" ADD CONSTRAINT "cabinet_scope_organizations_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cabinet_scope_departments" ADD CONSTRAINT "cabinet_scope_departments_settings_id_fkey" FOREIGN KEY ("settings_id") REFERENCES "cabinet_settings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cabinet_scope_departments" ADD CONSTRAINT "cabinet_scope_departments_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payslips" ADD CONSTRAINT "payslips_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payslips" ADD CONSTRAINT "payslips_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payslip_lines" ADD CONSTRAINT "payslip_lines_payslip_id_fkey" FOREIGN KEY ("payslip_id") REFERENCES "payslips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payslip_acknowledgements" ADD CONSTRAINT "payslip_acknowledgements_payslip_id_fkey" FOREIGN KEY ("payslip_id") REFERENCES "payslips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payslip_acknowledgements" ADD CONSTRAINT "payslip_acknowledgements_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vacation_balances" ADD CONSTRAINT "vacation_balances_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "planned_vacations" ADD CONSTRAINT "planned_vacations_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_type_id_fkey" FOREIGN KEY ("type_id") REFERENCES "certificate_types"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "employees"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "telegram_accounts" ADD CONSTRAINT "telegram_accounts_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "one_time_codes" ADD CONSTRAINT "one_time_codes_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignments" ADD CONSTRAINT "role_assignments_employee_id_fkey" FOREIGN KEY ("employee_id") REFERENCES "employees"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_api_token_id_fkey" FOREIGN KEY ("api_token_id") REFERENCES "api_tokens"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_runs" ADD CONSTRAINT "import_runs_api_token_id_fkey" FOREIGN KEY ("api_token_id") REFERENCES "api_tokens"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written: the audit log is append-only. Prisma cannot express triggers, and its diff ignores them.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
