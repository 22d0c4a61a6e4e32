// The entry the package is built from: the public API (src/index.ts), plus the training worker's main
// function, which the build keeps out of the package's exports (scripts/bundle-factory.ts).
export * from '../index';
export { serveWorker as __serveWorker } from './serve';
