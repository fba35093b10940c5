import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The provider organisation's own data source: a small HTTP server behind its connector. */
export interface Origin {
  url: string;
  files: Record<string, string>;
  close(): Promise<void>;
}

const AIR_QUALITY = [
  'station,date,pm25,pm10,no2',
  'Oslo-Kirkeveien,2026-11-01,7.1,14.2,31',
  'Oslo-Kirkeveien,2026-11-02,9.4,18.0,35',
  'Bergen-Danmarksplass,2026-11-01,5.2,11.9,28',
  'Bergen-Danmarksplass,2026-11-02,6.8,13.1,30',
].join('\n');

const TRAFFIC = JSON.stringify(
  [
    { site: 'E18-Lysaker', hour: '2026-11-01T08:00Z', vehicles: 4210 },
    { site: 'E18-Lysaker', hour: '2026-11-01T09:00Z', vehicles: 3985 },
  ],
  null,
  2,
);

export async function startOrigin(host = '127.0.0.1'): Promise<Origin> {
  const files: Record<string, string> = { '/air-quality.csv': AIR_QUALITY, '/traffic-counts.json': TRAFFIC };
  const server: Server = createServer((req, res) => {
    const body = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = req.url?.endsWith('.csv') ? 'text/csv' : 'application/json';
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    files,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
