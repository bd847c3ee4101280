import { AuditError } from '../errors.js';
import type { AuditStore, LeafFields, StoredLeaf, StoredLeafPage } from '../ports.js';
import {
  appendLeaves,
  type CompactRange,
  compactRangeRoot,
  emptyCompactRange,
} from '../tree/compact-range.js';
import type { Hash } from '../tree/merkle.js';

/**
 * An in-memory {@link AuditStore} for tests and demos: every perfect subtree hash is kept, so
 * proofs are O(log n); queries scan. Not durable.
 */
export function memoryAuditStore(): AuditStore & {
  /** Test hook: the raw rows, so a test can tamper with them. */
  readonly rows: Array<StoredLeaf & { fields: LeafFields }>;
} {
  const rows: Array<StoredLeaf & { fields: LeafFields }> = [];
  const levels: Hash[][] = [];
  let range: CompactRange = emptyCompactRange();
  let root = compactRangeRoot(range);

  return {
    specificationVersion: 'audit-store/v1',
    name: 'memory',
    rows,
    async append(leaves) {
      const first = range.size;
      range = appendLeaves(
        range,
        leaves.map((leaf) => leaf.leafHash),
        (node) => {
          let level = levels[node.level];
          if (!level) {
            level = [];
            levels[node.level] = level;
          }
          level[node.index] = node.hash;
        },
      );
      for (const [offset, leaf] of leaves.entries()) {
        rows.push({
          index: first + offset,
          leaf: leaf.leaf,
          leafHash: leaf.leafHash,
          fields: leaf.fields,
        });
      }
      root = compactRangeRoot(range);
      return { first, head: { size: range.size, rootHash: root } };
    },
    async head() {
      return { size: range.size, rootHash: root };
    },
    async nodes(keys) {
      return keys.map((key) => {
        const hash = levels[key.level]?.[key.index];
        if (!hash)
          throw new AuditError(
            'AUDIT_INDEX_OUT_OF_RANGE',
            `[audit/memory] no node ${key.level}/${key.index}`,
          );
        return hash;
      });
    },
    async leaves(from, to) {
      return rows
        .slice(Math.max(0, from), Math.max(0, to))
        .map(({ index, leaf, leafHash }) => ({ index, leaf, leafHash }));
    },
    async query(query) {
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      const matches: StoredLeaf[] = [];
      let next: string | undefined;
      for (let index = start; index < rows.length; index++) {
        const { fields, leaf, leafHash } = rows[index]!;
        if (query.subject !== undefined && fields.subjectPseudonym !== query.subject) continue;
        if (query.actor !== undefined && fields.actorId !== query.actor) continue;
        if (query.action !== undefined && fields.action !== query.action) continue;
        if (query.block !== undefined && fields.block !== query.block) continue;
        if (query.from !== undefined && Date.parse(fields.time) < Date.parse(query.from)) continue;
        if (query.to !== undefined && Date.parse(fields.time) >= Date.parse(query.to)) continue;
        if (matches.length === query.limit) {
          next = String(index);
          break;
        }
        matches.push({ index, leaf, leafHash });
      }
      const page: StoredLeafPage = { leaves: matches };
      if (next !== undefined) page.next = next;
      return page;
    },
  };
}
