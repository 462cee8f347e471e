// Preloaded with --import: registers late-main-hooks.mjs, which holds back weft-runtime's main.js so the wasm thread boots first.
import { register } from 'node:module';

register(new URL('./late-main-hooks.mjs', import.meta.url));
