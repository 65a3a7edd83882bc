import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';

export interface RedisTarget {
  /** redis://host:port[/db]; ignored when clusterNodes is set. */
  url: string;
  /** host:port of Redis Cluster seed nodes; empty for a single Redis. */
  clusterNodes: string[];
}

/** A client of a single Redis or of a Redis Cluster, with this project's redirect settings. */
export function redisClient(
  target: RedisTarget,
  redisOptions: RedisOptions,
  clusterOptions: Partial<ClusterOptions> = {},
): Redis | Cluster {
  if (!target.clusterNodes.length) return new Redis(target.url, redisOptions);
  return new Cluster(
    target.clusterNodes.map((n) => {
      const [host, port] = n.split(':');
      return { host, port: Number(port) };
    }),
    {
      redisOptions,
      enableOfflineQueue: false,
      // Fewer, quicker retries of MOVED/ASK/CLUSTERDOWN; callers bound the whole call.
      maxRedirections: 4,
      retryDelayOnClusterDown: 50,
      retryDelayOnTryAgain: 50,
      retryDelayOnMoved: 0,
      ...clusterOptions,
    },
  );
}
