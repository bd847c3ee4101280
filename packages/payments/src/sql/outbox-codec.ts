import type { OutboxEntry, OutboxEvent } from '../ports.js';

/**
 * The stored form of an outbox row: its events in columns. The events of one transaction share
 * their shape (the same keys, nested the same way) and most of their values: each shape is
 * stored once with its constant values, each event as its id and the values that vary, and a
 * value equal to the event's id (the audit events' `details.eventId`) not at all. About a third
 * of the plain JSON, and cheap to write and read (arrays of primitives).
 *
 * `{"v":2,"s":[[paths, kinds, constants]…],"e":[[id, shape, …varying values]…]}`; `kinds[i]`:
 * 0 varies, 1 constant (`constants[i]`), 2 the event id.
 */

type Json = unknown;
type Path = string[];
interface Shape {
  paths: Path[];
  /** 0 varies, 1 constant, 2 the event id. */
  kinds: number[];
  constants: Json[];
}

const isPlain = (value: Json): value is Record<string, Json> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Sets an own property, also one named `__proto__` (plain assignment would set the prototype). */
const define = (target: Record<string, Json>, key: string, value: Json) => {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
};

/**
 * The leaves of a payload in key order (JSON semantics: `undefined` members are left out; an
 * object without any leaf is a leaf `{}`), and a key naming its shape.
 */
function flatten(payload: Json): { key: string; paths: Path[]; values: Json[] } {
  const paths: Path[] = [];
  const values: Json[] = [];
  let key = '';
  const walk = (value: Json, path: Path): void => {
    if (isPlain(value)) {
      const before = values.length;
      const mark = key.length;
      key += '{';
      for (const name of Object.keys(value)) {
        const member = value[name];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol')
          continue;
        key += `${JSON.stringify(name)}:`;
        walk(member, [...path, name]);
      }
      if (values.length === before) {
        key = `${key.slice(0, mark)}.`;
        paths.push(path);
        values.push({});
        return;
      }
      key += '}';
      return;
    }
    key += '.';
    paths.push(path);
    values.push(value === undefined ? null : value);
  };
  walk(payload, []);
  return { key, paths, values };
}

const isPrimitive = (value: Json) => value === null || typeof value !== 'object';

/** The key structure of a shape: a plain object's keys in order, each a nested node or a leaf. */
interface Node {
  keys: string[];
  children: Array<Node | undefined>;
}

/** A template from the paths of a flattened payload (undefined: the payload is a leaf). */
function templateOf(paths: readonly Path[]): Node | undefined {
  if (paths.length === 1 && paths[0]!.length === 0) return undefined;
  const root: Node = { keys: [], children: [] };
  for (const path of paths) {
    let node = root;
    for (let depth = 0; depth < path.length; depth++) {
      const name = path[depth]!;
      const last = depth === path.length - 1;
      if (node.keys[node.keys.length - 1] !== name) {
        node.keys.push(name);
        node.children.push(last ? undefined : { keys: [], children: [] });
      }
      if (!last) node = node.children[node.children.length - 1]!;
    }
  }
  return root;
}

/**
 * Collects the leaves of `value` into `out` when it has exactly the keys of `node`, in order
 * (the common case: a group's events are built by the same code). False: use {@link flatten}.
 */
function match(node: Node | undefined, value: Json, out: Json[]): boolean {
  if (node === undefined) {
    if (isPlain(value)) {
      for (const name in value) if (Object.hasOwn(value, name)) return false;
      out.push({});
      return true;
    }
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol')
      return false;
    out.push(value);
    return true;
  }
  if (!isPlain(value)) return false;
  const { keys, children } = node;
  let index = 0;
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    if (index >= keys.length || keys[index] !== name) return false;
    const member = value[name];
    if (member === undefined || !match(children[index], member, out)) return false;
    index += 1;
  }
  return index === keys.length;
}

interface StoredShape extends Shape {
  template: Node | undefined;
}

export function encodeEvents(events: readonly OutboxEvent[]): string {
  const shapes: StoredShape[] = [];
  const shapeOf = new Map<string, number>();
  let recent = -1;
  const values: Json[] = [];
  const rows = events.map((event) => {
    values.length = 0;
    let index = recent >= 0 && match(shapes[recent]!.template, event.payload, values) ? recent : -1;
    if (index < 0) {
      const flat = flatten(event.payload);
      values.length = 0;
      values.push(...flat.values);
      const known = shapeOf.get(flat.key);
      if (known === undefined) {
        index = shapes.length;
        shapeOf.set(flat.key, index);
        shapes.push({
          paths: flat.paths,
          template: templateOf(flat.paths),
          // Until shown otherwise: each primitive leaf constant (or the id), the others varying.
          kinds: flat.values.map((value) => (value === event.id ? 2 : isPrimitive(value) ? 1 : 0)),
          constants: flat.values,
        });
      } else index = known;
    }
    recent = index;
    const shape = shapes[index]!;
    for (let leaf = 0; leaf < values.length; leaf++) {
      const kind = shape.kinds[leaf];
      if (
        kind === 1
          ? values[leaf] !== shape.constants[leaf]
          : kind === 2 && values[leaf] !== event.id
      )
        shape.kinds[leaf] = 0;
    }
    return { id: event.id, shape: index, values: values.slice() };
  });
  return JSON.stringify({
    v: 2,
    s: shapes.map(({ paths, kinds, constants }) => [
      paths,
      kinds,
      constants.map((value, leaf) => (kinds[leaf] === 1 ? value : null)),
    ]),
    e: rows.map(({ id, shape, values: leaves }) => {
      const row: Json[] = [id, shape];
      const { kinds } = shapes[shape]!;
      for (let leaf = 0; leaf < leaves.length; leaf++)
        if (kinds[leaf] === 0) row.push(leaves[leaf]);
      return row;
    }),
  });
}

/** Rebuilds a payload from its leaves (in key order, so parents come before their members). */
function build(paths: readonly Path[], values: readonly Json[]): Json {
  if (paths.length === 1 && paths[0]!.length === 0) return values[0];
  const root: Record<string, Json> = {};
  for (let leaf = 0; leaf < paths.length; leaf++) {
    const path = paths[leaf]!;
    let target = root;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const name = path[depth]!;
      let next = Object.hasOwn(target, name) ? target[name] : undefined;
      if (next === undefined) {
        next = {};
        define(target, name, next);
      }
      target = next as Record<string, Json>;
    }
    define(target, path[path.length - 1]!, values[leaf]);
  }
  return root;
}

/** The previous stored form: each payload as its difference from the one before. */
type Delta = Json;
const removedKey = '\u0000removed';
function patch(before: Json, delta: Delta): Json {
  if (!isPlainJson(before) || !isPlainJson(delta)) return delta;
  const out: Record<string, Json> = { ...before };
  for (const key of Object.keys(delta)) {
    const value = delta[key];
    if (key === removedKey) for (const gone of value as string[]) delete out[gone];
    else {
      const old = Object.hasOwn(before, key) ? before[key] : undefined;
      define(out, key, isPlainJson(value) && isPlainJson(old) ? patch(old, value) : value);
    }
  }
  return out;
}
const isPlainJson = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function decodeEvents(text: string): OutboxEntry['events'] {
  const stored = JSON.parse(text) as
    | { v: 2; s: Array<[Path[], number[], Json[]]>; e: Json[][] }
    | Array<[string, Delta]>;
  if (Array.isArray(stored)) {
    // Rows written before the columnar form.
    let previous: Json = {};
    return stored.map(([id, delta]) => {
      previous = patch(previous, delta);
      return { id, payload: previous };
    });
  }
  return stored.e.map((row) => {
    const id = row[0] as string;
    const [paths, kinds, constants] = stored.s[row[1] as number]!;
    const values: Json[] = new Array(paths.length);
    let next = 2;
    for (let leaf = 0; leaf < paths.length; leaf++) {
      const kind = kinds[leaf];
      values[leaf] = kind === 0 ? row[next++] : kind === 1 ? constants[leaf] : id;
    }
    return { id, payload: build(paths, values) };
  });
}
