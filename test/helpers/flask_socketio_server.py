# Flask-SocketIO on eventlet, for the server-driven heartbeat tests: Engine.IO pings every
# argv[1] seconds and drops a client that does not answer within argv[2] seconds. Prints its port.
import sys

import eventlet

eventlet.monkey_patch()

import eventlet.wsgi  # noqa: E402
from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode='eventlet', ping_interval=float(sys.argv[1]), ping_timeout=float(sys.argv[2]), cors_allowed_origins='*')


@socketio.on('echo')
def echo(data):
    emit('echo', data)


listener = eventlet.listen(('127.0.0.1', 0))
print(listener.getsockname()[1], flush=True)
eventlet.wsgi.server(listener, app, log_output=False, log=open('/dev/null', 'w'))
