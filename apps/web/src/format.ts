import type { Stat } from '@lab/contracts';

/** An accuracy (a fraction) as a percentage with two decimals. */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(2)} %`;

export const decimal = (value: number, digits = 4): string => value.toFixed(digits);

/** A mean over seeds, with its standard deviation where there were several runs. */
export function stat(value: Stat, show: (value: number) => string): string {
  return value.sd === null ? show(value.mean) : `${show(value.mean)} ± ${show(value.sd)}`;
}

export const dateTime = (iso: string): string => new Date(iso).toLocaleString();

/** A difference of two accuracies, in percentage points. */
export const points = (fraction: number): string => `${(fraction * 100).toFixed(2)} pts`;
