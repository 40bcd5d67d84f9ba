-- A till's authentication level: its key required (every till registered from now on), or
-- its serial alone (the tills already deployed, which send no key: kept so, shown as a risk).
ALTER TABLE terminaux ADD COLUMN cle_requise boolean NOT NULL DEFAULT false;
ALTER TABLE terminaux ALTER COLUMN cle_requise SET DEFAULT true;
-- When a till was last let in on its serial alone (refreshed at most once a minute).
ALTER TABLE terminaux ADD COLUMN derniere_sans_cle timestamptz;
