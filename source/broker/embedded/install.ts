/** Finding the RabbitMQ installation (and epmd), and what to say when there is none. */
import { accessSync, constants, existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';

const SEARCH_DIRS = ['/usr/lib/rabbitmq/bin', '/usr/sbin', '/opt/homebrew/sbin', '/usr/local/sbin'];

/** Names the one directory to take rabbitmq-server from (e.g. an unpacked generic-unix release's sbin). */
export const RABBITMQ_DIR_ENV = 'RABBIT_LAB_RABBITMQ_DIR';

/** The directory holding a usable rabbitmq-server script; with $RABBIT_LAB_RABBITMQ_DIR set, only that one. */
export function findRabbitmqServer(): string | undefined {
  const only = process.env[RABBITMQ_DIR_ENV];
  if (only) {
    const script = usableServerScript(path.join(only, 'rabbitmq-server'));
    return script === undefined ? undefined : path.dirname(script);
  }
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  // /usr/lib/rabbitmq/bin goes first: Debian's /usr/sbin entry is a wrapper
  // that switches to the rabbitmq user, which cannot use our temp dir.
  for (const dir of ['/usr/lib/rabbitmq/bin', ...pathDirs, ...SEARCH_DIRS]) {
    const script = usableServerScript(path.join(dir, 'rabbitmq-server'));
    if (script !== undefined) return path.dirname(script);
  }
  return undefined;
}

/** The real server script behind `candidate`, skipping the Debian/RPM su wrapper. */
function usableServerScript(candidate: string): string | undefined {
  if (!isExecutable(candidate)) return undefined;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return undefined;
  }
  if (path.basename(real) === 'rabbitmq-server') return candidate;
  // The wrapper is a symlink to rabbitmq-script-wrapper sitting next to the real script.
  const sibling = path.join(path.dirname(real), 'rabbitmq-server');
  return isExecutable(sibling) && path.basename(realpathSync(sibling)) === 'rabbitmq-server'
    ? sibling
    : undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return lstatSync(file).isFile() || lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function findOnPath(name: string, extraDirs: readonly string[]): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of [...pathDirs, ...extraDirs]) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The epmd binary, which is not always on PATH (it lives in erts-<v>/bin). */
export function findEpmd(): string | undefined {
  const ertsDirs: string[] = [];
  for (const root of ['/usr/lib/erlang', '/usr/local/lib/erlang', '/opt/homebrew/lib/erlang']) {
    try {
      for (const entry of readdirSync(root)) {
        if (entry.startsWith('erts-')) ertsDirs.push(path.join(root, entry, 'bin'));
      }
    } catch {
      // Not installed there.
    }
  }
  return findOnPath('epmd', [
    '/usr/lib/erlang/bin',
    '/opt/homebrew/bin',
    '/usr/local/bin',
    ...ertsDirs,
  ]);
}

/** Why no private node can start: RabbitMQ is missing (where we looked, when told where). */
export function notInstalledMessage(): string {
  const only = process.env[RABBITMQ_DIR_ENV];
  if (only) {
    return `RabbitMQ is not installed in ${only} (${RABBITMQ_DIR_ENV} limits the search to it and it holds no rabbitmq-server script); point ${RABBITMQ_DIR_ENV} at the directory that does, or unset it and ${lowerFirst(installHint())}`;
  }
  return `RabbitMQ is not installed. ${installHint()}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** `npm run setup` exists in a clone of the repository, not where the package was installed. */
function inSourceCheckout(): boolean {
  return existsSync(new URL('../../../scripts/setup.sh', import.meta.url));
}

function installWith(command: string): string {
  return inSourceCheckout()
    ? `Install RabbitMQ with \`npm run setup\` (or \`${command}\`).`
    : `Install RabbitMQ with \`${command}\`.`;
}

export function installHint(): string {
  if (process.platform === 'darwin') return installWith('brew install rabbitmq');
  if (process.platform === 'linux') {
    if (findOnPath('apt-get', ['/usr/bin'])) {
      return installWith('sudo apt-get install rabbitmq-server');
    }
    if (findOnPath('dnf', ['/usr/bin'])) {
      return 'Install RabbitMQ with `sudo dnf install rabbitmq-server`.';
    }
  }
  return 'Install RabbitMQ from https://www.rabbitmq.com/download.html and make sure `rabbitmq-server` is on your PATH.';
}
