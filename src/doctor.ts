// `steadysocket/doctor` (Node only): one opening handshake, step by step, with the cause of a failure.
// The `steadysocket doctor` command is a printer over `probe()`.
export { probe, type DoctorCheck, type DoctorOptions, type DoctorReport, type DoctorStep, type StepName } from './doctor/probe';
export type { H2cReport } from './doctor/h2c';
export type { TlsFacts } from './doctor/wire';
export { formatReport } from './doctor/print';
export { EXIT_CODES } from './doctor/advice';
