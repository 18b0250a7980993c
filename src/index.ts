// steadysocket: the client with everything: the lean core, plus a hint on every error, the monitor
// (log records, stats(), diagnostics channels) and, where the runtime hides why a handshake failed
// (browsers), the probes that find out.
import { diagnose } from './diagnose';
import { useHints } from './errors';
import { extensions } from './extensions';
import { HINTS } from './hints';
import { Monitor } from './monitor';

useHints(HINTS);
extensions.diagnose = diagnose;
extensions.Monitor = Monitor;

export * from './core';
