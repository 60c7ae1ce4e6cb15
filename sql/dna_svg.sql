-- dna_svg(): dna() as an SVG card per model.  Checked through xpath on the
-- result cast to xml (so it parses as XML): a group per model with score,
-- grade, status, the stage line with the lead's stage marked, the reasons
-- and the account; hostile lead attributes, key, model, stage and rule
-- names come out as text; nothing refers outside the document.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA svg_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE svg_test.contacts (id bigint PRIMARY KEY, company text, title text, note text);
CREATE TABLE svg_test.activities (lead_id bigint, kind text, at timestamptz);
INSERT INTO svg_test.contacts VALUES
	(1, 'Acme', 'Head of IT', NULL),
	(2, '<script>alert(1)</script>', 'R&D "lead" <b>', E'tab\there\u0001bell'),
	(3, 'Acme', 'Intern', NULL);
SELECT leadscore.create_grade_profile('icp', base => 'C') > 0 AS profile;
SELECT leadscore.add_criterion('icp', $$title ~* 'head'$$, 2, 'decision maker');
SELECT leadscore.create_model('software', half_life => NULL, proposition => 'CRM software',
	grade_profile => 'icp', account_threshold => 50) > 0 AS model;
SELECT leadscore.add_rule('software', 'pricing_view', 35, 'decision') > 0 AS rule;
SELECT leadscore.add_rule('software', 'blog_read', 5, 'awareness', max_count => 5) > 0 AS rule;
SELECT leadscore.add_rule('software', 'unsubscribe', -40) > 0 AS rule;
-- A second model whose author typed markup into every name it allows.
SET client_min_messages = warning;
SELECT leadscore.create_model('<svg onload=x>', half_life => NULL,
	stages => ARRAY['<i>first</i>', 'R&D', '"quoted"'], mql_threshold => 10, sql_threshold => 20) > 0 AS model;
SELECT leadscore.add_rule('<svg onload=x>', 'blog_read', 12, 'R&D', name => '<script>&"rule"') > 0 AS rule;
RESET client_min_messages;
SELECT leadscore.attach_activities('svg_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('svg_test.contacts', 'id', account_column => 'company') AS graded;
INSERT INTO svg_test.activities VALUES
	(1, 'pricing_view', '2026-01-05'), (1, 'pricing_view', '2026-01-06'), (1, 'blog_read', '2026-01-04'),
	(1, 'unsubscribe', '2026-01-07'), (1, 'pricing_view', '2026-01-08'),
	(2, 'blog_read', '2026-01-04'), (2, 'blog_read', '2026-01-05'),
	(3, 'blog_read', '2026-01-03');

CREATE FUNCTION svg_test.doc(lead bigint) RETURNS xml LANGUAGE sql
	RETURN xmlparse(DOCUMENT leadscore.dna_svg(lead));
CREATE FUNCTION svg_test.x(path text, lead bigint) RETURNS text[] LANGUAGE sql
	RETURN (SELECT array_agg(v::text) FROM unnest(xpath(path, svg_test.doc(lead),
		ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) v);

-- The root: 600 px wide, a height that grows with the models.
SELECT svg_test.x('/s:svg/@width', 1) AS width, svg_test.x('/s:svg/@height', 1) AS height,
	svg_test.x('/s:svg/@height', 3) AS height_lead_3;
-- A group per model, in dna()'s order, with its score, grade and status.
SELECT svg_test.x('//s:g[@class="model"]/@data-model', 1) AS models;
SELECT svg_test.x('//s:g[@class="model"]/s:text[@class="score"]/text()', 1) AS scores,
	svg_test.x('//s:g[@class="model"]/s:text[@class="grade"]/text()', 1) AS grades,
	svg_test.x('//s:g[@class="model"]/s:text[@class="status"]/text()', 1) AS statuses;
-- The stage line: every stage of the model, the lead's marked (the circle
-- before its label).
SELECT svg_test.x('//s:g[@data-model="software"]//s:g[@class="stages"]/s:text/text()', 1) AS stage_line,
	svg_test.x('//s:g[@data-model="software"]//s:circle[@class="current"]/following-sibling::s:text[1]/text()', 1) AS current_stage;
SELECT svg_test.x('//s:g[@data-model="software"]//s:circle[@class="current"]', 3) AS no_stage_lead_3,
	svg_test.x('//s:g[@data-model="software"]//s:g[@class="stages"]/s:text[2]/text()', 3) AS says;
-- The reasons: rule, points now and share, the bars as wide as the share.
SELECT svg_test.x('//s:g[@data-model="software"]//s:g[@class="reasons"]/s:text/text()', 1) AS reasons,
	svg_test.x('//s:g[@data-model="software"]//s:g[@class="reasons"]/s:rect/@width', 1) AS bars,
	svg_test.x('//s:g[@data-model="software"]//s:g[@class="reasons"]/s:rect/@fill', 1) AS colours;
SELECT rule, round(points_now::numeric, 1) AS points_now, round(100 * share::numeric) AS pct
FROM leadscore.explain('software', 1::bigint) WHERE counted > 0 ORDER BY abs(points_now) DESC;
-- The account: its score, and its status only where the model has a threshold.
SELECT svg_test.x('//s:text[@class="account"]/text()', 1) AS accounts;
-- The lead row's attributes.
SELECT svg_test.x('//s:text[@class="attributes"]/s:tspan/text()', 1) AS attributes;

-- Hostile text is text: no element, attribute or reference comes from the
-- data (xpath shows text nodes escaped; control characters are spaces).
SELECT svg_test.x('//s:text[@class="attributes"]/s:tspan/text()', 2) AS attributes,
	svg_test.x('//s:text[@class="account"]/text()', 2) AS accounts;
SELECT svg_test.x('//s:g[@class="model"]/@data-model', 2) AS models,
	svg_test.x('//s:g[@data-model="<svg onload=x>"]//s:g[@class="stages"]/s:text/text()', 2) AS stage_line,
	svg_test.x('//s:g[@data-model="<svg onload=x>"]//s:circle[@class="current"]/following-sibling::s:text[1]/text()', 2) AS current_stage,
	svg_test.x('//s:g[@data-model="<svg onload=x>"]//s:g[@class="reasons"]/s:text/text()', 2) AS reasons;
SELECT svg_test.x('//*[local-name() = "script" or local-name() = "i" or local-name() = "b"]', 2) AS injected_elements,
	svg_test.x('//@*[starts-with(local-name(), "on")]', 2) AS event_attributes,
	svg_test.x('//@*[local-name() = "href" or contains(., "url(")]', 2) AS references,
	svg_test.x('count(//*)', 2) AS elements,
	svg_test.x('count(//*)', 3) AS elements_lead_3;
SELECT position('<script' IN leadscore.dna_svg(2::bigint)) AS raw_script_tag,
	leadscore.dna_svg(2::bigint) ~ '(href|@import|url\()' AS external_reference;

-- Bands: the lead's band and its channel on the account's line, escaped.
SELECT leadscore.add_band('software', 'hot <b>', 10, 'call & "chat"'),
	leadscore.add_band('software', 'cold', NULL);
SELECT svg_test.x('//s:g[@data-model="software"]//s:text[@class="band"]/text()', 1) AS band,
	svg_test.x('count(//*[local-name() = "b"])', 1) AS injected;

-- Long names are cut with an ellipsis, so a card stays 600 px wide.
UPDATE svg_test.contacts SET note = repeat('x', 500) WHERE id = 3;
SELECT svg_test.x('//s:text[@class="attributes"]/s:tspan/text()', 3) AS cut;
SELECT leadscore._svg_text('a<b&c', 60) AS escaped, leadscore._svg_text('abcdef', 4) AS cut,
	leadscore._svg_text(E'x\u0001\ny', 60) AS controls, leadscore._svg_text(NULL) AS null_text;

-- A lead no model has scored, and one unknown to every table: still a
-- valid SVG that says so.
INSERT INTO svg_test.contacts VALUES (4, 'Solo', NULL, NULL);
SELECT svg_test.x('count(//s:g[@class="model"])', 4) AS lead_4_models,
	svg_test.x('//s:g[@class="model"]/s:text[@class="score"]/text()', 4) AS lead_4_scores,
	svg_test.x('//s:svg/s:text[last()]/text()', 999) AS unknown_lead,
	svg_test.x('//s:text[@class="attributes"]/s:tspan/text()', 999) AS unknown_attributes;

-- Errors as dna()'s: a NULL key, a key of the wrong type.
SELECT leadscore.dna_svg(NULL::bigint);
SELECT leadscore.dna_svg('1'::text);

-- A reader's function: PUBLIC may run it.
SELECT p.provolatile, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_run, p.prosecdef
FROM pg_proc p WHERE p.oid = 'leadscore.dna_svg(anyelement)'::regprocedure;

SET client_min_messages = warning;
DROP SCHEMA svg_test CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
