import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

/**
 * Loopback addresses a client will reach when it dials `localhost`, in the
 * order Node tries them, restricted to the ones this machine can bind.
 * Node 20 keeps the resolver's order, so `localhost` may mean ::1 first; a
 * listener only on 127.0.0.1 would then rely on Happy Eyeballs fallback.
 */
export async function localhostAddresses(): Promise<string[]> {
  const resolved = await resolveLocalhost();
  const candidates = [...new Set([...resolved, '127.0.0.1'])];
  const usable: string[] = [];
  for (const address of candidates) {
    // A machine without IPv6 cannot bind ::1; skip it instead of failing.
    if (await canBind(address, 0)) usable.push(address);
  }
  return usable;
}

async function resolveLocalhost(): Promise<string[]> {
  try {
    const results = await lookup('localhost', { all: true, verbatim: true });
    return results.map((r) => r.address).filter(isLoopbackAddress);
  } catch {
    return [];
  }
}

/** Whether `port` can be bound on `host` right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Whether `port` is free on every one of `hosts`. */
export async function isPortFree(port: number, hosts: readonly string[]): Promise<boolean> {
  for (const host of hosts) {
    if (!(await canBind(host, port))) return false;
  }
  return true;
}

/** Let the kernel pick a port on the first host, then check it on the others. */
async function ephemeralPort(hosts: readonly string[]): Promise<number> {
  const first = hosts[0] ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: first, port: 0, exclusive: true }, () => {
      const address = server.address();
      const picked = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(picked));
    });
  });
  return port;
}

/**
 * The kernel's range for the local ports of outgoing connections (Linux: ip_local_port_range;
 * elsewhere the IANA range macOS uses). A listener planned inside it can be taken by any client's
 * connection in the seconds before the broker binds it (a cluster boots for 15 s and more).
 */
export function outgoingPortRange(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): [number, number] {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return [low, high];
  } catch {
    // Not Linux: fall through.
  }
  return [49_152, 65_535];
}

/** A port to try for a listener: at random below the outgoing range (or above it), from 10000. */
export function listenerCandidate(range = outgoingPortRange(), random = Math.random): number {
  const [low, high] = range;
  const below = low - 1 - 10_000;
  const above = 65_535 - high;
  if (below >= above) return 10_000 + Math.floor(random() * below);
  return high + 1 + Math.floor(random() * above);
}

/**
 * A port free on all `hosts` and not in `exclude`: `preferred` when possible, otherwise one
 * outside the range the kernel hands to outgoing connections (see `outgoingPortRange`), and a
 * kernel-picked one only when none of those is free.
 */
export async function choosePort(
  hosts: readonly string[],
  exclude: ReadonlySet<number>,
  preferred?: number,
): Promise<number> {
  if (preferred !== undefined && !exclude.has(preferred) && (await isPortFree(preferred, hosts))) {
    return preferred;
  }
  const range = outgoingPortRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = listenerCandidate(range);
    if (!exclude.has(port) && (await isPortFree(port, hosts))) return port;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await ephemeralPort(hosts);
    if (port > 0 && !exclude.has(port) && (await isPortFree(port, hosts))) return port;
  }
  throw new Error('could not find a free TCP port on the loopback interface');
}

/** Whether something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * Whether an AMQP 0-9-1 broker answers on host:port: send the protocol
 * header and expect a method frame (type 1, connection.start) back. A bare
 * TCP connect is not enough, another program could own the port.
 */
export function answersAmqp(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk: Buffer) => finish(chunk[0] === 1));
    socket.once('error', () => finish(false));
    socket.once('end', () => finish(false));
  });
}
