import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time a process has used so far, in user and system mode, in milliseconds (Linux /proc). */
export function cpuMs(pid: number): { user: number; system: number } {
  // Fields after the command name, which is in parentheses and may hold spaces: utime is the 12th, stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: (Number(fields[11]) * 1000) / TICKS_PER_SECOND, system: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
}

export type CpuTime = ReturnType<typeof cpuMs>;

/** User + system milliseconds from one reading of `cpuMs` to a later one (or since the start, without `before`). */
export const cpuSpent = (after: CpuTime, before: CpuTime = { user: 0, system: 0 }): number => after.user + after.system - before.user - before.system;

/**
 * CPU time (user + system, in milliseconds) used so far by every running process whose name is
 * `name` (e.g. all of PostgreSQL's backends). Processes that ended meanwhile are not counted.
 */
export function cpuMsOfAll(name: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
      total += cpuSpent(cpuMs(Number(pid)));
    } catch {
      // gone while we looked
    }
  }
  return total;
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export interface EventLoopDelay {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const scrape = async (apiUrl: string) => (await fetch(new URL('/metrics', apiUrl))).text();

function read(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  if (!match) throw new Error(`/metrics has no ${name}`);
  return Number(match[1]);
}

/** One unlabelled metric of the API's /metrics. */
export const metricValue = async (apiUrl: string, name: string): Promise<number> => read(await scrape(apiUrl), name);

/**
 * The API's event-loop delay since the previous scrape of its /metrics, in milliseconds
 * (prom-client's histogram is reset at each scrape, so scrape once before what is measured).
 */
export async function eventLoopDelay(apiUrl: string): Promise<EventLoopDelay> {
  const metrics = await scrape(apiUrl);
  const lag = (name: string) => read(metrics, `nodejs_eventloop_lag_${name}_seconds`) * 1000;
  return { p50: lag('p50'), p90: lag('p90'), p99: lag('p99'), max: lag('max'), mean: lag('mean') };
}
