-- Tenants and their API keys. A key is `lab_<public id>_<secret>`: the public id finds its row, and only
-- the sha256 of the whole key is stored (the secret has 256 random bits, so a fast hash is enough: see
-- docs/security.md). Every experiment and sweep now references its tenant, so an owner that does not
-- exist cannot be written; a tenant that owns anything, or holds keys, cannot be deleted.

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('tenant', 'admin', 'metrics');

-- CreateTable
CREATE TABLE "tenants" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id"),
    -- As packages/contracts' tenantIdSchema: short, and safe in logs and key listings.
    CONSTRAINT "tenants_id_check" CHECK ("id" ~ '^[a-z0-9][a-z0-9_-]{0,62}$')
);

-- The single local tenant (what a server without authentication acts for), and every owner in use.
INSERT INTO "tenants" ("id") VALUES ('local');
INSERT INTO "tenants" ("id")
SELECT "owner_id" FROM "experiments" UNION SELECT "owner_id" FROM "sweeps"
ON CONFLICT DO NOTHING;

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "public_id" TEXT NOT NULL,
    "secret_hash" BYTEA NOT NULL,
    "scope" "ApiKeyScope" NOT NULL,
    "tenant_id" TEXT,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
    -- A tenant's key acts for exactly one tenant; admin and metrics keys for none.
    CONSTRAINT "api_keys_scope_tenant_check" CHECK (("scope" = 'tenant') = ("tenant_id" IS NOT NULL)),
    CONSTRAINT "api_keys_secret_hash_check" CHECK (octet_length("secret_hash") = 32)
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_public_id_key" ON "api_keys"("public_id");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_idx" ON "api_keys"("tenant_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
