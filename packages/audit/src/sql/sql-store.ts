import { randomBytes } from 'node:crypto';
import { isGovBlocksError, UnavailableError } from '@govblocks/core';
import { migrate, type SqlClient, type SqlExecutor } from '@govblocks/core/sql';
import { toBase64Url, toHex } from '../encoding.js';
import { AuditError } from '../errors.js';
import type { AuditStore, StoredLeaf, StoredLeafPage } from '../ports.js';
import type { SubjectKeyStore } from '../subject-keys.js';
import { appendLeaves, compactRangeRoot } from '../tree/compact-range.js';
import type { Hash, NodeKey } from '../tree/merkle.js';
import { auditMigrations } from './migrations.js';

export interface SqlAuditStoreOptions {
  /** Run the audit migrations first (default true). */
  migrate?: boolean;
}

const bytes = (value: unknown): Uint8Array =>
  value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);

async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isGovBlocksError(error)) throw error;
    throw new UnavailableError(`[audit/sql] ${what} failed`, { cause: error });
  }
}

function splitCompact(compact: Uint8Array): Hash[] {
  const hashes: Hash[] = [];
  for (let offset = 0; offset < compact.length; offset += 32)
    hashes.push(compact.subarray(offset, offset + 32));
  return hashes;
}

/**
 * The PostgreSQL {@link AuditStore} (PGlite embedded, or a PostgreSQL server). One row per leaf,
 * with indexed query columns and the hashes of the perfect subtrees that leaf completed (node
 * (L, j) is in the row of leaf (j + 1)·2^L − 1), and a single head row holding the size, root and
 * compact range.
 *
 * Sequencing: each append locks the head row (`select … for update`) in its transaction, so
 * appends from any number of processes sharing the database are serialised — one sequencer, no
 * fork, no gap — and a batch commits wholly or not at all. Appends never read old nodes (the
 * compact range in the head row suffices), and a proof reads its O(log n) rows by primary key in
 * one query.
 *
 * PGlite is for development and pilots (it does not fsync); run PostgreSQL in production.
 *
 * @example
 * const store = await sqlAuditStore(await openDatabase(process.env.DATABASE_URL));
 */
export async function sqlAuditStore(
  client: SqlClient,
  options: SqlAuditStoreOptions = {},
): Promise<AuditStore> {
  if (options.migrate !== false) await migrate(client, auditMigrations);

  const readHead = async (executor: SqlExecutor, lock: boolean) => {
    const { rows } = await executor.query<{ size: number; root: Uint8Array; compact: Uint8Array }>(
      `select size, root, compact from audit_head where id = 1${lock ? ' for update' : ''}`,
    );
    const row = rows[0];
    if (!row) throw new AuditError('AUDIT_STORE_CORRUPT', '[audit/sql] the head row is missing');
    return { size: Number(row.size), rootHash: bytes(row.root), compact: bytes(row.compact) };
  };

  return {
    specificationVersion: 'audit-store/v1',
    name: 'sql',

    append(leaves) {
      return guarded('append', () =>
        client.transaction(async (tx) => {
          const head = await readHead(tx, true);
          const first = head.size;
          // The subtrees each leaf completes go into that leaf's row (see the migration).
          const completed: Hash[][] = [];
          const range = appendLeaves(
            { size: head.size, hashes: splitCompact(head.compact) },
            leaves.map((leaf) => leaf.leafHash),
            (node) => {
              if (node.level === 0) completed.push([]);
              else completed[completed.length - 1]!.push(node.hash);
            },
          );
          const rows = leaves.map((leaf, offset) => ({
            idx: first + offset,
            leaf: leaf.leaf,
            leaf_hash: toHex(leaf.leafHash),
            nodes: toHex(Buffer.concat(completed[offset]!)),
            event_id: leaf.fields.id,
            time: leaf.fields.time,
            block: leaf.fields.block,
            action: leaf.fields.action,
            actor_id: leaf.fields.actorId,
            subject: leaf.fields.subjectPseudonym ?? null,
            outcome: leaf.fields.outcome,
          }));
          await tx.query(
            `insert into audit_leaves (idx, leaf, leaf_hash, nodes, event_id, time, block, action, actor_id, subject, outcome)
             select idx, leaf, decode(leaf_hash, 'hex'), decode(nodes, 'hex'), event_id, time, block, action, actor_id, subject, outcome
             from json_to_recordset($1::json) as r(idx bigint, leaf text, leaf_hash text, nodes text, event_id uuid,
               time timestamptz, block text, action text, actor_id text, subject text, outcome text)`,
            [JSON.stringify(rows)],
          );
          const rootHash = compactRangeRoot(range);
          await tx.query('update audit_head set size = $1, root = $2, compact = $3 where id = 1', [
            range.size,
            rootHash,
            Buffer.concat(range.hashes),
          ]);
          return { first, head: { size: range.size, rootHash } };
        }),
      );
    },

    head() {
      return guarded('head', async () => {
        const { size, rootHash } = await readHead(client, false);
        return { size, rootHash };
      });
    },

    nodes(keys) {
      return guarded('nodes', async () => {
        if (keys.length === 0) return [];
        // Node (level L, index j) is stored in the row of leaf (j + 1)·2^L − 1.
        const rowOf = (key: NodeKey) => (key.index + 1) * 2 ** key.level - 1;
        const { rows } = await client.query<{
          idx: number;
          leaf_hash: Uint8Array;
          nodes: Uint8Array;
        }>(
          'select idx, leaf_hash, nodes from audit_leaves where idx in (select json_array_elements_text($1::json)::bigint)',
          [JSON.stringify([...new Set(keys.map(rowOf))])],
        );
        const byRow = new Map(rows.map((row) => [Number(row.idx), row]));
        return keys.map((key) => {
          const row = byRow.get(rowOf(key));
          const nodes = row ? bytes(row.nodes) : undefined;
          if (!row || !nodes || nodes.length < key.level * 32) {
            throw new AuditError(
              'AUDIT_INDEX_OUT_OF_RANGE',
              `[audit/sql] no node ${key.level}/${key.index}`,
            );
          }
          return key.level === 0
            ? bytes(row.leaf_hash)
            : nodes.subarray((key.level - 1) * 32, key.level * 32);
        });
      });
    },

    leaves(from, to) {
      return guarded('leaves', async () => {
        const { rows } = await client.query<{ idx: number; leaf: string; leaf_hash: Uint8Array }>(
          'select idx, leaf, leaf_hash from audit_leaves where idx >= $1 and idx < $2 order by idx',
          [Math.max(0, from), Math.max(0, to)],
        );
        return rows.map(
          (row): StoredLeaf => ({
            index: Number(row.idx),
            leaf: row.leaf,
            leafHash: bytes(row.leaf_hash),
          }),
        );
      });
    },

    query(query) {
      return guarded('query', async () => {
        // Only the given filters go into the statement, so each shape gets a plan that uses its index.
        const where: string[] = [];
        const params: unknown[] = [];
        const add = (clause: string, value: unknown) => {
          params.push(value);
          where.push(clause.replace('?', `$${params.length}`));
        };
        if (query.subject !== undefined) add('subject = ?', query.subject);
        if (query.actor !== undefined) add('actor_id = ?', query.actor);
        if (query.action !== undefined) add('action = ?', query.action);
        if (query.block !== undefined) add('block = ?', query.block);
        if (query.from !== undefined) add('time >= ?::timestamptz', query.from);
        if (query.to !== undefined) add('time < ?::timestamptz', query.to);
        if (query.cursor !== undefined) add('idx >= ?', Number(query.cursor));
        params.push(query.limit + 1);
        const { rows } = await client.query<{ idx: number; leaf: string; leaf_hash: Uint8Array }>(
          `select idx, leaf, leaf_hash from audit_leaves ${where.length ? `where ${where.join(' and ')}` : ''}
           order by idx limit $${params.length}`,
          params,
        );
        const leaves = rows.map(
          (row): StoredLeaf => ({
            index: Number(row.idx),
            leaf: row.leaf,
            leafHash: bytes(row.leaf_hash),
          }),
        );
        const page: StoredLeafPage = { leaves: leaves.slice(0, query.limit) };
        if (leaves.length > query.limit) page.next = String(leaves[query.limit]!.index);
        return page;
      });
    },
  };
}

/**
 * A {@link SubjectKeyStore} in the same database (table `audit_subject_keys`). For stronger
 * separation, give it a different `SqlClient` than the log, or wrap keys with a KMS.
 * Run `sqlAuditStore` (or core's `migrate` with `auditMigrations`) first.
 */
export function sqlSubjectKeyStore(client: SqlClient): SubjectKeyStore {
  return {
    keyFor(pseudonym) {
      return guarded('keyFor', async () => {
        await client.query(
          'insert into audit_subject_keys (pseudonym, key_id, key) values ($1, $2, $3) on conflict (pseudonym) do nothing',
          [pseudonym, toBase64Url(randomBytes(9)), new Uint8Array(randomBytes(32))],
        );
        const { rows } = await client.query<{ key_id: string; key: Uint8Array }>(
          'select key_id, key from audit_subject_keys where pseudonym = $1',
          [pseudonym],
        );
        const row = rows[0];
        if (!row)
          throw new UnavailableError('[audit/sql] subject key vanished while being created');
        return { id: row.key_id, key: bytes(row.key) };
      });
    },
    find(pseudonym, keyId) {
      return guarded('find', async () => {
        const { rows } = await client.query<{ key: Uint8Array }>(
          'select key from audit_subject_keys where pseudonym = $1 and key_id = $2',
          [pseudonym, keyId],
        );
        return rows[0] ? bytes(rows[0].key) : undefined;
      });
    },
    erase(pseudonym) {
      return guarded('erase', async () => {
        const { rowCount } = await client.query(
          'delete from audit_subject_keys where pseudonym = $1',
          [pseudonym],
        );
        return rowCount > 0;
      });
    },
  };
}
