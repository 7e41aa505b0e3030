// Runs a Meshwork job module's `execute` in Node's V8, the way the Java benchmark harness
// (benchmarks/, started by bin/bench-wasm) runs it in Chicory, and prints the figures as JSON
// on stdout for the harness to parse.
//
// Usage:
//   node run-wasm.mjs --wasm MODULE.wasm --input INPUT.bin
//                     [--warmup 3] [--iterations 5] [--iteration-ms 1000] [--clock wall]
//
// Measures, each as calls per second per iteration (warm-up iterations are not reported):
//   fresh        a new instance per call, as the executor does: alloc, write, execute, read
//   reused       one instance and one input buffer for every call: write, execute, read
//                (renewed once its memory passes 16 MiB: each output is a new allocation that
//                is never freed, and a memory that keeps growing measures the growing)
//   instantiate  a new instance and nothing else, from the module compiled once
// plus the time of the first WebAssembly.compile of the bytes. The outputs' SHA-256 lets the
// harness check that V8 computed the same bytes as every other engine.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const RENEW_AT_BYTES = 16 * 1024 * 1024;

function options(argv) {
  const parsed = { warmup: 3, iterations: 5, 'iteration-ms': 1000, clock: 'wall' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in parsed) && name !== 'wasm' && name !== 'input') {
      throw new Error(`unknown option ${argv[i]}`);
    }
    parsed[name] = argv[i + 1];
  }
  if (!parsed.wasm || !parsed.input) {
    throw new Error('usage: node run-wasm.mjs --wasm MODULE.wasm --input INPUT.bin [--warmup N] ' +
      '[--iterations N] [--iteration-ms N] [--clock wall|cpu]');
  }
  return parsed;
}

// The two host functions the sandbox offers (WASM-ABI.md), given only when the module imports
// them; any other import is refused, as the orchestrator refuses it.
function hostImports(module, memoryOf) {
  const imports = {};
  for (const wanted of WebAssembly.Module.imports(module)) {
    const key = `${wanted.module}.${wanted.name}`;
    imports[wanted.module] ??= {};
    if (key === 'meshwork.log' && wanted.kind === 'function') {
      // A debug line: read it as the executor would, then drop it.
      imports.meshwork.log = (ptr, len) => {
        new Uint8Array(memoryOf().buffer, ptr >>> 0, len >>> 0).slice();
      };
    } else if (key === 'env.abort' && wanted.kind === 'function') {
      imports.env.abort = (msg, file, line, col) => {
        throw new Error(`abort: message at ${msg >>> 0}, file at ${file >>> 0}, ${line}:${col}`);
      };
    } else {
      throw new Error(`the module imports ${key}, which the sandbox does not provide`);
    }
  }
  return imports;
}

function write(instance, address, input) {
  new Uint8Array(instance.exports.memory.buffer, address, input.length).set(input);
}

function execute(instance, address, length) {
  const packed = BigInt.asUintN(64, instance.exports.execute(address, length));
  const outAddress = Number(packed >> 32n);
  const outLength = Number(packed & 0xffffffffn);
  const memory = instance.exports.memory.buffer;
  if (outAddress + outLength > memory.byteLength) {
    throw new Error(`execute returned [${outAddress}, ${outAddress + outLength}) outside memory`);
  }
  return new Uint8Array(memory, outAddress, outLength).slice();
}

// Nanoseconds on the chosen clock: the wall's, or the CPU time of this whole node process (every
// thread: V8's background compilers and garbage collector included), as the Java harness does.
const clocks = {
  wall: () => process.hrtime.bigint(),
  cpu: () => {
    const used = process.cpuUsage();
    return BigInt(used.user + used.system) * 1000n;
  },
};
let clock = clocks.wall;

function measure(call, warmup, iterations, iterationMs) {
  const budget = BigInt(Math.round(iterationMs * 1e6));
  let sink = 0;
  const iteration = () => {
    const start = clock();
    let now;
    let calls = 0;
    do {
      const output = call();
      sink += output.length;
      calls++;
      now = clock();
    } while (now - start < budget);
    return { calls, ops: (calls * 1e9) / Number(now - start) };
  };
  for (let i = 0; i < warmup; i++) iteration();
  const samples = [];
  let calls = 0;
  for (let i = 0; i < iterations; i++) {
    const result = iteration();
    samples.push(result.ops);
    calls += result.calls;
  }
  return { samples, calls, sink };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const opts = options(process.argv.slice(2));
const wasm = readFileSync(opts.wasm);
const input = new Uint8Array(readFileSync(opts.input));
const warmup = Number(opts.warmup);
const iterations = Number(opts.iterations);
const iterationMs = Number(opts['iteration-ms']);
clock = clocks[opts.clock];
if (!clock) {
  throw new Error(`unknown clock ${opts.clock}: wall or cpu`);
}

const compileStart = process.hrtime.bigint();
const module = await WebAssembly.compile(wasm);
const compileMicros = Number(process.hrtime.bigint() - compileStart) / 1e3;

// The host functions read the memory of the instance that is running.
let running = null;
const imports = hostImports(module, () => running.exports.memory);
// The first instance goes through WebAssembly.instantiate; the loops below use the synchronous
// constructor, which does the same work without a promise per call.
running = await WebAssembly.instantiate(module, imports);

function freshCall() {
  const instance = new WebAssembly.Instance(module, imports);
  running = instance;
  const address = instance.exports.alloc(input.length) >>> 0;
  write(instance, address, input);
  return execute(instance, address, input.length);
}

let kept = null;
let keptAddress = 0;
function reusedCall() {
  if (kept === null || kept.exports.memory.buffer.byteLength > RENEW_AT_BYTES) {
    kept = new WebAssembly.Instance(module, imports);
    keptAddress = kept.exports.alloc(input.length) >>> 0;
  }
  running = kept;
  write(kept, keptAddress, input);
  return execute(kept, keptAddress, input.length);
}

const freshOutput = sha256(freshCall());
const reusedOutput = sha256(reusedCall());
const fresh = measure(freshCall, warmup, iterations, iterationMs);
const reused = measure(reusedCall, warmup, iterations, iterationMs);
const instantiate = measure(
  () => new Uint8Array(new WebAssembly.Instance(module, imports).exports.memory.buffer, 0, 0),
  warmup,
  iterations,
  iterationMs);

process.stdout.write(JSON.stringify({
  node: process.version,
  v8: process.versions.v8,
  compileMicros,
  fresh: { samples: fresh.samples, calls: fresh.calls, outputSha256: freshOutput },
  reused: { samples: reused.samples, calls: reused.calls, outputSha256: reusedOutput },
  instantiate: { samples: instantiate.samples, calls: instantiate.calls },
}) + '\n');
