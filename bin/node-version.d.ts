/** Types of node-version.js, which stays plain JavaScript so that any Node.js can run it. */
export declare const MINIMUM: readonly [number, number];
export declare function tooOld(version: string, command: string): string | undefined;
export declare function requireNode(command: string): void;
