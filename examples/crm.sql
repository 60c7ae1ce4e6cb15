-- A small CRM to try leadscore on: the tables and rows the README's
-- "Quick start" uses.  In psql, from the repository's top directory:
--   \i examples/crm.sql
-- (the package ships it as /usr/share/doc/postgresql-15-leadscore/examples/crm.sql).
-- Made-up companies and people.  Activity times are relative to now(), so
-- decay gives sensible scores whenever this is loaded.
CREATE SCHEMA crm;

CREATE TABLE crm.companies (
	id bigint PRIMARY KEY,
	name text NOT NULL,
	industry text,
	employees integer
);

-- The leads.  employees is the company's size as the CRM copies it onto
-- each contact: grade criteria read the lead's own row.
CREATE TABLE crm.contacts (
	id bigint PRIMARY KEY,
	company_id bigint REFERENCES crm.companies,
	full_name text NOT NULL,
	email text,
	job_title text,
	employees integer
);

-- What the leads do.  url and duration_s are read by a rule's condition.
CREATE TABLE crm.activities (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL REFERENCES crm.contacts,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer
);
CREATE INDEX ON crm.activities (lead_id, occurred_at);

-- Conversions, for calibrate() and evaluate().
CREATE TABLE crm.won_deals (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL REFERENCES crm.contacts,
	won_at timestamptz NOT NULL,
	amount numeric(12, 2) NOT NULL
);
CREATE INDEX ON crm.won_deals (lead_id);

INSERT INTO crm.companies VALUES
	(1, 'Orbit Telecom', 'telecom', 5000),
	(2, 'Northwind Logistics', 'logistics', 1200),
	(3, 'Acme Analytics', 'software', 350),
	(4, 'Keystone Insurance', 'finance', 2400),
	(5, 'Lumen Health', 'healthcare', 600),
	(6, 'Tidewater Marine', 'manufacturing', 150),
	(7, 'Blue Harbor Foods', 'retail', 80),
	(8, 'Summit Legal', 'legal', 45),
	(9, 'Pine & Co Design', 'agency', 12),
	(10, 'Greenfield University', 'education', 3000);

INSERT INTO crm.contacts (id, company_id, full_name, email, job_title, employees)
SELECT c.id, c.company_id, c.full_name, c.email, c.job_title, co.employees
FROM (VALUES
	(1, 1, 'Amara Okafor', 'amara@orbit.example', 'Head of IT'),
	(2, 1, 'Lukas Brandt', 'lukas@orbit.example', 'Network Engineer'),
	(3, 1, 'Priya Raman', 'priya@orbit.example', 'Procurement Manager'),
	(4, 1, 'Tom Fischer', 'tom@orbit.example', 'CFO'),
	(5, 1, 'Ines Duarte', 'ines@orbit.example', 'Sales Operations Lead'),
	(6, 2, 'Henrik Lund', 'henrik@northwind.example', 'VP Operations'),
	(7, 2, 'Maya Cohen', 'maya@northwind.example', 'Business Analyst'),
	(8, 2, 'Jon Park', 'jon@northwind.example', 'IT Director'),
	(9, 3, 'Sofia Rossi', 'sofia@acme.example', 'CTO'),
	(10, 3, 'Daniel Weber', 'daniel@acme.example', 'Developer'),
	(11, 3, 'Chloe Martin', 'chloe@acme.example', 'Marketing Manager'),
	(12, 4, 'Omar Haddad', 'omar@keystone.example', 'Chief Information Officer'),
	(13, 4, 'Grace Liu', 'grace@keystone.example', 'Data Analyst'),
	(14, 4, 'Pedro Alves', 'pedro@keystone.example', 'Head of Sales'),
	(15, 5, 'Nora Svensson', 'nora@lumen.example', 'Director of Operations'),
	(16, 5, 'Ravi Shah', 'ravi@lumen.example', 'IT Manager'),
	(17, 6, 'Eva Novak', 'eva@tidewater.example', 'Owner'),
	(18, 6, 'Ken Ito', 'ken@tidewater.example', 'Office Manager'),
	(19, 7, 'Lea Dubois', 'lea@blueharbor.example', 'Store Manager'),
	(20, 7, 'Sam Carter', 'sam@blueharbor.example', 'Marketing Assistant'),
	(21, 8, 'Julia Horvat', 'julia@summitlegal.example', 'Managing Partner'),
	(22, 9, 'Max Keller', 'max@pineco.example', 'Designer'),
	(23, 10, 'Ana Costa', 'ana@greenfield.example', 'Student'),
	(24, 10, 'Ben Adler', 'ben@greenfield.example', 'PhD Student'),
	(25, 10, 'Carla Mendes', 'carla@greenfield.example', 'Head of IT Services'),
	(26, 2, 'Felix Wagner', 'felix@northwind.example', 'Fleet Manager'),
	(27, 3, 'Hana Kim', 'hana@acme.example', 'Product Manager'),
	(28, 4, 'Leo Moreau', 'leo@keystone.example', 'Actuary'),
	(29, 5, 'Zoe Evans', 'zoe@lumen.example', 'Nurse Manager'),
	(30, 6, 'Ali Yilmaz', 'ali@tidewater.example', 'Purchasing Lead'),
	(42, 1, 'Mira Patel', 'mira@orbit.example', 'VP Customer Experience')
) AS c (id, company_id, full_name, email, job_title)
JOIN crm.companies co ON co.id = c.company_id;

-- (lead, kind, days ago, url, seconds on the page)
INSERT INTO crm.activities (lead_id, kind, occurred_at, url, duration_s)
SELECT lead_id, kind, now() - days_ago * interval '1 day', url, duration_s
FROM (VALUES
	(42, 'blog_read', 40.0, '/blog/churn-signals', 180),
	(42, 'webinar', 21.0, NULL, NULL),
	(42, 'page_view', 9.0, '/pricing', 95),
	(42, 'pricing_view', 8.5, '/pricing/enterprise', 240),
	(42, 'demo_request', 3.0, NULL, NULL),
	(1, 'blog_read', 30.0, '/blog/crm-migration', 200),
	(1, 'page_view', 12.0, '/pricing', 60),
	(1, 'pricing_view', 6.0, '/pricing/enterprise', 300),
	(1, 'demo_request', 2.0, NULL, NULL),
	(2, 'blog_read', 15.0, '/blog/api-limits', 120),
	(2, 'blog_read', 5.0, '/blog/webhooks', 90),
	(3, 'pricing_view', 4.0, '/pricing', 150),
	(3, 'page_view', 4.0, '/pricing/compare', 75),
	(4, 'webinar', 10.0, NULL, NULL),
	(4, 'pricing_view', 1.0, '/pricing/enterprise', 45),
	(5, 'page_view', 20.0, '/pricing', 20),
	(5, 'blog_read', 18.0, '/blog/sales-ops', 60),
	(6, 'blog_read', 60.0, '/blog/route-planning', 240),
	(6, 'webinar', 35.0, NULL, NULL),
	(6, 'pricing_view', 14.0, '/pricing', 130),
	(6, 'demo_request', 7.0, NULL, NULL),
	(7, 'blog_read', 25.0, '/blog/dashboards', 100),
	(8, 'page_view', 11.0, '/pricing', 40),
	(8, 'pricing_view', 10.0, '/pricing/compare', 200),
	(9, 'blog_read', 80.0, '/blog/crm-migration', 300),
	(9, 'blog_read', 70.0, '/blog/api-limits', 240),
	(9, 'pricing_view', 55.0, '/pricing', 180),
	(9, 'demo_request', 50.0, NULL, NULL),
	(10, 'blog_read', 3.0, '/blog/webhooks', 400),
	(10, 'blog_read', 2.0, '/blog/api-limits', 350),
	(10, 'blog_read', 1.0, '/blog/sdk', 300),
	(11, 'webinar', 45.0, NULL, NULL),
	(11, 'unsubscribe', 20.0, NULL, NULL),
	(12, 'pricing_view', 28.0, '/pricing/enterprise', 260),
	(12, 'demo_request', 26.0, NULL, NULL),
	(12, 'pricing_view', 5.0, '/pricing/enterprise', 180),
	(13, 'blog_read', 9.0, '/blog/dashboards', 80),
	(14, 'page_view', 16.0, '/pricing', 35),
	(15, 'webinar', 33.0, NULL, NULL),
	(15, 'pricing_view', 19.0, '/pricing', 90),
	(16, 'blog_read', 12.0, '/blog/security', 150),
	(16, 'page_view', 12.0, '/pricing', 10),
	(17, 'pricing_view', 75.0, '/pricing', 60),
	(17, 'demo_request', 72.0, NULL, NULL),
	(18, 'blog_read', 50.0, '/blog/small-teams', 70),
	(19, 'blog_read', 6.0, '/blog/retail', 110),
	(20, 'blog_read', 4.0, '/blog/retail', 30),
	(20, 'unsubscribe', 1.0, NULL, NULL),
	(21, 'pricing_view', 22.0, '/pricing', 140),
	(22, 'blog_read', 8.0, '/blog/design-tools', 50),
	(23, 'blog_read', 2.0, '/blog/crm-migration', 600),
	(23, 'pricing_view', 1.5, '/pricing', 40),
	(24, 'blog_read', 3.0, '/blog/api-limits', 500),
	(25, 'webinar', 17.0, NULL, NULL),
	(25, 'page_view', 13.0, '/pricing', 70),
	(26, 'blog_read', 44.0, '/blog/route-planning', 90),
	(27, 'page_view', 7.0, '/pricing/compare', 55),
	(27, 'pricing_view', 6.5, '/pricing', 210),
	(28, 'blog_read', 85.0, '/blog/risk', 100),
	(29, 'webinar', 29.0, NULL, NULL),
	(30, 'pricing_view', 38.0, '/pricing', 85),
	(30, 'demo_request', 36.0, NULL, NULL)
) AS a (lead_id, kind, days_ago, url, duration_s);

INSERT INTO crm.won_deals (lead_id, won_at, amount)
SELECT lead_id, now() - days_ago * interval '1 day', amount
FROM (VALUES
	(9, 40.0, 48000.00),
	(17, 60.0, 9500.00),
	(12, 20.0, 120000.00),
	(30, 25.0, 15000.00),
	(6, 4.0, 64000.00)
) AS w (lead_id, days_ago, amount);
