import * as diff from './versions-diff.ts';
import * as get from './versions-get.ts';
import * as list from './versions-list.ts';
import * as restore from './versions-restore.ts';

/** The /v1/personas/{id}/versions routes (docs/versions.md). */
export const versionRouteModules = [list, get, diff, restore];
