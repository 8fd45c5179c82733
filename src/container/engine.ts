// Whether a Docker engine answers, asked directly over its API (GET /version) before anything
// loads testcontainers: a machine without Docker gets a reason it can print or skip with, not
// a stack from deep inside a client library. DOCKER_HOST is read on every call, since
// testcontainers keeps the first engine it found for the life of the process.
import { existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';
import { DockerUnavailableError } from './errors.ts';

/** A Docker engine that answered. */
export interface DockerEngine {
  /** Where it answered: the unix socket path or host:port. */
  endpoint: string;
  /** The engine's version, as GET /version reports it. */
  version: string;
  /** The newest API version it speaks. */
  apiVersion: string;
}

/** What checkDocker found: an engine, or the reason there is none (for a skip note). */
export type DockerCheck =
  | ({
      /** An engine answered. */
      available: true;
    } & DockerEngine)
  | {
      /** No engine answered. */
      available: false;
      /** Why, in a few words. */
      reason: string;
    };

const DEFAULT_SOCKET = '/var/run/docker.sock';

function target(): { endpoint: string; options: RequestOptions; from: string } | { reason: string } {
  const host = process.env.DOCKER_HOST;
  const from = host ? `DOCKER_HOST=${host}` : 'the default socket';
  if (!host || host.startsWith('unix://')) {
    const socketPath = host ? host.slice('unix://'.length) : DEFAULT_SOCKET;
    if (!existsSync(socketPath)) return { reason: `the socket ${socketPath} (${from}) does not exist` };
    return { endpoint: socketPath, options: { socketPath }, from };
  }
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (!tcp) return { reason: `${from} is neither unix://PATH nor tcp://HOST:PORT` };
  return { endpoint: `${tcp[1]}:${tcp[2] ?? '2375'}`, options: { host: tcp[1], port: Number(tcp[2] ?? 2375) }, from };
}

/** Asks the engine for its version, within timeoutMs; never throws. */
export async function checkDocker(timeoutMs = 3_000): Promise<DockerCheck> {
  const t = target();
  if ('reason' in t) return { available: false, reason: t.reason };
  return new Promise((resolve) => {
    const req = request({ ...t.options, path: '/version', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200)
          return resolve({
            available: false,
            reason: `${t.endpoint} (${t.from}) answered GET /version with HTTP ${res.statusCode}`,
          });
        try {
          const v = JSON.parse(body) as { Version?: string; ApiVersion?: string };
          resolve({
            available: true,
            endpoint: t.endpoint,
            version: String(v.Version),
            apiVersion: String(v.ApiVersion),
          });
        } catch {
          resolve({ available: false, reason: `${t.endpoint} (${t.from}) answered, but not like a Docker engine` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ECONNREFUSED'
          ? 'nothing listens on it (is dockerd running?)'
          : error.code === 'EACCES'
            ? 'permission denied (root or the docker group needed)'
            : error.message;
      resolve({ available: false, reason: `${t.endpoint} (${t.from}): ${why}` });
    });
    req.end();
  });
}

/** The engine, or a DockerUnavailableError saying why there is none. */
export async function requireDocker(): Promise<DockerEngine> {
  const check = await checkDocker();
  if (!check.available) throw new DockerUnavailableError(check.reason);
  const { available: _, ...engine } = check;
  return engine;
}
