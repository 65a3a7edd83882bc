/** Percentiles as every benchmark reports them: the value at rank floor(p × n), no interpolation. */

/** The p-quantile (0..1) of values already sorted ascending; NaN when there are none. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;

/** The same, of values in any order (sorted on a copy). */
export const percentileOf = (values: Iterable<number>, p: number): number =>
  percentile(Float64Array.from(values).sort(), p);
