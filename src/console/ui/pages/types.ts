import type { Route } from '../router.ts';

/** What every page gets: the current route (its path parts and query). */
export interface PageProps {
  route: Route;
}
