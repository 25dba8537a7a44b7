import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * The client's IP: the socket address, or the X-Forwarded-For hop just before the first
 * proxy we do not trust. Only the proxies in TRUSTED_PROXIES are believed, so a client cannot
 * pick its own IP (and dodge per-IP limits) by sending the header itself.
 */
export function clientIpResolver(trustedProxies: readonly string[]): (request: IncomingMessage) => string {
  const trust = proxyAddr.compile([...trustedProxies]);
  return (request) => {
    try {
      return proxyAddr(request, trust);
    } catch {
      return request.socket.remoteAddress ?? 'unknown';
    }
  };
}
