-- A run its sweep's pruning ended. On its own: Postgres refuses to use an enum value in the
-- transaction that adds it, and the runner applies each migration in one transaction.
ALTER TYPE "ExperimentStatus" ADD VALUE 'pruned';
