/** Types of build-cli.js (plain JavaScript: it runs before any TypeScript tooling is loaded). */
export declare const ROOT: string;
export declare const CLI_DIST: string;
export declare function staleReason(outDir?: string, root?: string): string | undefined;
export declare function buildCli(outDir?: string): Promise<string>;
export declare function ensureCliBundle(onBuild?: (reason: string) => void): Promise<string>;
