// Module hooks: delays loading weft-runtime's main thread (dist/bundle/runtime-main-thread.mjs) by 400 ms, so the wasm thread's 'booted' message arrives before main.js could listen for it.
export async function load(url, context, nextLoad) {
  if (url.endsWith('/dist/bundle/runtime-main-thread.mjs')) await new Promise((resolve) => setTimeout(resolve, 400));
  return nextLoad(url, context);
}
