// The herd's server for socket.io-client, which speaks its own protocol over WebSocket: a socket.io
// server on 127.0.0.1 that prints its port on the first line and then `connect <ms>` per connection,
// like bench/server.mjs does on /log.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] || 0);
const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
io.on('connection', () => console.log(`connect ${Date.now()}`));
http.listen(port, '127.0.0.1', () => console.log(http.address().port));
process.on('SIGTERM', () => process.exit(0));
