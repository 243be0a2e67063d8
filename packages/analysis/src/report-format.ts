// How the answer and the report write figures: accuracies as percentages, differences in points.
import { formatLambda, type Stat } from '@lab/contracts';

export const pct = (value: number): string => `${(value * 100).toFixed(1)} %`;
export const points = (value: number): string => `${(Math.abs(value) * 100).toFixed(1)} points`;
export const signedPoints = (value: number): string => `${value < 0 ? '−' : '+'}${points(value)}`;
export const lambdaText = (lambda: number): string => `λ = ${formatLambda(lambda)}`;
/** An epoch, or the mean epoch over seeds (a whole number when the seeds agree). */
export const epochOf = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));
