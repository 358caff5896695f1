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
  const out = Array.from(query, Number);
  const dimension = out.length;
  let norm = Math.hypot(...out);
  if (norm > 0) for (let d = 0; d < dimension; d++) out[d]! /= norm;
  if (feedback.length > 0 && weight > 0) {
    const share = weight / feedback.length;
    for (const vector of feedback) {
      const vectorNorm = Math.hypot(...Array.from(vector, Number)) || 1;
      for (let d = 0; d < dimension; d++) out[d]! += (share * (vector[d] ?? 0)) / vectorNorm;
    }
  }
  norm = Math.hypot(...out);
  return norm > 0 ? out.map((value) => value / norm) : out;
}
