/**
 * Instantiates one of the AssemblyScript kernels (src/wasm/*.ts, compiled at install into a *.generated.ts module as
 * base64) synchronously: the modules are a few kB. Throws where WebAssembly SIMD is missing.
 */
export function instantiateKernel<T>(base64: string, what: string): T {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort: () => {
        throw new Error(`the WASM ${what} kernel aborted`);
      },
    },
  });
  return instance.exports as unknown as T;
}
