import type { Linter } from 'eslint';

/** [folder of service/src ('.' = the files directly in it), what it holds], from the bottom floor up. */
export declare const serviceRooms: [name: string, holds: string][];
export declare const developmentOnlyPackages: string[];
export declare function roomBoundaryConfigs(srcDir?: string): Linter.Config[];
