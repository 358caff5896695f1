/**
 * Rocchio pseudo-relevance feedback: the query vector moved towards the centroid of the vectors of the
 * top results of a first retrieval (here: the keyword results), then L2-normalised.
 * q' = normalise(q / |q| + weight · mean(top)). With no feedback vectors, q is returned normalised.
 */
export function expandQueryVector(
  query: ArrayLike<number>,
  feedback: readonly ArrayLike<number>[],
  weight: number,
): number[] {
  const dimension = query.length;
  const out = new Array<number>(dimension);
  for (let d = 0; d < dimension; d++) out[d] = Number(query[d]);
  let norm = euclideanNorm(out);
  if (norm > 0) for (let d = 0; d < dimension; d++) out[d] = out[d]! / norm;
  if (feedback.length > 0 && weight > 0) {
    const share = weight / feedback.length;
    for (const vector of feedback) {
      const vectorNorm = euclideanNorm(vector) || 1;
      for (let d = 0; d < dimension; d++) out[d] = out[d]! + (share * (vector[d] ?? 0)) / vectorNorm;
    }
  }
  norm = euclideanNorm(out);
  if (norm > 0) for (let d = 0; d < dimension; d++) out[d] = out[d]! / norm;
  return out;
}

/**
 * `Math.hypot(...values)` to the bit (V8's algorithm: scaled by the largest magnitude, Kahan-compensated sum
 * of squares), without spreading hundreds of arguments: a test compares the two on arbitrary vectors.
 */
export function euclideanNorm(values: ArrayLike<number>): number {
  let max = 0;
  let nan = false;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(Number(values[i]));
    if (magnitude === Infinity) return Infinity;
    if (Number.isNaN(magnitude)) nan = true;
    else if (magnitude > max) max = magnitude;
  }
  if (nan) return NaN;
  if (max === 0) return 0;
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const scaled = Math.abs(Number(values[i])) / max;
    const summand = scaled * scaled - compensation;
    const preliminary = sum + summand;
    compensation = preliminary - sum - summand;
    sum = preliminary;
  }
  return Math.sqrt(sum) * max;
}
