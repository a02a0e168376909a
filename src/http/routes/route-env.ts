import type { Config } from '../../config.js';
import type { Deps } from '../../use-cases/deps.js';
import type { CookieNames } from '../plugins/request-context.js';

/** What every route module receives from the app. */
export type RouteEnv = {
  deps: Deps;
  config: Config;
  cookies: CookieNames;
};
