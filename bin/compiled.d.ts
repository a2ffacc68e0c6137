// Types for bin/compiled.js (plain JavaScript, so it runs before anything is compiled).
export declare const ROOT: string;
export declare const DIST_DIR: string;
export declare const BUILD_STAMP: string;
export declare const COMPILED_SERVER: string;
export declare const COMPILED_CLI: string;
/** True when <root>/dist holds a finished build at least as new as every source file. */
export declare function compiledIsCurrent(root?: string): boolean;
/** Compiles into <root>/dist; false (saying why) where it cannot. Throws when tsc fails. */
export declare function build(root?: string): boolean;
