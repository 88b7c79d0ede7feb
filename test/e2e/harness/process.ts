import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** A child process whose stdout and stderr go to a log file, stopped by its own pid. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  readonly hasExited: () => boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
  const pid = child.pid;
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      exitedFlag = true;
      resolve('spawn error');
    });
  });
  return {
    name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => exitedFlag,
    async stop(graceMs = 20_000) {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last `lines` lines of a log file, framed for an error message or the console. */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `\n--- ${file}: (no log) ---`;
  const text = readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  return `\n--- last ${lines} lines of ${file} ---\n${text}\n--- end of ${file} ---`;
}
