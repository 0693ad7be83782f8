/** One file of a web app embedded in a bundle (scripts/build/browser-app.ts). */
export interface BrowserFileInfo {
  /** Where the function serves it, e.g. `/ui/app.js`. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** What the build reports about each bundle it wrote. */
export interface BundleInfo {
  /** Folder name = registered function name, e.g. `storeArtifact`. */
  name: string;
  /** Absolute path of the bundle's folder (the deployable source). */
  dir: string;
  /** Absolute path of `index.js`. */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Source files inlined in the bundle, relative to the repository, `/`-separated. */
  inputs: string[];
  /** npm packages inlined in the bundle (by name). */
  packages: string[];
  /** Modules left to `require` at run time (the framework and Node built-ins). */
  externals: string[];
  /** The web app embedded in the bundle, when the function has one (`ui/`). */
  browser?: BrowserFileInfo[];
}
