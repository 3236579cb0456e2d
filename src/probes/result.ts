/** The outcome of one probe attempt. Executors never throw: a failure is a result. */
export interface ProbeResult {
  result: 'Success' | 'Failure';
  message: string;
}
