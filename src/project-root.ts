/**
 * The project's folder, where package.json and migrations/ are. This module sits one
 * level below it in src/ and in dist/, like the bundled dist/server.js, whose modules all
 * share its location: every file the service reads is found from here.
 */
export const projectRoot = new URL('../', import.meta.url)
