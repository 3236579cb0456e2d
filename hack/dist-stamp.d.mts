// Types of hack/dist-stamp.mjs (see there for the contract).
export declare const STAMP_FILE: string;
export declare function sourceStamp(repo: string): string;
export declare function builtStamp(repo: string): string | undefined;
export declare function staleReason(repo: string): string | undefined;
