import type { Config } from '../../config.js';
import type { Deps } from '../../use-cases/deps.js';
import type { CookieNames } from '../plugins/request-context.js';
import type { PrivatePageCache } from '../private-page-cache.js';
import type { PublicPageCache } from '../public-page-cache.js';

/** What every route module receives from the app. */
export type RouteEnv = {
  deps: Deps;
  config: Config;
  cookies: CookieNames;
  /** The directory and profile pages kept in memory (also answered by the front door, decision 022). */
  publicPages: PublicPageCache;
  /** Signed-in visitors' own pages, kept while the database is unchanged (decision 024). */
  privatePages: PrivatePageCache;
};
