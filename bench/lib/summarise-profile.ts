/** The parts of V8's .cpuprofile format (Chrome DevTools protocol `Profiler.Profile`) this summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

const shortUrl = (url: string) => {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const source = url.search(/\/(service|harness|bench|devtools)\/src\//);
  if (source >= 0) return url.slice(source + 1);
  return url.replace(/^file:\/\//, '');
};

const packageOf = (url: string) => {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules < 0) return url.startsWith('node:') || url === '' ? '(node internals)' : '(our code)';
  const rest = url.slice(modules + '/node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
};

/**
 * Pure: self time per function and per package from a V8 CPU profile, largest first, as a printable table.
 * Idle and GC are kept as their own rows, so the shares add up to the profiled wall time.
 */
export function summariseProfile(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const pkg = frame.url ? packageOf(frame.url) : frame.functionName;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  return [
    `profiled ${(total / 1e6).toFixed(2)} s`,
    'self time by package:',
    rows(byPackage),
    '',
    'self time by function:',
    rows(byFunction),
  ].join('\n');
}
