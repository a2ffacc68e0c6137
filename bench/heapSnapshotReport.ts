/**
 * What a server's heap holds, from a V8 heap snapshot (issue 18's memory row: the books'
 * projections were not all the server held). Take one from a running server with
 * `node --heapsnapshot-signal=SIGUSR2 dist/src/app/main.js` and `kill -USR2 <pid>` (it is written
 * to the working directory, after a full GC), then:
 *
 *     node --max-old-space-size=12000 --import tsx bench/heapSnapshotReport.ts <file> [minMiB]
 *
 * Prints the self size by kind of object, the dominator tree down to parts of at least minMiB
 * (retained size: what would be freed if that object went; small siblings are summed by kind),
 * and how many bytes are copies of a string held elsewhere too, by owner. Weak edges do not
 * retain, as in DevTools. The snapshot file is parsed whole: allow about 8× its size of heap.
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const MIB = 1024 * 1024;
/** Lines printed per list. */
const TOP = 25;
/** Dominator-tree depth printed: deep enough to name a projection's maps. */
const MAX_DEPTH = 8;
const DEFAULT_MIN_MIB = 2;

const [file, minArgument] = process.argv.slice(2);
if (file === undefined)
  throw new Error('usage: heapSnapshotReport.ts <file.heapsnapshot> [minMiB]');
const minBytes = Number(minArgument ?? DEFAULT_MIN_MIB) * MIB;
const { snapshot, nodes, edges, strings } = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
const { meta } = snapshot;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const [TYPE, NAME, SELF, EDGE_COUNT] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
  meta.node_fields.indexOf(f),
) as [number, number, number, number];
const [EDGE_TYPE, EDGE_NAME, EDGE_TO] = ['type', 'name_or_index', 'to_node'].map((f) =>
  meta.edge_fields.indexOf(f),
) as [number, number, number];
const count = nodes.length / NF;

const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + EDGE_COUNT]! * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (n: number) => nodeTypes[nodes[n * NF + TYPE]!]!;
const nameOf = (n: number) => strings[nodes[n * NF + NAME]!]!;
const selfOf = (n: number) => nodes[n * NF + SELF]!;
const label = (n: number) =>
  ['object', 'closure', 'native'].includes(typeOf(n)) ? `${typeOf(n)} ${nameOf(n)}` : typeOf(n);
const retaining = new Set(['weak', 'shortcut'].map((t) => edgeTypes.indexOf(t)));
const retains = (e: number) => !retaining.has(edges[e + EDGE_TYPE]!);
const edgeName = (e: number) => {
  const kind = edgeTypes[edges[e + EDGE_TYPE]!];
  const value = edges[e + EDGE_NAME]!;
  return kind === 'element' || kind === 'hidden' ? `[${value}]` : strings[value]!;
};
const targetOf = (e: number) => edges[e + EDGE_TO]! / NF;

// Post-order from the root (node 0), then dominators by Cooper, Harvey and Kennedy's iteration.
const postIndex = new Int32Array(count).fill(-1);
const order: number[] = [];
const seen = new Uint8Array(count);
const cursor = new Uint32Array(count);
const stack = [0];
seen[0] = 1;
cursor[0] = firstEdge[0]!;
while (stack.length > 0) {
  const v = stack[stack.length - 1]!;
  if (cursor[v]! < firstEdge[v + 1]!) {
    const e = cursor[v]!;
    cursor[v] = e + EF;
    const w = targetOf(e);
    if (retains(e) && seen[w] === 0) {
      seen[w] = 1;
      cursor[w] = firstEdge[w]!;
      stack.push(w);
    }
  } else {
    stack.pop();
    postIndex[v] = order.length;
    order.push(v);
  }
}
const predecessors: number[][] = Array.from({ length: count }, () => []);
for (const v of order)
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF)
    if (retains(e)) predecessors[targetOf(e)]!.push(v);
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
for (let changed = true; changed;) {
  changed = false;
  for (let k = order.length - 2; k >= 0; k--) {
    const b = order[k]!;
    let next = -1;
    for (const p of predecessors[b]!) {
      if (idom[p] === -1) continue;
      if (next === -1) next = p;
      else {
        let [f1, f2] = [p, next];
        while (f1 !== f2) {
          while (postIndex[f1]! < postIndex[f2]!) f1 = idom[f1]!;
          while (postIndex[f2]! < postIndex[f1]!) f2 = idom[f2]!;
        }
        next = f1;
      }
    }
    if (idom[b] !== next) {
      idom[b] = next;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
const children = new Map<number, number[]>();
for (const v of order) {
  retained[v]! += selfOf(v);
  if (v === 0) continue;
  retained[idom[v]!]! += retained[v]!;
  const siblings = children.get(idom[v]!) ?? [];
  siblings.push(v);
  children.set(idom[v]!, siblings);
}
/** The name of the edge from v's dominator to v, where there is one. */
const edgeFromDominator = (v: number) => {
  const d = idom[v]!;
  for (let e = firstEdge[d]!; e < firstEdge[d + 1]!; e += EF)
    if (targetOf(e) === v) return edgeName(e);
  return '(through others)';
};
const mib = (bytes: number) => (bytes / MIB).toFixed(1).padStart(7);
const sumBy = (keys: Iterable<[string, number]>) => {
  const totals = new Map<string, [bytes: number, count: number]>();
  for (const [key, bytes] of keys) {
    const total = totals.get(key) ?? [0, 0];
    totals.set(key, [total[0] + bytes, total[1] + 1]);
  }
  return [...totals].sort(([, a], [, b]) => b[0] - a[0]).slice(0, TOP);
};

console.log(`${order.length} objects reachable, ${mib(retained[0]!)} MiB`);
console.log('\nself size by kind (MiB, objects):');
for (const [key, [bytes, n]] of sumBy(order.map((v) => [label(v), selfOf(v)])))
  console.log(`${mib(bytes)} ${String(n).padStart(9)} ${key}`);

console.log(`\ndominator tree, parts of at least ${minBytes / MIB} MiB retained:`);
const walk = (v: number, depth: number) => {
  const all = children.get(v) ?? [];
  for (const [key, [bytes, n]] of sumBy(
    all.filter((c) => retained[c]! < minBytes).map((c) => [label(c), retained[c]!]),
  ))
    if (bytes >= minBytes / 2) console.log(`${'  '.repeat(depth)}${mib(bytes)} ${n} × ${key}`);
  for (const c of all
    .filter((c) => retained[c]! >= minBytes)
    .sort((a, b) => retained[b]! - retained[a]!)) {
    console.log(`${'  '.repeat(depth)}${mib(retained[c]!)} ${edgeFromDominator(c)} → ${label(c)}`);
    if (depth < MAX_DEPTH) walk(c, depth + 1);
  }
};
walk(0, 0);

console.log('\nbytes in copies of a string held elsewhere too, by owner (dominator path, 4 deep):');
const ownerOf = (v: number) => {
  const chain: number[] = [];
  for (let x = idom[v]!; x !== 0; x = idom[x]!) chain.push(x);
  return chain.reverse().slice(0, 4).map(edgeFromDominator).join('.');
};
const firstCopy = new Map<string, number>();
const copies: [string, number][] = [];
for (const v of order) {
  if (typeOf(v) !== 'string') continue;
  if (!firstCopy.has(nameOf(v))) firstCopy.set(nameOf(v), v);
  else copies.push([ownerOf(v), selfOf(v)]);
}
console.log(
  `${mib(copies.reduce((sum, [, bytes]) => sum + bytes, 0))} MiB in ${copies.length} copies`,
);
for (const [owner, [bytes, n]] of sumBy(copies))
  console.log(`${mib(bytes)} ${String(n).padStart(9)} ${owner}`);
