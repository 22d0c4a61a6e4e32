export const BASE_SIZE: number;
export function trainTeachBase(nn: unknown, dir: string, options?: { perClass?: number; epochs?: number; seed?: number }):
  Promise<{ accuracy: number; classes: string[]; params: number }>;
