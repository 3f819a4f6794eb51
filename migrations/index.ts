// Every migration, oldest first. `npm run migration:generate -- <Name>` adds new ones here.
import { InitialSchema1795572785393 } from './1795572785393-InitialSchema.js';
import { AdminIndexes1795575706110 } from './1795575706110-AdminIndexes.js';
export const MIGRATIONS = [InitialSchema1795572785393, AdminIndexes1795575706110];
