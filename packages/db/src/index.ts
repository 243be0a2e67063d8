export { createDb, PrismaClient, type Db } from './client.ts';
export { ensureDatabase } from './ensure-database.ts';
export { withDatabaseName, databaseName } from './database-url.ts';
export { migrate, MigrationError, type MigrateOptions } from './migrate.ts';
export { DEFAULT_MIGRATIONS_DIR, readMigrationFiles, type MigrationFile } from './migration-files.ts';
export { createTestDatabase, DEFAULT_TEST_DATABASE_URL, type TestDatabase, type TestDatabaseOptions } from './testing.ts';
export {
  ExperimentRepository,
  type CancelOutcome,
  type CheckpointData,
  type CompletedRun,
  type RunInfo,
  type StoredModel,
  type StoredPrediction,
} from './experiments.ts';
export { MAX_ERROR_MESSAGE_LENGTH } from './db-values.ts';
export {
  IdempotencyKeyRepository,
  type IdempotencyClaim,
  type IdempotencyPolicy,
  type IdempotencyRequest,
} from './idempotency.ts';
export { SweepRepository, type NewSweepRun, type StoredSweep } from './sweeps.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
