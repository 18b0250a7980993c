// steadysocket: the client with everything: the lean core, plus a hint on every error and, where
// the runtime hides why a handshake failed (browsers), the probes that find out.
import { diagnose } from './diagnose';
import { extensions } from './extensions';
import { HINTS } from './hints';

extensions.hints = HINTS;
extensions.diagnose = diagnose;

export * from './core';
