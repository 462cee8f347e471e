// Module hooks: delays loading dist/runtime/main-thread/main.js by 400 ms, so the wasm thread's 'booted' message arrives before main.js could listen for it.
export async function load(url, context, nextLoad) {
  if (url.endsWith('/dist/runtime/main-thread/main.js')) await new Promise((resolve) => setTimeout(resolve, 400));
  return nextLoad(url, context);
}
