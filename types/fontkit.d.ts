// fontkit ships no types; Kabinet only calls `create` and treats the result through its own narrow interface.
declare module 'fontkit' {
  export function create(buffer: Uint8Array, postscriptName?: string): unknown;
}
