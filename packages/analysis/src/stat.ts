import type { Stat } from '@lab/contracts';

/** Mean and sample standard deviation (n − 1); the sd is null below 2 values, where it says nothing. */
export function stat(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) throw new RangeError('a statistic needs at least one value');
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n < 2) return { mean, sd: null, n };
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(squares / (n - 1)), n };
}

/** The standard error of the mean, sd / √n; null where the sd is unknown. */
export function standardError(value: Stat): number | null {
  return value.sd === null ? null : value.sd / Math.sqrt(value.n);
}
