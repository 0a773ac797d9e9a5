/** One file of `synth`'s output, relative to the output directory. */
export interface OutputFile {
  /** Path with forward slashes, relative to `--out` (`manifests/fraud.yaml`). */
  readonly path: string;
  /** UTF-8 content. */
  readonly content: string;
}
