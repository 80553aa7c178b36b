/**
 * Lazy loading of the AWS SDK clients. A port's module imports only SDK *types* at the top level;
 * the client package itself is imported on the first call, so commands that never reach a service
 * never pay for loading its SDK.
 */

/** Anything with the SDK client's `send`/`destroy` shape. */
export interface SdkClientLike {
  destroy(): void;
}

/** Returns a memoised loader of `{ sdk, client }`; the module and client are created once. */
export function lazyClient<M, C extends SdkClientLike>(
  load: () => Promise<M>,
  make: (sdk: M) => C,
): { get: () => Promise<{ sdk: M; client: C }>; destroy: () => void } {
  let pending: Promise<{ sdk: M; client: C }> | undefined;
  let created: C | undefined;
  return {
    get() {
      pending ??= load().then((sdk) => {
        created = make(sdk);
        return { sdk, client: created };
      });
      // A failed import is not cached: the next call retries it.
      pending.catch(() => {
        pending = undefined;
      });
      return pending;
    },
    destroy() {
      created?.destroy();
      created = undefined;
      pending = undefined;
    },
  };
}
