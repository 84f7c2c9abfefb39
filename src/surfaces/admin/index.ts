import * as accountsCreate from './accounts-create.ts';
import * as accountsGet from './accounts-get.ts';
import * as accountsList from './accounts-list.ts';
import * as accountsUpdate from './accounts-update.ts';
import * as keysCreate from './keys-create.ts';
import * as keysGet from './keys-get.ts';
import * as keysList from './keys-list.ts';
import * as keysRevoke from './keys-revoke.ts';
import * as keysRotate from './keys-rotate.ts';
import * as me from './me.ts';
import * as usageGet from './usage-get.ts';

/**
 * Keys, accounts and usage over HTTP (issue 17), served on the /v1 surface with its error shape: the
 * OpenGiant surface registers these beside its own routes.
 */
export const adminRouteModules = [
  keysCreate,
  keysList,
  keysGet,
  keysRevoke,
  keysRotate,
  accountsCreate,
  accountsList,
  accountsGet,
  accountsUpdate,
  usageGet,
  me,
];
