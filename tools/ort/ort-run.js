#!/usr/bin/env node
// ort-run.js - Runs an ONNX model with ONNX Runtime (patc's reference).
//
// usage: node ort-run.js MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR
//        [--threads N] [--bench N] [--warmup N]
// Writes each output as DIR/NAME.npy; with --bench prints one JSON line with
// min/median/mean latency in ms (same format as pat-run).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const DTYPES = {
  '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array], '|u1': ['uint8', Uint8Array],
  '|i1': ['int8', Int8Array], '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
      .split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  if (!DTYPES[descr]) throw new Error(`${file}: dtype ${descr} unsupported`);
  const [type, Ctor] = DTYPES[descr];
  const bytes = buf.subarray(start + hlen);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data) : data, shape);
}

function writeNpy(file, tensor) {
  const descr = Object.keys(DTYPES).find((d) => DTYPES[d][0] === tensor.type);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

async function main() {
  const args = process.argv.slice(2);
  const opts = {inputs: {}, threads: 1, bench: 0, warmup: 3, outputDir: ''};
  let model = '';
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    if (a === '--input') {
      const spec = args[++i]; const eq = spec.lastIndexOf('=');
      opts.inputs[spec.slice(0, eq)] = spec.slice(eq + 1);
    } else if (a === '--threads') opts.threads = Number(args[++i]);
    else if (a === '--bench') opts.bench = Number(args[++i]);
    else if (a === '--warmup') opts.warmup = Number(args[++i]);
    else if (a === '--output-dir') opts.outputDir = args[++i];
    else model = a;
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: opts.threads, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const name of session.inputNames) {
    if (!opts.inputs[name]) throw new Error(`no --input for '${name}'`);
    feeds[name] = readNpy(opts.inputs[name]);
  }
  let results = await session.run(feeds);
  if (opts.outputDir) {
    for (const name of session.outputNames) {
      writeNpy(path.join(opts.outputDir, name.replace(/[/\\:]/g, '_') + '.npy'), results[name]);
    }
  }
  if (opts.bench > 0) {
    for (let i = 0; i < opts.warmup; ++i) results = await session.run(feeds);
    const times = [];
    for (let i = 0; i < opts.bench; ++i) {
      const t0 = process.hrtime.bigint();
      results = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const n = sorted.length;
    const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    const mean = times.reduce((a, b) => a + b, 0) / n;
    console.log(JSON.stringify({runs: n, threads: opts.threads, min_ms: sorted[0],
      median_ms: median, mean_ms: mean}));
  }
}

main().catch((e) => { console.error(`ort-run: error: ${e.message}`); process.exit(1); });
