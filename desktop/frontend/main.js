// Loads the wasm frontend. Kept out of index.html so the CSP needs no inline script.
import init from "./bloom_desktop_frontend.js";
init();
