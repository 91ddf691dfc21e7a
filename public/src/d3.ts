// d3 comes from the installed package as its UMD bundle (index.html loads
// /vendor/d3@<version>/d3.min.js before the app), which defines the global `d3`. This module
// hands it to the rest of the app with @types/d3's types; nothing is bundled or fetched from a CDN.
import type * as D3 from 'd3';

export const d3 = (globalThis as unknown as { d3: typeof D3 }).d3;
