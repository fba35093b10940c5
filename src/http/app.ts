import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Level, Logger } from 'pino';
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
  app.use(requestLog(options.log.child({ listener: options.listener })));
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

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id: the caller's `X-Request-Id` when it is a plain token, else a new UUID. */
    id?: string;
  }
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * The request id (echoed as `X-Request-Id`) and one log line per request when it ends: debug for
 * success, info for 4xx, error for 5xx and for a response cut off before it was sent. Nothing is built
 * for a level the logger leaves out (pino-http made a child logger and serialised the request for every
 * request, about 7% of the data plane's CPU per 1 KiB request).
 */
function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const start = performance.now();
    const done = () => {
      res.off('close', done);
      res.off('finish', done);
      const level: Level =
        !res.writableFinished || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      if (!log.isLevelEnabled(level)) return;
      log[level](
        {
          reqId: id,
          req: { method: req.method, url: req.originalUrl },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
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
