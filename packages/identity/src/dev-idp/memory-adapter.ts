import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * A per-IdP in-memory storage adapter for oidc-provider (sessions, codes, grants, tokens).
 * oidc-provider's built-in one is process-global; this one keeps each dev IdP's state to itself
 * (parallel tests, key rotation keeps sessions). Entries expire with their `expiresIn`.
 */
export function memoryAdapterFactory(): (name: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const grants = new Map<string, Set<string>>();
  let writes = 0;
  /** Sweeps expired entries now and then, so a long-running dev IdP does not grow forever. */
  const sweep = () => {
    writes += 1;
    if (writes % 500 !== 0) return;
    const now = Date.now();
    for (const [storeKey, entry] of store) if (entry.expiresAt <= now) store.delete(storeKey);
    for (const [grantId, keys] of grants) {
      for (const storeKey of keys) if (!store.has(storeKey)) keys.delete(storeKey);
      if (keys.size === 0) grants.delete(grantId);
    }
  };
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [storeKey, entry] of store) {
        if (storeKey.startsWith(`${name}:`) && entry.payload[field] === value)
          return live(storeKey);
      }
      return undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        sweep();
        store.set(key(id), {
          payload,
          expiresAt: Date.now() + (expiresIn > 0 ? expiresIn * 1000 : 3_600_000),
        });
        if (payload.grantId !== undefined) {
          const set = grants.get(payload.grantId) ?? new Set<string>();
          set.add(key(id));
          grants.set(payload.grantId, set);
        }
      },
      async find(id) {
        return live(key(id));
      },
      async findByUid(uid) {
        return findBy('uid', uid);
      },
      async findByUserCode(userCode) {
        return findBy('userCode', userCode);
      },
      async consume(id) {
        const payload = live(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const storeKey of grants.get(grantId) ?? []) store.delete(storeKey);
        grants.delete(grantId);
      },
    };
  };
}
