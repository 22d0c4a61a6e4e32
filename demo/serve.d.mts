import type { Server } from 'node:http';
export const ISOLATION: Record<string, string>;
export function serveDemo(root: string, port: number): Promise<Server>;
