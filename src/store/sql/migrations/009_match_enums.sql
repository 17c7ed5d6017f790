-- policy_match's closed sets become ENUM types: the result's status, and the category of its policy
-- (the catalogue's categories, src/law/catalogue.ts). A city match writes ten million rows and more, and
-- writing them was most of its time: with these two as small integers instead of strings, the 28
-- INSERTs of a million-taxpayer match took 11.6 s instead of 14.0 s (docs/policy.md). The policy id
-- and the period stay text: open sets, which a new catalogue or quarter would have to add to a type.
-- Made again rather than altered, as migration 007 explains; the views read the table by name.
CREATE TYPE match_status AS ENUM ('matched', 'nearMiss', 'unknown');
CREATE TYPE policy_category AS ENUM ('vat', 'surcharges', 'cit', 'iit', 'stampDuty', 'other');
CREATE TABLE policy_match_typed AS
SELECT * REPLACE (CAST(status AS match_status) AS status, CAST(category AS policy_category) AS category) FROM policy_match;
ALTER TABLE policy_match_typed ALTER run_id SET NOT NULL;
ALTER TABLE policy_match_typed ALTER credit_code SET NOT NULL;
ALTER TABLE policy_match_typed ALTER policy_id SET NOT NULL;
ALTER TABLE policy_match_typed ALTER period SET NOT NULL;
ALTER TABLE policy_match_typed ALTER status SET NOT NULL;
ALTER TABLE policy_match_typed ALTER category SET NOT NULL;
ALTER TABLE policy_match_typed ALTER computed_at SET NOT NULL;
DROP TABLE policy_match;
ALTER TABLE policy_match_typed RENAME TO policy_match;
