// The one link from neurite/tfjs to neurite: the build resolves this module to the package's main entry (so a
// page that imports both loads neurite once, and neurite's own bundle does not grow), the sources to src/index.
export * from '../index';
