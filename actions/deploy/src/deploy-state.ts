// The host's state.json, the transitions a deploy or rollback makes to it, and the parsers of what the
// host answers (a colour's /version, df) (pure).
import type { Color, HostUser } from './host-layout.js';
import { otherColor } from './host-layout.js';

export interface ServiceIdentity {
  version: string;
  commit: string;
}

export interface ColorSlot {
  image: string;
  imageId: string;
  identity: ServiceIdentity | null;
  deployedAt: string;
}

/**
 * The previous colour, kept running (drained, idle) after a deploy so that a rollback is only a switch.
 * It ends at the next deploy, at a rollback, or when `until` has passed (the host's cron reaper,
 * scripts/expire-rollback-window, stops the colour then). `until` is ISO 8601 without fractions (jq reads it).
 */
export interface RollbackWindow {
  color: Color;
  until: string;
}

export interface DeployState {
  schema: 1;
  environment: string;
  active: Color | null;
  colors: Partial<Record<Color, ColorSlot>>;
  window: RollbackWindow | null;
  updatedAt: string;
}

/** Parses a colour's /version answer; null when it is not {version, commit}. */
export function parseIdentity(text: string): ServiceIdentity | null {
  try {
    const value = JSON.parse(text) as Partial<ServiceIdentity>;
    if (typeof value.version !== 'string' || typeof value.commit !== 'string') return null;
    return { version: value.version, commit: value.commit };
  } catch {
    return null;
  }
}

export function sameIdentity(a: ServiceIdentity | null, b: ServiceIdentity | null): boolean {
  return !!a && !!b && a.version === b.version && a.commit === b.commit;
}

/** Parses `id` output: `uid=1001(deploy) gid=1001(deploy) groups=…`. */
export function parseHostUser(output: string): HostUser {
  const match = /uid=(\d+)\(([^)]*)\)\s+gid=(\d+)/.exec(output);
  if (!match) throw new Error(`cannot read the host user from: ${output.trim()}`);
  return { uid: Number(match[1]), name: match[2] as string, gid: Number(match[3]) };
}

/** Parses `df -Pk` output: available KiB of the filesystem in the last line. */
export function parseDfAvailableKiB(output: string): number {
  const last = output.trim().split('\n').pop() ?? '';
  const fields = last.trim().split(/\s+/);
  const available = Number(fields[3]);
  if (!Number.isFinite(available)) throw new Error(`cannot read df output: ${last}`);
  return available;
}

export function emptyState(environment: string): DeployState {
  return {
    schema: 1,
    environment,
    active: null,
    colors: {},
    window: null,
    updatedAt: new Date(0).toISOString(),
  };
}

export function parseState(text: string | null, environment: string): DeployState {
  if (text === null || text.trim() === '') return emptyState(environment);
  const value = JSON.parse(text) as Partial<DeployState>;
  if (value.schema !== 1) throw new Error(`state.json has unknown schema ${String(value.schema)}`);
  if (value.active !== null && value.active !== 'blue' && value.active !== 'green') {
    throw new Error(`state.json has an invalid active colour ${String(value.active)}`);
  }
  return {
    schema: 1,
    environment: value.environment ?? environment,
    active: value.active ?? null,
    colors: value.colors ?? {},
    window: parseWindow(value.window),
    updatedAt: value.updatedAt ?? new Date(0).toISOString(),
  };
}

function parseWindow(value: unknown): RollbackWindow | null {
  const window = value as Partial<RollbackWindow> | null | undefined;
  if (!window || (window.color !== 'blue' && window.color !== 'green') || typeof window.until !== 'string') {
    return null;
  }
  return { color: window.color, until: window.until };
}

/** A window of `seconds` from `now` for `color`; null when windows are off (0) or there is no colour. */
export function rollbackWindow(color: Color | null, seconds: number, now: Date): RollbackWindow | null {
  if (!color || seconds <= 0) return null;
  return { color, until: new Date(now.getTime() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Whether the window still holds at `now` (a colour kept running and its time not yet passed). */
export function windowOpen(window: RollbackWindow | null, now: Date): boolean {
  return !!window && Date.parse(window.until) > now.getTime();
}

/** The colour a deploy starts: the idle one (blue on a first deploy). */
export function idleColor(state: DeployState): Color {
  return state.active ? otherColor(state.active) : 'blue';
}

/**
 * State after `color` took traffic with `slot`; the other colour's slot is kept for rollback, and `window`
 * says whether that colour is still running for a fast one.
 */
export function afterDeploy(
  state: DeployState,
  color: Color,
  slot: ColorSlot,
  window: RollbackWindow | null,
  now: Date,
): DeployState {
  return {
    ...state,
    active: color,
    colors: { ...state.colors, [color]: slot },
    window,
    updatedAt: now.toISOString(),
  };
}

export interface RollbackTarget {
  from: Color;
  to: Color;
  slot: ColorSlot;
}

/** Where a rollback goes, or why it cannot. */
export function rollbackTarget(state: DeployState): RollbackTarget | { error: string } {
  if (!state.active) return { error: 'nothing is deployed yet; there is nothing to roll back to' };
  const to = otherColor(state.active);
  const slot = state.colors[to];
  if (!slot) return { error: `no previous release is retained (colour ${to} was never deployed)` };
  return { from: state.active, to, slot };
}

export function afterRollback(state: DeployState, target: RollbackTarget, now: Date): DeployState {
  return { ...state, active: target.to, window: null, updatedAt: now.toISOString() };
}
