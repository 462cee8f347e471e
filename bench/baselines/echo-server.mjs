// Baseline echo server: a Unix socket that writes back every newline-terminated line; prints READY once listening.
// usage: node echo-server.mjs <socket-path>
import { createServer } from 'node:net';

const server = createServer((socket) => {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    pending += chunk;
    const end = pending.lastIndexOf('\n');
    if (end < 0) return;
    socket.write(pending.slice(0, end + 1));
    pending = pending.slice(end + 1);
  });
  socket.on('error', () => {});
});
server.listen(process.argv[2], () => process.stdout.write('READY\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
