import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A StarRocks that loads nothing: the FE redirects with 307 before the body, the BE sends
 * 100 Continue, drains the body and answers Success. Keeps the benchmark about the sink, not the
 * stand-in's table engine.
 */
export interface NullStarRocks {
  readonly feUrl: string;
  readonly beUrl: string;
  close(): Promise<void>;
}

export async function startNullStarRocks(): Promise<NullStarRocks> {
  const state = { feUrl: '', beUrl: '' };
  const fe = http.createServer();
  const redirect = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(307, { Location: `${state.beUrl}${req.url}`, Connection: 'close' });
    res.end();
  };
  fe.on('checkContinue', redirect);
  fe.on('request', redirect);
  const be = http.createServer();
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          TxnId: 1,
          Label: req.headers.label ?? '',
          Status: 'Success',
          Message: 'OK',
          LoadBytes: bytes,
        }),
      );
    });
  };
  be.on('checkContinue', (req, res) => {
    res.writeContinue();
    answer(req, res);
  });
  be.on('request', answer);
  const listen = (server: http.Server) =>
    new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      ),
    );
  state.feUrl = await listen(fe);
  state.beUrl = await listen(be);
  return Object.assign(state, {
    close: async () => {
      fe.closeAllConnections();
      be.closeAllConnections();
      await Promise.all([new Promise((r) => fe.close(r)), new Promise((r) => be.close(r))]);
    },
  });
}
