// A socket.io server in a process of its own (so a test can freeze it with SIGSTOP): Engine.IO pings
// every argv[2] ms and drops a client that does not answer within argv[3] ms. Prints its port.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], pingInterval: Number(process.argv[2]), pingTimeout: Number(process.argv[3]) });
io.on('connection', (socket) => socket.on('echo', (data) => socket.emit('echo', data)));
http.listen(0, '127.0.0.1', () => console.log(http.address().port));
process.on('SIGTERM', () => process.exit(0));
