import { Etcd3, Lease } from 'etcd3';
import { Registration } from '../../ports/config-store.port';

export interface RegistrationOptions {
  onError: (error: unknown) => void;
  /** How long to wait between attempts while etcd does not answer. */
  timeoutMs: number;
}

/**
 * A key bound to a lease kept alive in the background. When the lease is lost (etcd was away
 * longer than the TTL, or said the lease expired), the key is written again under a **new** lease:
 * in etcd3 1.1.2 a lease whose grant failed stays dead, so each attempt grants its own and
 * releases it if the attempt fails. Resolves once the key is first written; rejects if that fails.
 */
export async function startRegistration(
  client: Etcd3,
  key: Buffer,
  value: string,
  ttlSeconds: number,
  options: RegistrationOptions,
): Promise<Registration> {
  let closed = false;
  let lease: Lease | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  // Retry well within one TTL, so an instance is back in the registry soon after etcd is.
  const retryMs = Math.min(options.timeoutMs, (ttlSeconds * 1000) / 4);

  const attempt = async (): Promise<void> => {
    const fresh = client.lease(ttlSeconds);
    // A failed grant emits 'lost' on the fresh lease; it is dealt with by the caller's catch.
    fresh.on('lost', () => undefined);
    try {
      await fresh.grant();
      await fresh.put(key).value(value).exec();
    } catch (error) {
      fresh.release();
      throw error;
    }
    if (closed) {
      await fresh.revoke().catch(() => undefined);
      return;
    }
    lease = fresh;
    fresh.removeAllListeners('lost');
    fresh.once('lost', (error: Error) => {
      options.onError(error);
      if (lease === fresh) lease = undefined;
      retry();
    });
  };

  const retry = (): void => {
    if (closed) return;
    attempt().catch((error: unknown) => {
      options.onError(error);
      if (closed) return;
      retryTimer = setTimeout(retry, retryMs);
      retryTimer.unref();
    });
  };

  await attempt();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      await lease?.revoke().catch(() => undefined);
    },
  };
}
