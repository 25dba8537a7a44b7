import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface ScenarioReport {
  name: string;
  title: string;
  /** Markdown: what was measured, how, and the table. */
  body: string;
}

const FILE = join(__dirname, '..', '..', 'BENCHMARKS.md');

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** The commit measured, marked when the working tree has changes beyond it. */
function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }).trim();
  try {
    return `commit ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!BENCHMARKS.md') ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'commit unknown (not a git checkout)';
  }
}

/** Replaces this scenario's section of BENCHMARKS.md (other scenarios' sections stay). */
export function writeReport(report: ScenarioReport): void {
  const begin = `<!-- scenario:${report.name} -->`;
  const end = `<!-- /scenario:${report.name} -->`;
  const section = `${begin}\n## ${report.title}\n\n_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${commit()} · ${machine()}_\n\n${report.body.trim()}\n${end}`;
  const header = '# Benchmarks\n\nWritten by `npm run bench` (all scenarios) or `npm run bench -- <scenario>`. Figures are from one run on the machine named in each section.\n';
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : header;
  const start = current.indexOf(begin);
  const next = start >= 0 ? current.slice(0, start) + section + current.slice(current.indexOf(end) + end.length) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(FILE, next);
}
