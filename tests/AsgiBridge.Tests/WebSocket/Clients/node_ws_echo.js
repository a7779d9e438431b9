// Echo check with the Node `ws` client: sizes 0..3 MB with and without permessage-deflate, subprotocol, close.
// Usage: NODE_PATH=<folder holding node_modules/ws> node node_ws_echo.js PORT
const WebSocket = require('ws');
const port = process.argv[2];
function run(perMessageDeflate) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['p1'], { perMessageDeflate });
    const sizes = [0, 1, 125, 126, 65535, 65536, 3000000];
    let i = 0;
    ws.on('open', () => {
      if (ws.protocol !== 'p1') reject(new Error('subprotocol ' + ws.protocol));
      if (perMessageDeflate && ws.extensions !== 'permessage-deflate') reject(new Error('extensions ' + ws.extensions));
      ws.send(Buffer.alloc(sizes[0], 7));
    });
    ws.on('message', (data) => {
      if (data.length !== sizes[i]) { reject(new Error('size ' + data.length)); return; }
      i++;
      if (i < sizes.length) ws.send(Buffer.alloc(sizes[i], 7)); else ws.close(4002, 'done');
    });
    ws.on('close', (code) => { if (code !== 4002) reject(new Error('close ' + code)); else resolve(); });
    ws.on('error', reject);
  });
}
(async () => { await run(false); await run(true); console.log('node ws ok'); })().catch(e => { console.error(e); process.exit(1); });
