// After a long-running command (`okube up`, `okube controllers`) has stopped everything it
// started, the process exits instead of waiting for the event loop to empty. What can still hold
// it is the engine's answer to a graceful stop under way — a container that ignores SIGTERM
// keeps that request open for its whole grace period (30 s by default), so Ctrl-C took that
// long. The engine finishes the stop without us, and the next start sees the result (as the
// kubelet leaves running containers to the runtime when it stops).

/** Ends the process once the command's own shutdown is done. */
export function exitAfterStop(): never {
  process.exit(process.exitCode ?? 0);
}
