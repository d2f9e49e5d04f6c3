// The self cost of each function in callgrind dumps (bench/instructions.ts), per message, with V8's
// compiled JavaScript named: callgrind sees JIT code as bare addresses, which the perf map that node writes
// under --perf-basic-prof (/tmp/perf-PID.map) turns back into JavaScript function names.
//
// Usage: node --import tsx bench/callgrind-functions.ts --messages N [--map /tmp/perf-PID.map] [--top 60] FILE…
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals: files } = parseArgs({
  options: { messages: { type: 'string', default: '1' }, map: { type: 'string' }, top: { type: 'string', default: '60' } },
  allowPositionals: true,
});

/** Self cost by function name, summed over the files (one per thread); and by object (binary or library). */
function selfCosts(file: string, into: Map<string, number>, byObject: Map<string, number>): void {
  const names = new Map<string, string>();
  const objects = new Map<string, string>();
  let fn = '';
  let ob = '';
  let fnOb = '';
  let skipNext = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('ob=')) {
      const m = /^ob=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m?.[2] !== undefined) objects.set(m[1]!, m[2]);
      ob = m ? (objects.get(m[1]!) ?? '') : line.slice(3);
      continue;
    }
    if (line.startsWith('cob=')) {
      const m = /^cob=\((\d+)\) (.*)$/.exec(line);
      if (m) objects.set(m[1]!, m[2]!);
      continue;
    }
    if (line.startsWith('fn=')) {
      fnOb = ob;
      // fn=(id) name, or fn=(id) alone once the name was given.
      const m = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m) {
        if (m[2] !== undefined) names.set(m[1]!, m[2]);
        fn = names.get(m[1]!) ?? m[1]!;
      } else fn = line.slice(3);
      continue;
    }
    if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\) (.*)$/.exec(line);
      if (m) names.set(m[1]!, m[2]!);
      continue;
    }
    if (line.startsWith('calls=')) {
      skipNext = true;
      continue;
    }
    if (!/^[+\-*\d]/.test(line)) continue;
    if (skipNext) {
      // The inclusive cost of the call above, not this function's own.
      skipNext = false;
      continue;
    }
    const parts = line.trim().split(/\s+/);
    const cost = Number(parts[parts.length - 1]);
    if (parts.length >= 2 && Number.isFinite(cost)) {
      into.set(fn, (into.get(fn) ?? 0) + cost);
      const object = fnOb.split('/').pop() || '(JIT code)';
      byObject.set(object, (byObject.get(object) ?? 0) + cost);
    }
  }
}

/** The perf map's code ranges, sorted by start: JIT code at an address is the last entry written there. */
function loadMap(file: string): { start: number; end: number; name: string }[] {
  const byStart = new Map<number, { start: number; end: number; name: string }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1]!, 16);
    byStart.set(start, { start, end: start + parseInt(m[2]!, 16), name: m[3]! });
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

function resolver(map: { start: number; end: number; name: string }[]): (name: string) => string {
  return (name) => {
    const m = /^0x([0-9a-f]+)$/.exec(name);
    if (!m) return name;
    const address = parseInt(m[1]!, 16);
    let lo = 0;
    let hi = map.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const entry = map[mid]!;
      if (address < entry.start) hi = mid - 1;
      else if (address >= entry.end) lo = mid + 1;
      else return `JS ${entry.name}`;
    }
    return `JIT ${name}`;
  };
}

const raw = new Map<string, number>();
const byObject = new Map<string, number>();
for (const file of files) selfCosts(file, raw, byObject);
const resolve = opts.map ? resolver(loadMap(opts.map)) : (name: string) => name;
const costs = new Map<string, number>();
for (const [name, cost] of raw) {
  const key = resolve(name);
  costs.set(key, (costs.get(key) ?? 0) + cost);
}
const messages = Number(opts.messages);
const total = [...costs.values()].reduce((a, b) => a + b, 0);
console.log(`total ${Math.round(total / messages)} instructions per message; by object:`);
for (const [object, cost] of [...byObject].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${String(Math.round(cost / messages)).padStart(7)}  ${object}`);
for (const [name, cost] of [...costs].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.top))) {
  console.log(`${String(Math.round(cost / messages)).padStart(7)}  ${((100 * cost) / total).toFixed(1).padStart(5)} %  ${name.slice(0, 150)}`);
}
