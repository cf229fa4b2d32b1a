#!/usr/bin/env node
// Runs the gates of `npm test` at once: ESLint and tsc are single-threaded, so run one after
// the other before jest they leave a core idle for most of their time; run beside jest's workers
// they fill it. Arguments go to jest (`npm test -- --json --outputFile=out.json`). Each gate's
// output is printed with its name in front of every line; jest's output is printed as it is. The
// exit code is 0 only when every gate passes.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { packageBin: bin } = require('./package-bin');

const ROOT = path.join(__dirname, '..');

const gates = [
  {
    name: 'lint',
    // The boundaries test writes an import cycle under lib/private/ to show it is reported; the
    // repository's own lint must not see it while that test runs.
    args: [bin('eslint'), '.', '--ignore-pattern', 'lib/private/.cycle-probe-*/**'],
  },
  { name: 'typecheck', args: [bin('typescript', 'tsc'), '--noEmit'] },
  // jsii, the other languages' sources, API.md and every README and doc-comment example (scripts/check-jsii.js).
  { name: 'jsii', args: [path.join(ROOT, 'scripts', 'check-jsii.js')] },
  { name: 'jest', args: [bin('jest'), ...process.argv.slice(2)], inherit: true },
];

function prefixed(stream, out, name) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
  stream.on('end', () => {
    if (rest) out.write(`[${name}] ${rest}\n`);
  });
}

// A young generation of 64 MB (V8's default is 16) for the three gates and jest's workers: they
// allocate much that dies young, and each scavenge of a smaller one promoted more, in more pauses
// (tsc's garbage collection took a third less time).
const NODE_OPTIONS = [process.env.NODE_OPTIONS, '--max-semi-space-size=64'].filter(Boolean).join(' ');
// One garbage-collection thread per process (V8 refuses the flag in NODE_OPTIONS; jest's workers
// inherit it from jest's own flags): four gates and three workers on 2 vCPUs leave V8's helper
// threads nothing to run on but the cores the gates need, and the tests that start the built-in
// validator's WebAssembly engine took 13 % less CPU without them.
const V8_FLAGS = ['--single-threaded-gc'];

function run(gate) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...V8_FLAGS, ...gate.args], {
      cwd: ROOT,
      stdio: gate.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...(gate.inherit ? {} : { FORCE_COLOR: process.stdout.isTTY ? '1' : '0' }), ...process.env, NODE_OPTIONS },
    });
    children.push(child);
    if (!gate.inherit) {
      prefixed(child.stdout, process.stdout, gate.name);
      prefixed(child.stderr, process.stderr, gate.name);
    }
    child.on('error', (error) => {
      process.stderr.write(`[${gate.name}] ${error.message}\n`);
      resolve({ gate, code: 1, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code, signal) => resolve({ gate, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }));
  });
}

const children = [];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(1);
  });
}

Promise.all(gates.map(run)).then((results) => {
  for (const { gate, code, seconds } of results) {
    process.stderr.write(`${gate.name}: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${seconds.toFixed(1)} s\n`);
  }
  process.exitCode = results.every((result) => result.code === 0) ? 0 : 1;
});
