import { Router } from 'express';
import { withTimeout } from '../async';
import type { Metrics } from '../metrics';

export interface DependencyCheck {
  name: string;
  check(): Promise<unknown>;
}

const CHECK_TIMEOUT_MS = 1500;

/**
 * /healthz: the process is alive (for restarts). /readyz: every dependency answers (for load
 * balancers), else 503 naming the ones that failed, with `details` (what is on and off) either
 * way; 503 `draining` once the instance is shutting down. /metrics: Prometheus text.
 */
export function healthRoutes(checks: DependencyCheck[], metrics: Metrics, details: () => Record<string, unknown> = () => ({}), draining: () => boolean = () => false): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    if (draining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS, `${name} check`);
          return { name, ok: true as const };
        } catch (err) {
          return { name, ok: false as const, error: (err as Error).message };
        }
      }),
    );
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    res.status(failed.length ? 503 : 200).json({
      status: failed.length ? 'unavailable' : 'ready',
      failed,
      checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : 'failed'])),
      // What works without making the instance unready (e.g. a notification channel without credentials).
      ...details(),
    });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
