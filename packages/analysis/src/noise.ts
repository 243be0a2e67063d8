import type { Stat } from '@lab/contracts';

/** Where a side has a single run there is no spread to judge by: a difference of 1 point is the bar. */
const BAR_WITHOUT_SPREAD = 0.01;

/**
 * Whether `difference` (b − a, the difference of two means) stands out from seed-to-seed noise: it
 * exceeds twice the standard error of the difference, √(sd_a²/n_a + sd_b²/n_b).
 */
export function standsOut(difference: number, a: Stat, b: Stat): boolean {
  const bar = a.sd === null || b.sd === null ? BAR_WITHOUT_SPREAD : 2 * Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n);
  return Math.abs(difference) > bar;
}
