import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Runs the API (or another server script that logs `{ msg: '... listening', url }`) as its own
 * process, as `npm run dev` does, and waits until it listens.
 */
export async function spawnServer(env: NodeJS.ProcessEnv, entry = 'src/main.ts', nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          logs.push(record);
          if (typeof record.msg === 'string' && record.msg.endsWith('listening') && record.url) resolve(String(record.url));
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
  return { child, url, logs, exited };
}

/** SIGTERM, then wait for the process to be gone. */
export async function stopServer(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}
