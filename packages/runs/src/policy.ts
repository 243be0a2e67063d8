/** How the engine treats attempts: how long a lease lives, how many failures a run is allowed. */
export interface RunPolicy {
  /**
   * How long a claimed run stays fenced to its attempt without a renewal. The attempt renews it three
   * times per period while it trains; a worker that dies loses the run this long after its last renewal.
   */
  leaseMs: number;
  /**
   * Attempts that may end without an outcome (the worker died, training threw) before the run is
   * failed for good. A run that kills its worker every time ends `failed` after this many.
   */
  maxFailedAttempts: number;
  /** The wait before retrying after the n-th failed attempt (1-based). */
  retryDelayMs(failedAttempts: number): number;
  /**
   * How long a finished run keeps its last checkpoint (about 6.4 MB for the lesson's 784-512-256-10
   * network: its weights and Adam's two moments), so that it can be resumed from it. Older ones are
   * deleted as later runs are claimed (see checkpoint-retention.ts).
   */
  checkpointRetentionMs: number;
}

export const DEFAULT_RUN_POLICY: RunPolicy = {
  leaseMs: 30_000,
  maxFailedAttempts: 8,
  // 2 s, 4 s, 8 s … capped at a minute: an outage gets time to pass, a poison run fails within minutes.
  retryDelayMs: (failedAttempts) => Math.min(60_000, 2_000 * 2 ** Math.max(0, failedAttempts - 1)),
  checkpointRetentionMs: 30 * 24 * 3600 * 1000,
};
