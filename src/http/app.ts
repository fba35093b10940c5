import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Histogram } from 'prom-client';
import { errorHandler, notFound } from './errors.js';

export interface AppOptions {
  listener: string;
  log: Logger;
  bodyLimitBytes: number;
  requestDuration?: Histogram<'listener' | 'method' | 'route' | 'status'>;
  /** Content types parsed as JSON (DSP peers send application/ld+json too). */
  jsonTypes?: string[];
}

/** The common base of every listener: request ids, request logs, JSON bodies with a size limit. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    pinoHttp({
      logger: options.log.child({ listener: options.listener }),
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }) },
    }),
  );
  if (options.requestDuration) app.use(measure(options.listener, options.requestDuration));
  app.use(
    express.json({
      limit: options.bodyLimitBytes,
      type: options.jsonTypes ?? ['application/json', 'application/ld+json', 'application/*+json'],
      strict: false,
    }),
  );
  return app;
}

/** Adds the 404 and error handlers; call after every route is mounted. */
export function finishApp(app: Express, log: Logger): Express {
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}

function measure(listener: string, h: Histogram<'listener' | 'method' | 'route' | 'status'>): RequestHandler {
  return (req, res, next) => {
    const end = h.startTimer({ listener, method: req.method });
    res.on('finish', () => {
      // The matched route pattern, not the raw path: keeps the label set small.
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? req.baseUrl + route : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
}
