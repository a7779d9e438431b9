#!/usr/bin/env node
// WebSocket echo load: N connections, each with exactly one message in flight (send, wait for the echo,
// send the next). Reports echo round trips per second and per-message round-trip latency.
//
//   node ws-echo-load.js --url ws://127.0.0.1:PORT/ws [--connections 64] [--size 64] [--duration 10]
//                        [--connect-timeout 5] [--text]
//
// Bounded in time: connections get --connect-timeout seconds to open (the run starts with those that did),
// the measurement lasts --duration seconds (at most 60), and a hard timer ends the process a few seconds
// after that whatever the server does. Messages are binary (text with --text); permessage-deflate is not
// offered. Every echo is checked for type and length. Prints a human line on stderr and one
// "JSON {...}" line on stdout (latencies in microseconds).
//
// Needs the npm package 'ws' (bench/run.sh installs it): looked up in $ASGIBRIDGE_BENCH_NODE_DIR
// (default /tmp/asgibridge-bench-node), then the normal Node resolution.
'use strict';
const path = require('path');
const { createRequire } = require('module');

function loadWs() {
  const dir = process.env.ASGIBRIDGE_BENCH_NODE_DIR || '/tmp/asgibridge-bench-node';
  try {
    return createRequire(path.join(dir, 'package.json'))('ws');
  } catch (_) {
    return require('ws');
  }
}

function parseArgs(argv) {
  const o = { url: null, connections: 64, size: 64, duration: 10, connectTimeout: 5, text: false };
  for (let i = 2; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--url': o.url = value(); break;
      case '--connections': o.connections = Number(value()); break;
      case '--size': o.size = Number(value()); break;
      case '--duration': o.duration = Number(value()); break;
      case '--connect-timeout': o.connectTimeout = Number(value()); break;
      case '--text': o.text = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!o.url) usage('--url is required');
  if (!(Number.isInteger(o.connections) && o.connections >= 1 && o.connections <= 10000)) usage('--connections must be 1..10000');
  if (!(Number.isInteger(o.size) && o.size >= 0 && o.size <= 1 << 20)) usage('--size must be 0..1048576');
  if (!(o.duration > 0 && o.duration <= 60)) usage('--duration must be in (0, 60]');
  if (!(o.connectTimeout > 0 && o.connectTimeout <= 60)) usage('--connect-timeout must be in (0, 60]');
  return o;
}

function usage(message) {
  console.error(`ws-echo-load.js: ${message}`);
  process.exit(2);
}

// Latency histogram: 1 us buckets up to 100 ms, then one overflow bucket (no per-sample allocation).
const BUCKETS = 100000;
const histogram = new Uint32Array(BUCKETS + 1);
let samples = 0;
let maxUs = 0;

function record(us) {
  const b = us < BUCKETS ? Math.floor(us) : BUCKETS;
  histogram[b]++;
  samples++;
  if (us > maxUs) maxUs = us;
}

function percentile(p) {
  if (samples === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * samples));
  let seen = 0;
  for (let b = 0; b <= BUCKETS; b++) {
    seen += histogram[b];
    if (seen >= rank) return b < BUCKETS ? b : Math.round(maxUs);
  }
  return Math.round(maxUs);
}

const opt = parseArgs(process.argv);
const WebSocket = loadWs();
const payload = opt.text ? 'x'.repeat(opt.size) : Buffer.alloc(opt.size, 0x78);

let state = 'connecting'; // connecting -> measuring -> done
let opened = 0, errors = 0, mismatched = 0, closedEarly = 0, roundTrips = 0;
let startNs = 0n;
const sockets = [];

function send(ws) {
  ws.sentAt = process.hrtime.bigint();
  ws.send(payload, { binary: !opt.text, compress: false });
}

function onMessage(ws, data, isBinary) {
  if (state !== 'measuring') return;
  const now = process.hrtime.bigint();
  const length = isBinary ? data.length : Buffer.byteLength(data);
  if (length !== opt.size || isBinary === opt.text) mismatched++;
  roundTrips++;
  record(Number(now - ws.sentAt) / 1000);
  send(ws);
}

function start() {
  if (state !== 'connecting') return;
  clearTimeout(connectTimer);
  state = 'measuring';
  startNs = process.hrtime.bigint();
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) send(ws);
  setTimeout(() => finish(false), opt.duration * 1000);
}

function finish(hardLimit) {
  if (state === 'done') return;
  const measured = state === 'measuring';
  state = 'done';
  const seconds = measured ? Number(process.hrtime.bigint() - startNs) / 1e9 : 0;
  const result = {
    tool: 'ws-echo-load.js', url: opt.url, connections: opt.connections, opened,
    size: opt.size, type: opt.text ? 'text' : 'binary', seconds: +seconds.toFixed(3),
    round_trips: roundTrips, rate: seconds > 0 ? +(roundTrips / seconds).toFixed(1) : 0,
    p50_us: percentile(50), p99_us: percentile(99), max_us: Math.round(maxUs),
    errors: errors + mismatched + closedEarly + (opt.connections - opened),
    socket_errors: errors, mismatched, closed_early: closedEarly, hard_limit: hardLimit,
  };
  console.error(`${result.rate} round trips/s on ${opened}/${opt.connections} connections, ` +
    `p50 ${result.p50_us} us, p99 ${result.p99_us} us, socket errors ${errors}, mismatched ${mismatched}, ` +
    `closed early ${closedEarly}`);
  process.stdout.write(`JSON ${JSON.stringify(result)}\n`);
  for (const ws of sockets) {
    try { ws.terminate(); } catch (_) { /* already gone */ }
  }
  setTimeout(() => process.exit(0), 100).unref();
}

// Hard bound on the whole process, whatever the server does.
setTimeout(() => {
  console.error('ws-echo-load.js: hard time limit reached');
  finish(true);
}, (opt.connectTimeout + opt.duration + 5) * 1000).unref();
const connectTimer = setTimeout(start, opt.connectTimeout * 1000);

for (let i = 0; i < opt.connections; i++) {
  const ws = new WebSocket(opt.url, { perMessageDeflate: false, handshakeTimeout: opt.connectTimeout * 1000 });
  ws.on('open', () => { opened++; if (opened === opt.connections) start(); });
  ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
  ws.on('error', (e) => { errors++; if (errors <= 3) console.error(`socket error: ${e.message}`); });
  ws.on('close', () => { if (state !== 'done') closedEarly++; });
  sockets.push(ws);
}
