import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted Confluent-compatible schema registry on a loopback port: it serves the schemas it is
 * given by id (and subjects for references), checks credentials when told to, and can be made to
 * fail, redirect or answer too much, so the client's failover, bounds and scrubbing are tested
 * against a real HTTP server.
 */

export interface ScriptedSchema {
  readonly schema: string;
  readonly schemaType?: 'AVRO' | 'PROTOBUF' | 'JSON';
  readonly references?: readonly { name: string; subject: string; version: number }[];
}

export interface ScriptedRegistry {
  readonly url: string;
  /** Every request's path and Authorization header, in order. */
  readonly requests: {
    path: string;
    authorization: string | undefined;
    headers: IncomingMessage['headers'];
  }[];
  /** Replaces the answer to the next requests: a status and body, or a function. */
  script(handler: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function startScriptedRegistry(options: {
  readonly schemas: Readonly<Record<string, ScriptedSchema>>;
  readonly subjects?: Readonly<Record<string, ScriptedSchema & { id: number }>>;
  /** The Authorization header every request must carry; 401 otherwise. */
  readonly authorization?: string;
}): Promise<ScriptedRegistry> {
  const requests: ScriptedRegistry['requests'] = [];
  let scripted: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push({ path, authorization: req.headers.authorization, headers: req.headers });
    if (scripted?.(req, res)) return;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      json(401, {
        error_code: 401,
        message: `Unauthorized: ${req.headers.authorization ?? 'no credentials'}`,
      });
      return;
    }
    const byId = /\/schemas\/ids\/(\d+)$/.exec(path);
    if (byId) {
      const found = options.schemas[byId[1] as string];
      if (found === undefined) json(404, { error_code: 40403, message: 'Schema not found' });
      else json(200, found);
      return;
    }
    const bySubject = /\/subjects\/([^/]+)\/versions\/([^/]+)$/.exec(path);
    if (bySubject) {
      const key = `${decodeURIComponent(bySubject[1] as string)}/${bySubject[2]}`;
      const found = options.subjects?.[key];
      if (found === undefined) json(404, { error_code: 40402, message: 'Version not found' });
      else json(200, found);
      return;
    }
    json(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (handler) => {
      scripted = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
