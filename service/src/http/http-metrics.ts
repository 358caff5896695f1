import { BlockList, isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';
import { AppError } from '../errors/app-error.js';

/** Records http_request_duration_seconds with the route template (never the raw path: bounded labels). */
export function recordHttpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      end({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) });
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const route = req.route as { path?: string } | undefined;
  if (route?.path) return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}

/** Parses METRICS_ALLOW entries (CIDRs or single addresses) into a BlockList; loopback is always allowed. */
export function buildMetricsAllowList(entries: string[]): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (!address || family === 0) throw new Error(`METRICS_ALLOW: "${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export function isAllowedClient(list: BlockList, ip: string | undefined): boolean {
  if (!ip) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  const address = mapped?.[1] ?? ip;
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** GET /metrics for allowed clients only; `beforeScrape` refreshes gauges that are sampled on demand. Unix-socket peers (no remote address) are local processes. */
export function metricsEndpoint(
  metrics: Metrics,
  allow: BlockList,
  beforeScrape?: () => Promise<void>,
): RequestHandler {
  return async (req, res, next) => {
    // A unix-socket peer with no forwarded client address is a local process (e.g. a node-local scraper);
    // requests nginx forwards carry X-Forwarded-For and resolve to the real client (see trust-proxy.ts).
    const localProcess = req.socket.remoteAddress === undefined && req.ip === undefined;
    if (!localProcess && !isAllowedClient(allow, req.ip)) {
      return next(new AppError(403, 'forbidden', 'Metrics are only served to allowed networks.'));
    }
    await beforeScrape?.();
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
