import type { KubeObject } from '../api/types.js';

// The two sides of recording an Event: what controllers call (EventSink: may queue and return at
// once) and what actually writes one to the API (EventWriter: the recorder's dedupe and count).
// Apart from both implementations, so the queue and the recorder need not import each other.

export interface EventSink {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface EventWriter {
  write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, at: Date): Promise<void>;
}
