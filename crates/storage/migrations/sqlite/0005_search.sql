-- Diacritic-insensitive search: each unit's name folded (lower case, no diacritics, đ → d) by
-- tiendo_domain::text::fold, written with the name; rows from before this migration are filled in
-- when the store opens.
-- Keep in step with ../postgres/0005_search.sql: identical.

ALTER TABLE units ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
