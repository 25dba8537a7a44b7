import type { IncomingMessage } from 'node:http';
import { Cluster } from 'ioredis';
import { isDependencyUnavailable } from '../../src/platform/errors';
import { clientIpResolver } from '../../src/platform/http';
import { requestIdFrom } from '../../src/platform/logger';
import { connectRedis } from '../../src/platform/redis';

describe('isDependencyUnavailable', () => {
  it('recognises connection failures however they are wrapped', () => {
    expect(isDependencyUnavailable(Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDependencyUnavailable({ thrownValue: { code: 'ECONNREFUSED', errno: -111 } })).toBe(true);
    expect(isDependencyUnavailable(new Error('outer', { cause: new Error('Connection is closed.') }))).toBe(true);
    expect(isDependencyUnavailable(new AggregateError([new Error('x'), Object.assign(new Error('y'), { code: '57P01' })]))).toBe(true);
    // Turned into text on the way (graphql-ws does so with a throwable it does not take for an Error).
    expect(isDependencyUnavailable(new Error('Error: read ECONNRESET'))).toBe(true);
    expect(isDependencyUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
  });

  it('does not mistake bugs for outages', () => {
    expect(isDependencyUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isDependencyUnavailable(Object.assign(new Error('duplicate'), { code: '23505' }))).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
    // A client's input quoted in an error is not an outage, whatever it says.
    expect(isDependencyUnavailable(new Error('Value "EPIPE" does not exist in "SosCategory" enum.'))).toBe(false);
    expect(isDependencyUnavailable(new Error('read ECONNRESETS'))).toBe(false);
  });
});

describe('requestIdFrom', () => {
  it('keeps a sane client id and replaces anything else', () => {
    expect(requestIdFrom('app-1234-abcd')).toBe('app-1234-abcd');
    expect(requestIdFrom(['first-id-123', 'second'])).toBe('first-id-123');
    for (const bad of [undefined, 'short', 'has spaces in it', 'x'.repeat(200), 'inject\n{"level":"fatal"}']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('clientIpResolver', () => {
  const request = (remoteAddress: string, forwardedFor?: string) =>
    ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    expect(clientIpResolver([])(request('203.0.113.1', '198.51.100.7'))).toBe('203.0.113.1');
    expect(clientIpResolver(['loopback'])(request('203.0.113.1', '198.51.100.7'))).toBe('203.0.113.1');
  });

  it('takes the hop before the first untrusted one', () => {
    const resolve = clientIpResolver(['loopback', '10.0.0.0/8']);
    expect(resolve(request('127.0.0.1', '198.51.100.7'))).toBe('198.51.100.7');
    // The client forged the first entry; the trusted proxy chain appended the real one.
    expect(resolve(request('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.0.0.5'))).toBe('198.51.100.7');
  });
});

describe('connectRedis', () => {
  it('refuses a cluster reached through a REDIS_URL naming a database other than 0 (a cluster has only database 0)', () => {
    expect(() => connectRedis({ url: 'redis://127.0.0.1:6379/3', clusterNodes: ['127.0.0.1:7000'] }, { lazyConnect: true })).toThrow('REDIS_URL names database 3');
    const cluster = connectRedis({ url: 'redis://127.0.0.1:6379/0', clusterNodes: ['127.0.0.1:7000'] }, { lazyConnect: true });
    expect(cluster).toBeInstanceOf(Cluster);
    cluster.disconnect();
  });
});
