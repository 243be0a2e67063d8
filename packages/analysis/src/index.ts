// The maths of a λ sweep's summary, pure: stored histories in, overfitting figures and the answer out.
export { stat, standardError } from './stat.ts';
export { runStats } from './run-stats.ts';
export { sweepRows } from './sweep-rows.ts';
export type { SweepRunRecord } from '@lab/contracts';
export { recommend } from './recommendation.ts';
export { sweepStatus, sweepProgress } from './sweep-status.ts';
export { standsOut } from './noise.ts';
export { sweepAnswer } from './sweep-answer.ts';
export { summarizeSweep, type SweepSummary } from './sweep-summary.ts';
export { sweepReportContext, type SweepReportContext } from './report-context.ts';
export { sweepReportMarkdown } from './sweep-report.ts';
