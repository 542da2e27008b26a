/**
 * Where the credential exchange's figures go in a report, shared by the scenario and the target check. The
 * issue states its latency target as a p50 at one connection (unloaded), so `CREDENTIAL_EXCHANGE` is measured
 * at one client; `CREDENTIAL_EXCHANGE_LOADED` repeats it at the run's workers, where Latchkey and MinIO are
 * both CPU-bound, for throughput.
 */
export const CREDENTIAL_EXCHANGE = 'credential-exchange';
export const CREDENTIAL_EXCHANGE_LOADED = 'credential-exchange-loaded';
/** The floor: the same AssumeRole Latchkey sends, straight to MinIO. */
export const DIRECT_ASSUME_ROLE = 'MinIO AssumeRole, direct (floor)';
