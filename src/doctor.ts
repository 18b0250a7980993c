// `steadysocket/doctor` (Node only): one opening handshake, step by step, with the cause of a failure.
// The `steadysocket doctor` command is a printer over `probe()`.
export { probe } from './doctor/probe';
export type { DoctorCheck, DoctorOptions, DoctorReport, DoctorStep, StepName } from './doctor/report';
export type { H2cReport } from './doctor/h2c';
export type { TlsFacts } from './doctor/wire';
export { formatReport } from './doctor/print';
export { CAUSE_EXIT_CODES, EXIT_CODES, type DoctorCause } from './doctor/advice';
export { proxyFromEnv } from './doctor/proxy';
