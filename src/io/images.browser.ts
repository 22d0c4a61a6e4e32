// Browser build stand-in for images.ts (see node-only.ts).
import type { Tensor } from '../tensor';
import type { ImageFolder, ImageFolderDatasetOptions, ImageFolderDatasets, ImageFolderOptions, LoadImageOptions } from './images';
import { needsNode } from './node-only';

export type { ImageElement, ImageFolder, ImageFolderDatasetOptions, ImageFolderDatasets, ImageFolderOptions, ImageSplit, LoadImageOptions } from './images';

const INSTEAD = 'read pixels with nn.fromPixels (an img, canvas, ImageBitmap or ImageData)';

export async function loadImageFolder(_dir: string, _options: ImageFolderOptions): Promise<ImageFolder> {
  throw needsNode('loadImageFolder', INSTEAD);
}

export async function loadImage(_file: string, _options: LoadImageOptions = {}): Promise<Tensor> {
  throw needsNode('loadImage', INSTEAD);
}

export async function imageFolder(_dir: string, _options: ImageFolderDatasetOptions): Promise<ImageFolderDatasets> {
  throw needsNode('data.imageFolder', INSTEAD);
}
