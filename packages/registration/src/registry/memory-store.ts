import type { RegistryStore, RegistryStoreTx, StoredRegistry } from './ports.js';
import { compareKeys, keyOf, queryMatches } from './query-match.js';
import type { RegistryRecord } from './schemas.js';

interface Row {
  seq: number;
  record: RegistryRecord;
}

/**
 * An in-memory {@link RegistryStore} for tests and throw-away demos. Transactions are serialised
 * and rolled back on a throw, so it behaves like the sql store under the conformance kit.
 */
export function memoryRegistryStore(): RegistryStore {
  const registries = new Map<number, StoredRegistry>();
  const records = new Map<number, Map<string, Row>>();
  let nextId = 1;
  let nextSeq = 1;
  let queue: Promise<unknown> = Promise.resolve();

  const clone = <T>(value: T): T => structuredClone(value);

  const reads: RegistryStoreTx = {
    async getRegistry(selector) {
      if ('id' in selector) return clone(registries.get(selector.id));
      for (const registry of registries.values()) {
        if (registry.name === selector.registry && registry.version === selector.version)
          return clone(registry);
      }
      return undefined;
    },
    async listRegistries() {
      return [...registries.values()].sort((a, b) => a.id - b.id).map(clone);
    },
    async getRecord(registryId, uuid) {
      return clone(records.get(registryId)?.get(uuid)?.record);
    },
    async findRecords(registryId, query) {
      const rows = [...(records.get(registryId)?.values() ?? [])].filter((row) =>
        queryMatches(row.record.content, query),
      );
      const order = query.orderBy;
      rows.sort((a, b) => {
        if (order) {
          const left = keyOf(a.record.content, order.field, order.kind);
          const right = keyOf(b.record.content, order.field, order.kind);
          // NULLS LAST in both directions, as the sql store says.
          if (left === undefined && right !== undefined) return 1;
          if (right === undefined && left !== undefined) return -1;
          if (left !== undefined && right !== undefined) {
            const difference = compareKeys(left, right);
            if (difference !== 0) return order.direction === 'asc' ? difference : -difference;
          }
        }
        return a.seq - b.seq;
      });
      return {
        total: rows.length,
        records: rows
          .slice(query.offset, query.offset + query.limit)
          .map((row) => clone(row.record)),
      };
    },
    async findRecordsForUpdate(registryId, query) {
      return (await reads.findRecords(registryId, query)).records;
    },
    async saveRegistry(definition) {
      const existing = await reads.getRegistry({
        registry: definition.name,
        version: definition.version,
      });
      const saved: StoredRegistry = { ...clone(definition), id: existing?.id ?? nextId++ };
      registries.set(saved.id, saved);
      if (!records.has(saved.id)) records.set(saved.id, new Map());
      return clone(saved);
    },
    async deleteRegistry(registryId) {
      const count = records.get(registryId)?.size ?? 0;
      registries.delete(registryId);
      records.delete(registryId);
      return count;
    },
    async insertRecord(registryId, record) {
      records.get(registryId)?.set(record.uuid, { seq: nextSeq++, record: clone(record) });
    },
    async updateRecords(registryId, updated) {
      const table = records.get(registryId);
      for (const record of updated) {
        const row = table?.get(record.uuid);
        if (row) row.record = clone(record);
      }
    },
    async deleteRecords(registryId, uuids) {
      const table = records.get(registryId);
      for (const uuid of uuids) table?.delete(uuid);
    },
  };

  return {
    read: reads,
    transaction(fn) {
      const run = async () => {
        // Snapshot for rollback: memory stores hold test-sized data.
        const savedRegistries = clone([...registries.entries()]);
        const savedRecords = [...records.entries()].map(
          ([id, table]) => [id, new Map([...table].map(([k, v]) => [k, { ...v }]))] as const,
        );
        const savedIds = [nextId, nextSeq];
        try {
          return await fn(reads);
        } catch (error) {
          registries.clear();
          for (const [id, registry] of savedRegistries) registries.set(id, registry);
          records.clear();
          for (const [id, table] of savedRecords) records.set(id, table);
          [nextId, nextSeq] = savedIds as [number, number];
          throw error;
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
