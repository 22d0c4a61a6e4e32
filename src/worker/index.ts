export { fitInWorker, type WorkerFitConfig } from './fit';
