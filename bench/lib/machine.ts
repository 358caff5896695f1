import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started (other processes on the machine count too). */
  loadAverageAtStart: [number, number, number];
  /**
   * A fixed single-threaded loop's time in ms when the run started (`cpuLoopMs`): on a shared VM the same
   * machine runs it up to twice as slow at busy times, which the load average does not show.
   */
  cpuLoopMsAtStart: number;
  startedAt: string;
}

/**
 * The median of three runs of a fixed integer loop, in ms (lower is faster). Not a benchmark of anything we
 * build: a yardstick, so runs made at different times can be told apart by the speed the machine had.
 */
export function cpuLoopMs(): number {
  const times: number[] = [];
  let sink = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    for (let i = 0; i < 100_000_000; i++) sink += i % 7;
    times.push(performance.now() - started);
  }
  if (sink < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return Math.round(times.sort((a, b) => a - b)[1]!);
}

export function describeMachine(): MachineInfo {
  const cores = cpus();
  const [one, five, fifteen] = loadavg();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: [round2(one!), round2(five!), round2(fifteen!)],
    cpuLoopMsAtStart: cpuLoopMs(),
    startedAt: new Date().toISOString(),
  };
}

export const currentLoadAverage = (): [number, number, number] => {
  const [one, five, fifteen] = loadavg();
  return [round2(one!), round2(five!), round2(fifteen!)];
};

const round2 = (n: number) => Math.round(n * 100) / 100;

export function machineLine(machine: MachineInfo): string {
  return (
    `${machine.cpuModel} · ${machine.cores} cores · ${machine.memoryGiB} GiB · Node ${machine.node} · ` +
    `load average at start ${machine.loadAverageAtStart.join(' / ')} (1/5/15 min) · ` +
    `fixed CPU loop ${machine.cpuLoopMsAtStart} ms`
  );
}

/** User + system CPU time of a process in ms (Linux /proc; null elsewhere). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15 → indexes 11 and 12 here; clock ticks of 10 ms
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
