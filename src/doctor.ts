// `steadysocket/doctor` (Node only): one opening handshake, step by step, with the cause of a failure.
// The `steadysocket doctor` command is a printer over `probe()`.
export { probe } from './doctor/probe';
export type { DoctorBytes, DoctorCheck, DoctorHead, DoctorOptions, DoctorReport, DoctorStep, DoctorVerdict, H2cReport, H2Report, H2Result, H2Setting, StepName, TlsFacts } from './doctor/report';
export { formatReport } from './doctor/print';
export { CAUSE_EXIT_CODES, EXIT_CODES, type DoctorCause } from './doctor/advice';
export { proxyFromEnv } from './doctor/proxy';
